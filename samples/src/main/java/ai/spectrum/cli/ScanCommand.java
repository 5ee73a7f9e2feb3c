package ai.spectrum.cli;

import ai.spectrum.analysis.DegenerateWeightsException;
import ai.spectrum.analysis.ScanProgress;
import ai.spectrum.analysis.ScanResult;
import ai.spectrum.analysis.SnrRule;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.ModelFiles;
import ai.spectrum.io.ModelFormatException;
import ai.spectrum.io.ScanJournal;
import ai.spectrum.report.OriginalFormat;
import ai.spectrum.report.ScanReport;
import ai.spectrum.selection.Selection;
import ai.spectrum.selection.SpectrumSelector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code spectrum scan}: scores every weight matrix of a model file and writes the original tool's three files. */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = "Score every weight matrix of a model (.onnx, .safetensors, model.safetensors.index.json, "
                + ".npz, DL4J .zip) and write snr_results_<slug>.json, _sorted.json and the "
                + "unfrozen-parameters YAML for the top percent of each module type.")
final class ScanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<model>", description = "Model file, or a directory holding a "
            + "safetensors model.")
    Path model;

    @Option(names = "--top-percent", paramLabel = "P", converter = PercentConverter.class, defaultValue = "25",
            description = "Percentage of each module type to select, in (0, 100]; default ${DEFAULT-VALUE}.")
    double topPercent;

    @Option(names = "--rule", paramLabel = "current|ref2024", converter = RuleConverter.class,
            defaultValue = "current", description = "SNR rule: current (default) or ref2024 (the published results).")
    SnrRule rule;

    @Mixin
    OutputDirectory output = new OutputDirectory(".");

    @Option(names = "--threads", paramLabel = "N", description = "Analysis threads: matrices at once, and helpers "
            + "inside a large matrix; results do not depend on it. Default the number of processors.")
    Integer threads;

    @Option(names = "--snr-tolerance", paramLabel = "TOL", defaultValue = "1e-7",
            description = "Keep the fast Gram-matrix route for a matrix when its error bound fixes which singular "
                    + "values lie above the threshold and the SNR to this relative accuracy, else use gesvd; default "
                    + "${DEFAULT-VALUE}: the bound is a first-order estimate, 10-100x above actual errors (on synthetic "
                    + "Llama-shaped checkpoints the SNRs match float64 gesvd to ~1e-13), while the original tool's "
                    + "float32 SVD moves SNRs by ~5e-8. The library's default is 1e-10.")
    double snrTolerance;

    @Option(names = "--restart", description = "Ignore the journal of an interrupted scan of the same model and "
            + "settings in the output directory, and start over. By default the scan resumes from it.")
    boolean restart;

    @Option(names = "--include-1d", description = "Also score 1-D tensors (biases, norms) of safetensors and ONNX "
            + "models, as 1×d matrices.")
    boolean include1d;

    @Option(names = "--lenient", description = "Score NaN/infinite or all-zero weights as NaN (never selected) "
            + "instead of failing.")
    boolean lenient;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws IOException {
        try {
            return scan();
        } catch (NoClassDefFoundError e) {
            // ND4J's classes failed to initialise on the background start's thread; report that failure instead
            throw BackendStart.failure().map(BackendStart::rethrow).orElse(e);
        }
    }

    private int scan() throws IOException {
        Path out = output.dir();
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--threads must be at least 1, got " + n);
        }
        if (!(snrTolerance > 0 && snrTolerance < 1)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--snr-tolerance must be in (0, 1), got " + snrTolerance);
        }
        SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().optRule(rule).optThreads(n).optStrict(!lenient)
                .optSnrTolerance(snrTolerance).build();
        ScanResult result;
        ScanJournal journal;
        if (!headerOnlyOpen(model)) {
            BackendStart.awaitReady(); // these readers create arrays while opening
        }
        try (WeightSource source = ModelFiles.open(model, include1d)) {
            BackendStart.awaitReady(); // begun by main, so it overlapped picocli's set-up and the header's reading
            journal = openJournal(out, source.modelId(), analyzer);
            if (!journal.completed().isEmpty()) {
                spec.commandLine().getOut().printf("resuming: %d modules already scored in %s%n",
                        journal.completed().size(), journal.file());
            }
            try (ProgressMode.Bar bar = progress.mode().open("scan " + model.getFileName(),
                    SpectrumCommand.progressStream())) {
                result = analyzer.scan(source, ScanProgress.both(journal, bar), journal.completed());
            } finally {
                journal.close();
            }
        } catch (DegenerateWeightsException e) {
            throw new ModelFormatException(model, e.getMessage() + " (--lenient scores it NaN instead)", e);
        }
        Selection selection = SpectrumSelector.builder().optTopPercent(topPercent).build().select(result.scores());
        String slug = OriginalFormat.slug(result.modelId());
        List<Path> written;
        try {
            written = new java.util.ArrayList<>(OriginalFormat.writeAll(out, slug, result.scores(), selection));
            written.add(new ScanReport(result, selection).write(out, slug));
            journal.delete();
        } catch (IOException e) {
            throw new ExitCodes.OutputException("cannot write results to " + out + ": " + ErrorHandler.describe(e), e);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf("model %s: %d modules, rule %s, top %s%%%n", result.modelId(), result.scores().size(),
                rule.name().toLowerCase(java.util.Locale.ROOT), OriginalFormat.percentLabel(topPercent));
        w.print(TypeTable.render(selection));
        for (Path p : written) {
            w.println("wrote " + p);
        }
        w.flush();
        return ExitCodes.OK;
    }

    /**
     * Whether opening the model only reads safetensors headers (a {@code .safetensors} file, an index, or a
     * directory), touching no ND4J class, so that it can overlap the backend's start on another thread. Other readers
     * create arrays while opening; they wait for the backend first, so that no class initialisation of theirs can
     * wait on the backend's thread while that thread waits on it.
     */
    private static boolean headerOnlyOpen(Path model) {
        String name = model.getFileName() == null ? "" : model.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isDirectory(model) || name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json");
    }

    /** The journal in the output directory that makes an interrupted scan resumable. */
    private ScanJournal openJournal(Path out, String modelId, SpectrumAnalyzer analyzer) throws IOException {
        Map<String, String> settings = new TreeMap<>(analyzer.configuration());
        settings.remove("threads"); // results do not depend on it
        settings.put("include1d", Boolean.toString(include1d));
        Path file = out.resolve("spectrum_scan_" + OriginalFormat.slug(modelId) + ".journal");
        try {
            if (restart) {
                Files.deleteIfExists(file);
            }
            return ScanJournal.open(file, ScanJournal.fingerprint(model, settings));
        } catch (IOException e) {
            throw new ExitCodes.OutputException("cannot write results to " + out + " (scan journal " + file
                    + "): " + ErrorHandler.describe(e), e);
        }
    }
}

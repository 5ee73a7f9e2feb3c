package ai.spectrum.cli;

import ai.spectrum.analysis.DegenerateWeightsException;
import ai.spectrum.analysis.ScanResult;
import ai.spectrum.analysis.SnrRule;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.ModelFiles;
import ai.spectrum.io.ModelFormatException;
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
import java.nio.file.Path;
import java.util.List;
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

    @Option(names = "--threads", paramLabel = "N", description = "Matrices analysed at once, each single-threaded; "
            + "default the number of processors (bench-svd on 2 cores: 1 thread 0.50, 2 threads 0.36 of numpy's "
            + "time).")
    Integer threads;

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
        Path out = output.dir();
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--threads must be at least 1, got " + n);
        }
        SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().optRule(rule).optThreads(n).optStrict(!lenient)
                .build();
        ScanResult result;
        try (WeightSource source = ModelFiles.open(model, include1d);
             ProgressMode.Bar bar = progress.mode().open("scan " + model.getFileName(), SpectrumCommand.progressStream())) {
            result = analyzer.scan(source, bar);
        } catch (DegenerateWeightsException e) {
            throw new ModelFormatException(model, e.getMessage() + " (--lenient scores it NaN instead)", e);
        }
        Selection selection = SpectrumSelector.builder().optTopPercent(topPercent).build().select(result.scores());
        String slug = OriginalFormat.slug(result.modelId());
        List<Path> written;
        try {
            written = new java.util.ArrayList<>(OriginalFormat.writeAll(out, slug, result.scores(), selection));
            written.add(new ScanReport(result, selection).write(out, slug));
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
}

package ai.spectrum.cli;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.report.OriginalFormat;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code spectrum select}: the sorted JSON and the unfrozen-parameters YAML for a results JSON (flat, or nested by type
 * like the {@code _sorted.json} files) written by the
 * original tool or by {@code spectrum scan}, named after it ({@code snr_results_<slug>.json}).
 */
@Command(name = "select", mixinStandardHelpOptions = true,
        description = "Select the top percent of each module type from a snr_results_<slug>.json and write "
                + "snr_results_<slug>_sorted.json and snr_results_<slug>_unfrozenparameters_<P>percent.yaml.")
final class SelectCommand implements Callable<Integer> {
    private static final String PREFIX = "snr_results_";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<snr_results.json>", description = "Results JSON of a scan.")
    Path results;

    @Option(names = "--top-percent", paramLabel = "P", converter = PercentConverter.class, required = true,
            description = "Percentage of each module type to select, in (0, 100].")
    double topPercent;

    @Mixin
    OutputDirectory output = new OutputDirectory(".");

    @Override
    public Integer call() throws IOException {
        Path out = output.dir();
        List<ModuleScore> scores = OriginalFormat.readResultsJson(results);
        Selection selection = SpectrumSelector.builder().optTopPercent(topPercent).build().select(scores);
        String base = PREFIX + slug(results);
        Path sorted = out.resolve(base + "_sorted.json");
        Path yaml = out.resolve(base + "_unfrozenparameters_" + OriginalFormat.percentLabel(topPercent)
                + "percent.yaml");
        try {
            Files.createDirectories(out);
            Files.writeString(sorted, OriginalFormat.sortedJson(selection), StandardCharsets.UTF_8);
            Files.writeString(yaml, OriginalFormat.unfrozenParametersYaml(selection), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ExitCodes.OutputException("cannot write results to " + out + ": " + ExitCodes.describe(e), e);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf("%s: %d modules, top %s%%%n", results.getFileName(), scores.size(),
                OriginalFormat.percentLabel(topPercent));
        w.print(TypeTable.render(selection));
        w.println("wrote " + sorted);
        w.println("wrote " + yaml);
        w.flush();
        return ExitCodes.OK;
    }

    /** {@code snr_results_<slug>.json} → slug; any other name → its name without extension, slugged. */
    static String slug(Path results) {
        String n = results.getFileName().toString();
        if (n.endsWith(".json")) {
            n = n.substring(0, n.length() - 5);
        }
        return n.startsWith(PREFIX) && n.length() > PREFIX.length() ? n.substring(PREFIX.length())
                : OriginalFormat.slug(n);
    }
}

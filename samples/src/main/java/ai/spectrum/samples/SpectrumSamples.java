package ai.spectrum.samples;

import ai.spectrum.cli.SpectrumCommand;
import ai.spectrum.samples.bench.BenchScanCommand;
import ai.spectrum.samples.bench.MakeCheckpointCommand;
import ai.spectrum.samples.bench.TrainBenchmark;
import ai.spectrum.samples.bert.DemoCommand;
import ai.spectrum.samples.bert.ExperimentCommand;
import ai.spectrum.samples.samediff.SameDiffBenchmark;
import ai.spectrum.samples.sweep.SweepSample;
import picocli.CommandLine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code spectrum} command of {@code samples/target/spectrum.jar}: the product's own subcommands
 * ({@link SpectrumCommand}: {@code scan}, {@code select}, {@code bench-svd}) plus the demos and benchmarks of this
 * module, registered here: {@code experiment}, {@code demo}, {@code bench-train}, {@code sweep},
 * {@code bench-samediff}, {@code bench-scan}, {@code make-checkpoint}.
 *
 * <pre>{@code
 * java -jar samples/target/spectrum.jar demo
 * }</pre>
 */
public final class SpectrumSamples {
    private SpectrumSamples() {
    }

    /**
     * Runs the command line and exits the JVM with its exit code; only the subcommand named by the first argument is
     * built (see {@link SpectrumCommand#execute}).
     */
    public static void main(String[] args) {
        System.exit(SpectrumCommand.execute(args, subcommands()));
    }

    /** The full command line, as {@link SpectrumCommand#newCommandLine(Object...)} with the samples' subcommands. */
    public static CommandLine newCommandLine() {
        return SpectrumCommand.newCommandLine(subcommands().values().stream().map(Supplier::get).toArray());
    }

    /** The samples' subcommands by their {@code @Command} names, in the order of {@code --help}. */
    static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("experiment", ExperimentCommand::new);
        m.put("demo", DemoCommand::new);
        m.put("bench-train", TrainBenchmark::new);
        m.put("sweep", SweepSample::new);
        m.put("bench-samediff", SameDiffBenchmark::new);
        m.put("bench-scan", BenchScanCommand::new);
        m.put("make-checkpoint", MakeCheckpointCommand::new);
        return m;
    }
}

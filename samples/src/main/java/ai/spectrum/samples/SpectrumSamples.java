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

    /** Runs the command line and exits the JVM with its exit code. */
    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** The full command line, as {@link SpectrumCommand#newCommandLine(Object...)} with the samples' subcommands. */
    public static CommandLine newCommandLine() {
        return SpectrumCommand.newCommandLine(new ExperimentCommand(), new DemoCommand(), new TrainBenchmark(),
                new SweepSample(), new SameDiffBenchmark(), new BenchScanCommand(), new MakeCheckpointCommand());
    }
}

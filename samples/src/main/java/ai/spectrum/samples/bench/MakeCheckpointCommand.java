package ai.spectrum.samples.bench;

import ai.spectrum.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code spectrum make-checkpoint}: writes a synthetic safetensors checkpoint with a real model's tensor names and
 * shapes (see {@link SyntheticCheckpoint}), the input of {@code bench-scan}.
 */
@Command(name = "make-checkpoint", mixinStandardHelpOptions = true,
        description = "Write a synthetic safetensors checkpoint with a real model's tensor names and shapes: seeded "
                + "noise with log-normal feature scales plus a low-rank signal. Streams; memory stays small.")
public final class MakeCheckpointCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--shape", required = true, paramLabel = "NAME",
            description = "llama-3.2-1b (bf16, 3 shards, 2.47 GB), llama-small, llama-tiny or bge-small-en-v1.5.")
    String shape;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write into.")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed; default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--threads", paramLabel = "N", description = "Tensors generated at once; default the number "
            + "of processors.")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        CheckpointShape s = CheckpointShape.named(shape);
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 1, got " + n);
        }
        long t0 = System.nanoTime();
        Path written;
        try {
            written = SyntheticCheckpoint.write(s, out, seed, n);
        } catch (IOException e) {
            throw new ExitCodes.OutputException("cannot write the checkpoint to " + out + ": "
                    + ExitCodes.describe(e), e);
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%s, %d tensors, %,d data bytes, seed %d) in %.1f s%n",
                written, s.name(), s.tensors().size(), s.dataBytes(), seed, (System.nanoTime() - t0) / 1e9);
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}

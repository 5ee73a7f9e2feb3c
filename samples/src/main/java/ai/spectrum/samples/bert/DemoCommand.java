package ai.spectrum.samples.bert;

import ai.spectrum.cli.OutputDirectory;
import ai.spectrum.cli.ProgressOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code demo}: a short run of the era-classification experiment ({@link EraExperiment}) on the embedded defaults
 * (all-MiniLM-L6-v2 from the langchain4j jar, the shipped State of the Union corpus) — FULL, SPECTRUM_25 and
 * FROZEN_ENCODER, {@value #STEPS} steps of {@value #BATCH} passages × {@value #SEQ_LEN} tokens, one seed — that
 * finishes in a few minutes on two cores. It makes no memory runs in JVMs of their own (the experiment's
 * {@code --memory-steps}), so its table has no peak-memory figures.
 *
 * <pre>{@code
 * java -jar samples/target/spectrum.jar demo            # writes spectrum-demo/report.html
 * }</pre>
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "A few-minute version of the era experiment (FULL, SPECTRUM_25, FROZEN_ENCODER on "
                + "all-MiniLM-L6-v2, dating State of the Union passages to their era); writes report.html and "
                + "results.json. No per-method memory runs (see experiment --task era --memory-steps).")
public final class DemoCommand implements Callable<Integer> {
    static final int STEPS = 40;
    static final int EVAL_EVERY = 10;
    static final int BATCH = 16;
    static final int SEQ_LEN = 64;
    static final int VALIDATION_PER_ERA = 12;

    @Mixin
    OutputDirectory out = new OutputDirectory("spectrum-demo");

    @Mixin
    ProgressOption progress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        EraExperiment.Builder b = EraExperiment.builder()
                .optMethods(List.of(EraMethod.FULL, EraMethod.SPECTRUM_25, EraMethod.FROZEN_ENCODER))
                .optSteps(STEPS).optEvalEvery(EVAL_EVERY).optBatchSize(BATCH).optSequenceLength(SEQ_LEN)
                .optValidationPerClass(VALIDATION_PER_ERA).optMemorySteps(0);
        return ExperimentCommand.runEra(b, out.dir(), progress.mode(), spec.commandLine().getOut(),
                "Note: " + STEPS + " steps of " + BATCH + " passages and one seed show the first trend only "
                        + "(accuracy curves, cost ratios and the SNR heatmap); differences this early are not a "
                        + "quality verdict. For the full comparison, with each method's peak memory measured in a JVM "
                        + "of its own (n/a here), run 'spectrum experiment --task era --seeds 3'.");
    }
}

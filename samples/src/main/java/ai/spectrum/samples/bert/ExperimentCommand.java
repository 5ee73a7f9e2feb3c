package ai.spectrum.samples.bert;

import ai.spectrum.cli.ExitCodes;
import ai.spectrum.cli.OutputDirectory;
import ai.spectrum.cli.ProgressMode;
import ai.spectrum.cli.ProgressOption;
import ai.spectrum.cli.SpectrumCommand;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code experiment}: the flagship experiment ({@link FlagshipExperiment}) — masked-LM adaptation of
 * all-MiniLM-L6-v2 to State of the Union addresses with each chosen method on the same data and seed — writing
 * {@code report.html} and {@code results.json} into {@code --out} and printing the results table.
 *
 * <pre>{@code
 * java -jar samples/target/spectrum.jar experiment --steps 40 --eval-every 10 --out flagship/
 * }</pre>
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Train all-MiniLM-L6-v2 (masked LM, State of the Union passages) with each method on the same "
                + "data and seed; write report.html and results.json.")
public final class ExperimentCommand implements Callable<Integer> {
    @Option(names = "--methods", split = ",", paramLabel = "M",
            description = "Methods, run in this order: FULL, FROZEN_ENCODER, SPECTRUM_25, SPECTRUM_50, RANDOM_25, "
                    + "LISA; default all six.")
    List<MlmFineTuning.Mode> methods = List.of(MlmFineTuning.Mode.values());

    @Option(names = "--steps", paramLabel = "N", defaultValue = "60", description = "Steps per method; default "
            + "${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--eval-every", paramLabel = "E", defaultValue = "10", description = "Steps between validation "
            + "evaluations (and SNR columns); default ${DEFAULT-VALUE}.")
    int evalEvery;

    @Option(names = "--reselect-every", paramLabel = "N", defaultValue = "0", description = "Steps between Spectrum "
            + "re-selections; default 0 = the evaluation interval.")
    int reselectEvery;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "Passages per step; default "
            + "${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seq-len", paramLabel = "T", defaultValue = "128", description = "Tokens per passage; default "
            + "${DEFAULT-VALUE}.")
    int sequenceLength;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "5e-5", description = "Adam learning rate; default "
            + "${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--validation", paramLabel = "N", defaultValue = "64", description = "Held-out passages; default "
            + "${DEFAULT-VALUE}.")
    int validation;

    @Option(names = "--train-passages", paramLabel = "N", defaultValue = "0", description = "Training passages used; "
            + "default 0 = all.")
    int trainPassages;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of shuffling and masking; default "
            + "${DEFAULT-VALUE}.")
    long seed;

    @Mixin
    OutputDirectory out = new OutputDirectory("spectrum-experiment");

    @Mixin
    ProgressOption progress;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        FlagshipExperiment.Builder b;
        try {
            b = FlagshipExperiment.builder().optModes(methods).optSteps(steps).optEvalEvery(evalEvery)
                    .optReselectEvery(reselectEvery).optBatchSize(batch).optSequenceLength(sequenceLength)
                    .optLearningRate(learningRate).optValidationPassages(validation).optTrainPassages(trainPassages)
                    .optSeed(seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return run(b, out.dir(), progress.mode(), spec.commandLine().getOut(), "");
    }

    /** Runs the experiment with a progress bar, writes the report and prints where it is and the table. */
    static int run(FlagshipExperiment.Builder builder, Path out, ProgressMode progress, PrintWriter w, String note)
            throws IOException {
        ExperimentResult result;
        // ND4J M2.1's SameDiff prints an "Added differentiated op" line per op to System.out whenever it builds a
        // gradient function (once per method here); the command's own output goes through its writer, not System.out
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try (BarProgress bar = new BarProgress(progress)) {
            result = builder.optProgress(bar).build().run();
        } finally {
            System.setOut(stdout);
        }
        try {
            ExperimentReport.write(result, out);
        } catch (IOException e) {
            throw new ExitCodes.OutputException("cannot write the report to " + out + ": "
                    + ExitCodes.describe(e), e);
        }
        w.println("report:  " + out.resolve(ExperimentReport.REPORT_HTML).toAbsolutePath());
        w.println("results: " + out.resolve(ExperimentReport.RESULTS_JSON).toAbsolutePath());
        w.print(ExperimentReport.textTable(result));
        if (!note.isEmpty()) {
            w.println(note);
        }
        w.flush();
        return ExitCodes.OK;
    }

    /** One bar over all steps of all methods on standard error. */
    private static final class BarProgress implements FlagshipExperiment.Progress, AutoCloseable {
        private final boolean show;
        private ProgressBar bar;
        private String last = "";

        BarProgress(ProgressMode mode) {
            this.show = mode.shows();
        }

        @Override
        public void methodStarted(MlmFineTuning.Mode mode, int index, int methods, int steps) {
            if (!show) {
                return;
            }
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName("experiment").setInitialMax((long) methods * steps)
                        .setUpdateIntervalMillis(500).setUnit(" steps", 1)
                        .setConsumer(new ConsoleProgressBarConsumer(SpectrumCommand.progressStream())).build();
            }
            last = String.format(Locale.ROOT, "%s (%d/%d)", mode, index + 1, methods);
            bar.setExtraMessage(last);
        }

        @Override
        public void stepDone(MlmFineTuning.Mode mode, int step, double trainLoss) {
            if (bar != null) {
                bar.step();
            }
        }

        @Override
        public void evaluated(MlmFineTuning.Mode mode, int step, double validationLoss) {
            if (bar != null) {
                bar.setExtraMessage(String.format(Locale.ROOT, "%s val %.3f @%d", last, validationLoss, step));
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}

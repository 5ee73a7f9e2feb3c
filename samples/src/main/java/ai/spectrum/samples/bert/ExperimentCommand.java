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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * {@code experiment}: trains a BERT-family encoder with each chosen method on the same data and seeds, writing
 * {@code report.html} and {@code results.json} into {@code --out} and printing the results table. Two tasks:
 * {@code mlm} ({@link FlagshipExperiment}: masked-LM adaptation of all-MiniLM-L6-v2, the default) and {@code era}
 * ({@link EraExperiment}: sequence classification of State of the Union passages by era, every baseline, several
 * seeds).
 *
 * <pre>{@code
 * java -jar samples/target/spectrum.jar experiment --task era --seeds 3 --methods FULL,SPECTRUM_25,LORA --out era/
 * }</pre>
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Train a BERT-family encoder with each method on the same data and seeds: --task mlm (masked "
                + "LM on State of the Union passages) or --task era (date a passage to its era); write report.html "
                + "and results.json.")
public final class ExperimentCommand implements Callable<Integer> {
    /** Steps of each era memory run unless {@code --memory-steps} says otherwise. */
    static final int DEFAULT_MEMORY_STEPS = 3;

    /** The experiment's task. */
    enum Task { MLM, ERA }

    @Option(names = "--task", paramLabel = "T", defaultValue = "mlm", description = "mlm (masked-LM adaptation, "
            + "default) or era (sequence classification by era).")
    Task task;

    @Option(names = "--model", paramLabel = "M", defaultValue = "minilm", converter = ModelConverter.class,
            description = "Encoder of --task era: minilm (all-MiniLM-L6-v2, default) or bge-small "
                    + "(bge-small-en-v1.5).")
    EraModel model;

    /** {@code --model} names. */
    static final class ModelConverter implements CommandLine.ITypeConverter<EraModel> {
        @Override
        public EraModel convert(String value) {
            try {
                return EraModel.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Option(names = "--methods", split = ",", paramLabel = "M",
            description = "Methods, run in this order. mlm: FULL, FROZEN_ENCODER, SPECTRUM_25, SPECTRUM_50, "
                    + "RANDOM_25, LISA. era: FULL, SPECTRUM_25, SPECTRUM_50, RANDOM_25, GRADIENT_NORM_25, "
                    + "ACTIVATION_NORM_25, LISA, FROZEN_ENCODER, LORA. Default: all of the task's.")
    List<String> methods;

    @Option(names = "--seeds", paramLabel = "N", description = "era: seeds per method (42, 43, ...); default 1.")
    Integer seeds;

    @Option(names = "--steps", paramLabel = "N", description = "Steps per method; default 60 (mlm), 150 (era).")
    Integer steps;

    @Option(names = "--eval-every", paramLabel = "E", description = "Steps between validation evaluations (and SNR "
            + "columns); default 10 (mlm), 25 (era).")
    Integer evalEvery;

    @Option(names = "--reselect-every", paramLabel = "N", defaultValue = "0", description = "Steps between Spectrum "
            + "re-selections; default 0 = the evaluation interval.")
    int reselectEvery;

    @Option(names = "--batch", paramLabel = "B", description = "Passages per step; default 8 (mlm), 16 (era).")
    Integer batch;

    @Option(names = "--seq-len", paramLabel = "T", defaultValue = "128", description = "Tokens per passage; default "
            + "${DEFAULT-VALUE}.")
    int sequenceLength;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "5e-5", description = "Adam learning rate (of the "
            + "encoder for era); default ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--head-lr", paramLabel = "RATE", defaultValue = "1e-3", description = "era: Adam rate of the "
            + "classification head, every method; default ${DEFAULT-VALUE}.")
    double headLearningRate;

    @Option(names = "--lora-lr", paramLabel = "RATE", defaultValue = "5e-4", description = "era: Adam rate of the "
            + "LoRA adapters; default ${DEFAULT-VALUE}.")
    double loraLearningRate;

    @Option(names = "--validation", paramLabel = "N", description = "Held-out passages; default 64 (mlm); era: per "
            + "era, default 24.")
    Integer validation;

    @Option(names = "--train-passages", paramLabel = "N", defaultValue = "0", description = "Training passages used "
            + "(era: per era); default 0 = all (era: the balanced maximum).")
    int trainPassages;

    @Option(names = "--memory-steps", paramLabel = "N", description = "era: before training, each method's peak "
            + "memory and exact gradient + optimizer-state bytes are measured in a JVM of its own (same class path, "
            + "-Xmx and options, first seed) over its first selection and N steps; default 3, 0 = off.")
    Integer memorySteps;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (era: the first seed); default "
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
        try {
            if (task == Task.ERA) {
                return runEra(eraBuilder(), out.dir(), progress.mode(), spec.commandLine().getOut(), "");
            }
            if (seeds != null) {
                throw new IllegalArgumentException("--seeds applies to --task era only");
            }
            if (memorySteps != null) {
                throw new IllegalArgumentException("--memory-steps applies to --task era only");
            }
            return run(mlmBuilder(), out.dir(), progress.mode(), spec.commandLine().getOut(), "");
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private FlagshipExperiment.Builder mlmBuilder() {
        FlagshipExperiment.Builder b = FlagshipExperiment.builder()
                .optModes(parse(MlmFineTuning.Mode.class, methods, MlmFineTuning.Mode.values()))
                .optReselectEvery(reselectEvery).optSequenceLength(sequenceLength).optLearningRate(learningRate)
                .optTrainPassages(trainPassages).optSeed(seed);
        ifGiven(steps, b::optSteps);
        ifGiven(evalEvery, b::optEvalEvery);
        ifGiven(batch, b::optBatchSize);
        ifGiven(validation, b::optValidationPassages);
        return b;
    }

    private EraExperiment.Builder eraBuilder() {
        EraExperiment.Builder b = EraExperiment.builder().optModel(model)
                .optMethods(parse(EraMethod.class, methods, EraMethod.values()))
                .optReselectEvery(reselectEvery).optSequenceLength(sequenceLength).optLearningRate(learningRate)
                .optHeadLearningRate(headLearningRate).optLoraLearningRate(loraLearningRate)
                .optTrainPerClass(trainPassages).optFirstSeed(seed)
                .optMemorySteps(memorySteps == null ? DEFAULT_MEMORY_STEPS : memorySteps);
        ifGiven(seeds, b::optSeeds);
        ifGiven(steps, b::optSteps);
        ifGiven(evalEvery, b::optEvalEvery);
        ifGiven(batch, b::optBatchSize);
        ifGiven(validation, b::optValidationPerClass);
        return b;
    }

    /** Passes an option to the builder only when it was given; otherwise the builder keeps its task's default. */
    private static <T> void ifGiven(T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    /** The named constants (case-insensitive), or all of them when none are named. */
    static <E extends Enum<E>> List<E> parse(Class<E> type, List<String> names, E[] all) {
        if (names == null || names.isEmpty()) {
            return List.of(all);
        }
        List<E> out = new ArrayList<>();
        for (String n : names) {
            try {
                out.add(Enum.valueOf(type, n.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown method '" + n + "' for this task; expected one of "
                        + Arrays.toString(all), e);
            }
        }
        return out;
    }

    /** Runs the masked-LM experiment with a progress bar, writes the report and prints where it is and the table. */
    static int run(FlagshipExperiment.Builder builder, Path out, ProgressMode progress, PrintWriter w, String note)
            throws IOException {
        ExperimentResult result;
        try (Bar bar = new Bar(progress)) {
            result = quietly(() -> builder.optProgress(new FlagshipExperiment.Progress() {
                @Override
                public void methodStarted(MlmFineTuning.Mode mode, int index, int methods, int steps) {
                    bar.start(mode.name(), index, methods, steps);
                }

                @Override
                public void stepDone(MlmFineTuning.Mode mode, int step, double trainLoss) {
                    bar.step();
                }

                @Override
                public void evaluated(MlmFineTuning.Mode mode, int step, double validationLoss) {
                    bar.note(String.format(Locale.ROOT, "val %.3f @%d", validationLoss, step));
                }
            }).build().run());
        }
        try {
            ExperimentReport.write(result, out);
        } catch (IOException e) {
            throw new ExitCodes.OutputException("cannot write the report to " + out + ": "
                    + ExitCodes.describe(e), e);
        }
        print(w, out, ExperimentReport.textTable(result), note);
        return ExitCodes.OK;
    }

    /** Runs the era experiment with a progress bar, writes the report and prints where it is and the table. */
    static int runEra(EraExperiment.Builder builder, Path out, ProgressMode progress, PrintWriter w, String note)
            throws IOException {
        EraResult result;
        try (Bar bar = new Bar(progress)) {
            result = quietly(() -> builder.optProgress(new EraExperiment.Progress() {
                @Override
                public void runStarted(EraMethod method, long seed, int index, int runs, int steps) {
                    bar.start(method.name() + " seed " + seed, index, runs, steps);
                }

                @Override
                public void stepDone(EraMethod method, int step, double trainLoss) {
                    bar.step();
                }

                @Override
                public void evaluated(EraMethod method, EraResult.EvalPoint p) {
                    bar.note(String.format(Locale.ROOT, "acc %.3f @%d", p.accuracy(), p.step()));
                }

                @Override
                public void memoryRunStarted(EraMethod method, int index, int methods) {
                    bar.announce(String.format(Locale.ROOT, "memory of %s in its own JVM (%d/%d)", method,
                            index + 1, methods));
                }
            }).build().run());
        }
        try {
            EraReport.write(result, out);
        } catch (IOException e) {
            throw new ExitCodes.OutputException("cannot write the report to " + out + ": "
                    + ExitCodes.describe(e), e);
        }
        print(w, out, EraReport.textTable(result), note);
        return ExitCodes.OK;
    }

    private static void print(PrintWriter w, Path out, String table, String note) {
        w.println("report:  " + out.resolve(ExperimentReport.REPORT_HTML).toAbsolutePath());
        w.println("results: " + out.resolve(ExperimentReport.RESULTS_JSON).toAbsolutePath());
        w.print(table);
        if (!note.isEmpty()) {
            w.println(note);
        }
        w.flush();
    }

    private interface Experiment<T> {
        T run() throws IOException;
    }

    /**
     * Runs with System.out silenced: ND4J M2.1's SameDiff prints an "Added differentiated op" line per op to
     * System.out whenever it builds a gradient function; the command's own output goes through its writer.
     */
    private static <T> T quietly(Experiment<T> experiment) throws IOException {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            return experiment.run();
        } finally {
            System.setOut(stdout);
        }
    }

    /** One bar over all steps of all runs on standard error. */
    private static final class Bar implements AutoCloseable {
        private final boolean show;
        private ProgressBar bar;
        private String label = "";

        Bar(ProgressMode mode) {
            this.show = mode.shows();
        }

        void start(String name, int index, int runs, int steps) {
            if (!show) {
                return;
            }
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName("experiment").setInitialMax((long) runs * steps)
                        .setUpdateIntervalMillis(500).setUnit(" steps", 1)
                        .setConsumer(new ConsoleProgressBarConsumer(SpectrumCommand.progressStream())).build();
            }
            label = String.format(Locale.ROOT, "%s (%d/%d)", name, index + 1, runs);
            bar.setExtraMessage(label);
        }

        /** A line on the progress stream, before the bar starts. */
        void announce(String text) {
            if (show && bar == null) {
                SpectrumCommand.progressStream().println(text);
            }
        }

        void step() {
            if (bar != null) {
                bar.step();
            }
        }

        void note(String text) {
            if (bar != null) {
                bar.setExtraMessage(label + " " + text);
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

package ai.spectrum.samples.bert;

import ai.spectrum.dl4j.PeakMemory;
import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.bench.ChildJvm;
import ai.spectrum.samples.bert.EraResult.Memory;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * One {@link EraMethod}'s memory in a JVM of its own, so that no other method's allocations count: the child (this
 * class's {@code main}, same class path, the parent's memory options) rebuilds the experiment's model, data and
 * optimizer settings, builds the method's network from the first seed's weights, makes its first selection and
 * trains {@code memorySteps} steps on the first seed's first batches, then prints one result line
 * ({@link EraResult.Memory}). The parent reads it back with {@link #inOwnJvm}.
 */
final class EraMemoryProbe {
    private static final Logger LOG = LoggerFactory.getLogger(EraMemoryProbe.class);
    static final String RESULT = "era-memory-result ";

    private EraMemoryProbe() {
    }

    /**
     * Measures a method of the experiment in a fresh JVM.
     *
     * @throws IllegalStateException naming the method, the child's exit code and its last standard-error lines if the
     *                               child fails or prints no result
     */
    static Memory inOwnJvm(EraExperiment experiment, EraMethod method) throws IOException {
        List<String> args = new ArrayList<>(List.of("--method", method.name(), "--memory-steps",
                Integer.toString(experiment.memorySteps())));
        args.addAll(experiment.arguments());
        List<String> options = new ArrayList<>(ChildJvm.memoryOptions());
        options.addAll(experiment.memoryJvmOptions());
        String what = "the memory run of " + method;
        LOG.info("{}: {} steps in its own JVM", what, experiment.memorySteps());
        String line = ChildJvm.builder().setMainClass(EraMemoryProbe.class).optArguments(args)
                .optJvmOptions(options).build().run(what, RESULT).get(0);
        String[] f = line.substring(RESULT.length()).trim().split(" ");
        try {
            return new Memory(Long.parseLong(f[0]), f[1], Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Integer.parseInt(f[5]));
        } catch (RuntimeException e) {
            throw new IllegalStateException(what + " printed an unreadable result line: " + line, e);
        }
    }

    /**
     * Trains one method for a few steps in this JVM and measures it (the child's work).
     */
    static Memory measure(EraExperiment experiment, EraMethod method, int steps) throws IOException {
        long seed = experiment.firstSeed();
        OnnxModel onnx = experiment.readOnnx();
        BertConfig config = experiment.config(onnx);
        EraData data = experiment.loadData().withSeed(seed);
        List<MultiDataSet> batches = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            batches.add(data.trainBatch(step));
        }
        TrainingLoop.settleMemory();
        long base = PeakMemory.rssBytes();
        PeakMemory sampler = new PeakMemory();
        ComputationGraph graph = experiment.newGraph(method, seed, onnx, config, data.classes());
        graph.addListeners(sampler);
        SpectrumListener selector = experiment.selector(method, seed);
        TrainingLoop.attach(graph, selector, EraExperiment::selectBeforeTraining);
        for (MultiDataSet batch : batches) {
            graph.fit(batch);
            sampler.sample();
        }
        long gradState = RunCost.of(graph, selector).gradStateBytes();
        OptionalLong hwm = kernelPeakRssBytes();
        return new Memory(hwm.orElse(sampler.peakRssBytes()), hwm.isPresent() ? "VmHWM" : "sampled", base,
                sampler.peakOffHeapBytes(), gradState, steps);
    }

    /** The kernel's peak resident set of this process ({@code VmHWM}), if {@code /proc/self/status} has it. */
    static OptionalLong kernelPeakRssBytes() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return OptionalLong.empty();
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring("VmHWM:".length()).trim().split("\\s+");
                    if (f.length == 2 && f[1].equals("kB")) {
                        return OptionalLong.of(Long.parseLong(f[0]) * 1024);
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warn("cannot read VmHWM from {}; using the sampled peak resident set", status, e);
        }
        return OptionalLong.empty();
    }

    /**
     * The child: {@code --method M --memory-steps N} followed by {@link EraExperiment#arguments()}; prints one
     * {@value #RESULT} line to standard output and exits 0, or exits 2 on bad arguments and 1 on any other failure
     * (the cause on standard error).
     */
    public static void main(String[] args) {
        PrintStream out = System.out;
        // ND4J M2.1's SameDiff prints a line per op to System.out whenever it builds a gradient function
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        EraExperiment experiment;
        EraMethod method;
        int steps;
        try {
            List<String> rest = new ArrayList<>(Arrays.asList(args));
            if (rest.size() < 4 || !rest.get(0).equals("--method") || !rest.get(2).equals("--memory-steps")) {
                throw new IllegalArgumentException("expected --method M --memory-steps N first, got " + rest);
            }
            method = EraMethod.valueOf(rest.get(1));
            steps = Integer.parseInt(rest.get(3));
            experiment = EraExperiment.fromArguments(rest.subList(4, rest.size())).build();
        } catch (IllegalArgumentException e) {
            LOG.error("era memory run: {}", e.getMessage(), e);
            System.exit(2);
            return;
        }
        try {
            Memory m = measure(experiment, method, steps);
            LOG.info("{}: peak resident set {} B ({}), peak off-heap {} B, grad+state {} B after {} steps", method,
                    m.peakRssBytes(), m.peakRssSource(), m.peakOffHeapBytes(), m.gradStateBytes(), m.steps());
            out.println(RESULT + m.peakRssBytes() + " " + m.peakRssSource() + " " + m.baseRssBytes() + " "
                    + m.peakOffHeapBytes() + " " + m.gradStateBytes() + " " + m.steps());
            out.flush();
        } catch (IOException | RuntimeException e) {
            LOG.error("era memory run of {} failed", method, e);
            System.exit(1);
        }
        System.exit(0);
    }
}

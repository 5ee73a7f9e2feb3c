package ai.spectrum.samples.bench;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.dl4j.PeakMemory;
import ai.spectrum.selection.SelectionContext;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.AlexNet;
import org.deeplearning4j.zoo.model.VGG16;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * {@code bench-train}: full fine-tuning versus Spectrum-25 and Spectrum-50 on one residual ComputationGraph, in one
 * run (same JVM, same data, same initial weights).
 *
 * <p>The network: a stem dense layer, {@code blocks} residual MLP blocks {@code x + down(relu(up(x)))} whose layers
 * are named {@code layers.<i>.mlp.up_proj} / {@code layers.<i>.mlp.down_proj} (two module types), and a softmax head;
 * Adam. Each configuration trains {@code epochs} epochs of {@code iterations} minibatches; the first epoch is warm-up
 * and is not timed. Spectrum uses its defaults (SNR, re-selection every epoch).
 *
 * <p>All child JVMs get {@code OMP_NUM_THREADS=--threads} (default 1): on a shared machine, native thread pools
 * larger than the idle cores make every op wait and swamp the comparison. Timing runs the three configurations in one
 * child JVM, one epoch of each in turn (so load changes hit all alike), and takes each one's median epoch; memory runs
 * each configuration in its own child JVM, so that its peak is its own. Printed ratios (Spectrum over full):
 * {@code step_time_ratio_s25} (ms per iteration, selection time excluded), {@code state_bytes_ratio_s25} (bytes of the
 * flattened gradient array plus the updater state array, as allocated), {@code optimizer_state_ratio_s25} (updater
 * state alone), {@code peak_offheap_ratio_s25} (peak growth of off-heap memory — resident set minus committed heap —
 * over the value before the network was built, sampled after every backward pass and iteration), and
 * {@code reselect_overhead} (Spectrum-25's time spent selecting ÷ its training time, at the default interval of one
 * epoch; it scales with 1 / epoch length). {@code --full-size-gradient} runs Spectrum with DL4J's full-size gradient
 * array instead of the compact one, to show what the compact gradient contributes.
 *
 * <p>{@code --model vgg16 --selection-only} times only the listener's first selection and an unchanged re-selection
 * on DL4J's zoo VGG16 at full size (no training), wall and process CPU time.
 */
@Command(name = "bench-train", mixinStandardHelpOptions = true,
        description = "Benchmark full fine-tuning vs Spectrum-25 and Spectrum-50 training on a residual graph.")
public final class TrainBenchmark implements Callable<Integer> {

    @Option(names = "--quick", description = "Small sizes: finishes in well under two minutes.")
    boolean quick;

    @Option(names = "--seed", description = "Seed for weights and data (default ${DEFAULT-VALUE}).")
    long seed = 12345;

    @Option(names = "--threads", description = "Native (OpenMP) threads per configuration's JVM, default "
            + "${DEFAULT-VALUE}: on a shared machine more threads than idle cores make every op wait.")
    int threads = 1;

    @Option(names = "--full-size-gradient", description = "Spectrum keeps DL4J's full-size gradient array "
            + "(optCompactGradient(false)), to measure what the compact gradient saves.")
    boolean fullSizeGradient;

    @Option(names = "--model", description = "residual (default): the residual dense graph; transformer: the BERT"
            + " port of bge-small-en-v1.5 (all-MiniLM-L6-v2 with --quick) with a classification head and frozen"
            + " embeddings, its encoder layers DL4J SameDiff layers; vgg16 or alexnet (with --selection-only only):"
            + " DL4J's zoo VGG16 or AlexNet, random initialization.")
    String model = "residual";

    @Option(names = "--child", hidden = true, description = "Internal: run one configuration and print its result.")
    String child;

    @Option(names = "--selection-only", description = "With --model transformer: only time the three selections"
            + " and their parts (warm-up, analysis with and without the embeddings, freeze) in this JVM, wall and"
            + " CPU time; no training, no child JVMs. A small probe for profiling the selection, e.g. under JFR."
            + " With --model vgg16: the listener's first selection and an unchanged re-selection on zoo VGG16"
            + " (224x224, 1000 classes: one 25088x4096, one 4096x4096 and one 4096x1000 dense matrix, 13"
            + " convolutions), wall and process CPU time, analyzer threads = available processors; --model alexnet:"
            + " the same on zoo AlexNet.")
    boolean selectionOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Sizes of one benchmark run. */
    record Sizes(int in, int hidden, int blocks, int batch, int iterations, int epochs, int classes) {
        int weightLayers() {
            return 2 * blocks + 2;
        }
    }

    /** What one configuration measured. */
    record Measurement(String name, double msPerIteration, long stateBytes, long optimizerBytes, long peakOffHeap,
                       long selectionNanos, long trainingNanos, int trainable, int modules) {
    }

    /** The transformer workload, loaded on first use; null for the residual graph. */
    private TransformerWorkload transformer;
    /** Extra values a child printed ({@code bench-train-extra key value}). */
    private final Map<String, Double> extras = new LinkedHashMap<>();

    private boolean isTransformer() {
        return switch (model) {
            case "residual" -> false;
            case "transformer" -> true;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "unknown --model '" + model
                    + "' (residual, transformer, vgg16, alexnet)");
        };
    }

    private TransformerWorkload transformer() {
        if (transformer == null) {
            transformer = new TransformerWorkload(quick, seed);
        }
        return transformer;
    }

    /** A fresh network of the benchmarked model for a configuration. */
    private ComputationGraph newNetwork(Sizes s, String config) {
        return isTransformer() ? transformer().network("full".equals(config)) : network(s, seed);
    }

    /** One epoch of training. */
    private void fitEpoch(ComputationGraph net, List<DataSet> data) {
        if (isTransformer()) {
            net.fit(transformer().iterator());
        } else {
            List<org.nd4j.linalg.dataset.api.MultiDataSet> batches = new ArrayList<>();
            for (DataSet d : data) {
                batches.add(new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels()));
            }
            net.fit(new MultiDataSetList(batches));
        }
    }

    private int iterationsPerEpoch(List<DataSet> data) {
        return isTransformer() ? transformer().sizes().iterations() : data.size();
    }

    private Sizes sizes() {
        if (isTransformer()) {
            TransformerWorkload.Sizes t = transformer().sizes();
            return new Sizes(0, 0, 0, t.batch(), t.iterations(), t.epochs(), 0);
        }
        return quick ? new Sizes(128, 128, 6, 32, 60, 4, 10) : new Sizes(256, 256, 8, 64, 200, 4, 10);
    }

    private static double percentOf(String config) {
        return switch (config) {
            case "full" -> 0;
            case "spectrum-25" -> 25;
            case "spectrum-50" -> 50;
            default -> throw new CommandLine.ParameterException(new CommandLine(new TrainBenchmark()),
                    "unknown configuration '" + config + "' (full, spectrum-25, spectrum-50)");
        };
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if ("vgg16".equals(model) || "alexnet".equals(model)) {
            if (!selectionOnly) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--model " + model
                        + " needs --selection-only (zoo networks are timed for their selection only)");
            }
            zooSelection(out);
            return 0;
        }
        Sizes sizes = sizes();
        List<DataSet> data = isTransformer() ? List.of() : data(sizes);
        if (selectionOnly) {
            if (!isTransformer()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--selection-only needs --model transformer, vgg16 or alexnet");
            }
            selectionBreakdown(out);
            return 0;
        }
        if ("timing".equals(child)) {
            if (isTransformer()) {
                probeSelection(out);
            }
            for (Measurement m : timeInterleaved(sizes, data)) {
                print(out, m);
            }
            out.flush();
            return 0;
        }
        if (child != null) {
            print(out, run(child, sizes, data, percentOf(child), 2));
            out.flush();
            return 0;
        }
        if (threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be ≥ 1, got " + threads);
        }
        String what = isTransformer() ? transformer().description() : String.format(Locale.ROOT,
                "%d weight layers (%d residual blocks, hidden %d, mlp %d), batch %d", sizes.weightLayers(),
                sizes.blocks(), sizes.hidden(), 4 * sizes.hidden(), sizes.batch());
        out.printf(Locale.ROOT, "# bench-train %s %s: %s,"
                        + " epochs of %d iterations, Adam, OMP_NUM_THREADS=%d. Timing: one JVM, configurations"
                        + " interleaved epoch by epoch, %d epochs each (first is warm-up), median epoch."
                        + " Memory: one JVM per configuration, 2 epochs. Spectrum gradient: %s.%n",
                model, quick ? "--quick" : "full", what, sizes.iterations(), threads, sizes.epochs(),
                fullSizeGradient ? "DL4J's full-size array" : "compact (default)");
        out.flush();
        Map<String, Measurement> timing = new LinkedHashMap<>();
        for (Measurement m : runChild("timing")) {
            timing.put(m.name(), m);
        }
        Map<String, Measurement> results = new LinkedHashMap<>();
        for (String config : List.of("full", "spectrum-25", "spectrum-50")) {
            Measurement mem = runChild(config).get(0);
            Measurement t = timing.get(config);
            results.put(config, new Measurement(config, t.msPerIteration(), mem.stateBytes(), mem.optimizerBytes(),
                    mem.peakOffHeap(), t.selectionNanos(), t.trainingNanos(), t.trainable(), t.modules()));
        }
        Measurement full = results.get("full");
        Measurement s25 = results.get("spectrum-25");
        Measurement s50 = results.get("spectrum-50");
        for (Measurement m : results.values()) {
            out.printf(Locale.ROOT, "# %-12s %8.2f ms/iter  trainable %2d/%2d modules  grad+state %,12d B  "
                            + "peak off-heap +%,13d B  selection %8.1f ms of %9.1f ms%n",
                    m.name(), m.msPerIteration(), m.trainable(), m.modules(), m.stateBytes(), m.peakOffHeap(),
                    m.selectionNanos() / 1e6, m.trainingNanos() / 1e6);
        }
        out.printf(Locale.ROOT, "step_time_ratio_s25=%.3f%n", s25.msPerIteration() / full.msPerIteration());
        out.printf(Locale.ROOT, "step_time_ratio_s50=%.3f%n", s50.msPerIteration() / full.msPerIteration());
        out.printf(Locale.ROOT, "state_bytes_ratio_s25=%.3f%n", (double) s25.stateBytes() / full.stateBytes());
        out.printf(Locale.ROOT, "state_bytes_ratio_s50=%.3f%n", (double) s50.stateBytes() / full.stateBytes());
        out.printf(Locale.ROOT, "optimizer_state_ratio_s25=%.3f%n", (double) s25.optimizerBytes() / full.optimizerBytes());
        out.printf(Locale.ROOT, "peak_offheap_ratio_s25=%.3f%n", (double) s25.peakOffHeap() / full.peakOffHeap());
        out.printf(Locale.ROOT, "peak_offheap_ratio_s50=%.3f%n", (double) s50.peakOffHeap() / full.peakOffHeap());
        out.printf(Locale.ROOT, "reselect_overhead=%.4f%n", (double) s25.selectionNanos() / s25.trainingNanos());
        extras.forEach((k, v) -> out.printf(Locale.ROOT, "%s=%.3f%n", k, v));
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, Measurement m) {
        out.println(RESULT + m.name() + " " + m.msPerIteration() + " " + m.stateBytes() + " " + m.optimizerBytes()
                + " " + m.peakOffHeap() + " " + m.selectionNanos() + " " + m.trainingNanos() + " " + m.trainable()
                + " " + m.modules());
    }

    /** Times the three configurations in one JVM, one epoch of each in turn, so that load changes hit all alike. */
    private List<Measurement> timeInterleaved(Sizes s, List<DataSet> data) {
        List<String> names = List.of("full", "spectrum-25", "spectrum-50");
        List<ComputationGraph> nets = new ArrayList<>();
        List<SpectrumListener> listeners = new ArrayList<>();
        for (String n : names) {
            ComputationGraph net = newNetwork(s, n);
            double percent = percentOf(n);
            SpectrumListener l = percent > 0 ? listener(percent) : null;
            if (l != null) {
                net.addListeners(l);
            }
            nets.add(net);
            listeners.add(l);
        }
        List<List<Long>> epochNanos = new ArrayList<>();
        long[] selection = new long[names.size()];
        long[] training = new long[names.size()];
        names.forEach(n -> epochNanos.add(new ArrayList<>()));
        for (int e = 0; e < s.epochs(); e++) {
            for (int i = 0; i < names.size(); i++) {
                SpectrumListener l = listeners.get(i);
                long sel0 = l == null ? 0 : l.selectionNanos();
                long t0 = System.nanoTime();
                fitEpoch(nets.get(i), data);
                long wall = System.nanoTime() - t0;
                long sel = l == null ? 0 : l.selectionNanos() - sel0;
                if (e > 0) {
                    epochNanos.get(i).add(wall - sel);
                    selection[i] += sel;
                    training[i] += wall - sel;
                }
            }
        }
        List<Measurement> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            List<Long> t = new ArrayList<>(epochNanos.get(i));
            java.util.Collections.sort(t);
            double median = t.size() % 2 == 1 ? t.get(t.size() / 2) : (t.get(t.size() / 2 - 1) + t.get(t.size() / 2)) / 2.0;
            int modules = Dl4jNetwork.of(nets.get(i)).weights().entries().size();
            int trainable = listeners.get(i) == null ? modules : listeners.get(i).selected().size();
            out.add(new Measurement(names.get(i), median / 1e6 / iterationsPerEpoch(data), 0, 0, 0, selection[i],
                    training[i], trainable, modules));
            if (isTransformer() && listeners.get(i) != null) {
                String suffix = "_s" + (int) percentOf(names.get(i));
                System.out.println(EXTRA + "flop_floor_ratio" + suffix + " "
                        + transformer().floorRatio(nets.get(i), listeners.get(i).selected()));
            }
        }
        return out;
    }

    private static final String RESULT = "bench-train-result ";
    private static final String EXTRA = "bench-train-extra ";

    /**
     * Times Spectrum-25's selections on a fresh transformer: the first one, one that changes nothing, and one that
     * swaps layers (back from a random 25% selection to SNR's), printed as extra values.
     */
    private void probeSelection(PrintWriter out) {
        ComputationGraph net = newNetwork(sizes(), "spectrum-25");
        SpectrumListener s25 = listener(25);
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        long cpuBefore = bean.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        s25.selectNow(net);
        long first = System.nanoTime() - t0;
        long cpuFirst = bean.getCurrentThreadCpuTime() - cpuBefore;
        t0 = System.nanoTime();
        s25.selectNow(net);
        long same = System.nanoTime() - t0;
        selectAtRandom(net);
        t0 = System.nanoTime();
        s25.selectNow(net);
        long swap = System.nanoTime() - t0;
        out.println(EXTRA + "selection_first_ms " + first / 1e6);
        out.println(EXTRA + "selection_first_cpu_ms " + cpuFirst / 1e6);
        out.println(EXTRA + "selection_unchanged_ms " + same / 1e6);
        out.println(EXTRA + "selection_swap_ms " + swap / 1e6);
        out.flush();
    }

    /**
     * The parts of a selection, wall and this thread's CPU time (the analysis runs on it with the default one analyzer
     * thread), in a fresh JVM: the one-off warm-up (a first tiny analysis: LAPACK and BLAS loading, class loading),
     * the weights view, the strategy's analysis (embeddings skipped) twice (cold, warm), the analysis of every module
     * including the embeddings, then the three selections of {@link #probeSelection}, whose remainder over the
     * analysis is the freeze.
     */
    private void selectionBreakdown(PrintWriter out) {
        ComputationGraph net = newNetwork(sizes(), "spectrum-25");
        SpectrumListener s25 = listener(25);
        Nd4j.getRandom().setSeed(seed);
        INDArray tiny = Nd4j.rand(DataType.FLOAT, 8, 6);
        Clock c = Clock.thread();
        SpectrumAnalyzer.builder().build().score("warm-up", "warm-up", tiny);
        c.lap(out, "breakdown_warmup");
        NetworkWeights w = Dl4jNetwork.of(net).weights();
        c.lap(out, "breakdown_weights_view");
        SelectionContext context = SelectionContext.of(w, 0, 0, seed);
        s25.strategy().choose(context);
        c.lap(out, "breakdown_analysis_without_embeddings");
        s25.strategy().choose(context);
        c.lap(out, "breakdown_analysis_without_embeddings_again");
        SelectionStrategy.snr().choose(context);
        c.lap(out, "breakdown_analysis_all_modules");
        s25.selectNow(net);
        c.lap(out, "breakdown_selection_first");
        s25.selectNow(net);
        c.lap(out, "breakdown_selection_unchanged");
        selectAtRandom(net);
        c.lap(out, "breakdown_random_swap");
        s25.selectNow(net);
        c.lap(out, "breakdown_selection_swap");
        out.flush();
    }

    /**
     * The listener's selection time on DL4J's zoo VGG16 at its real size (issue 14's target: at most 10 s on 2 cores
     * for the first selection): a one-off warm-up (LAPACK, BLAS and class loading on a tiny matrix), the first
     * selection with the listener's defaults (SNR, top 25 %, analyzer threads = available processors) and a
     * re-selection of unchanged weights (frozen modules' scores reused), each wall and process CPU time.
     */
    private void zooSelection(PrintWriter out) {
        Model net = "vgg16".equals(model) ? VGG16.builder().numClasses(1000).seed(seed).build().init()
                : AlexNet.builder().numClasses(1000).seed(seed).build().init();
        NetworkWeights w = Dl4jNetwork.of(net).weights();
        WeightInfo largest = w.weights().stream().max(java.util.Comparator.comparingLong(
                i -> java.util.Arrays.stream(i.shape()).reduce(1, (a, b) -> a * b))).orElseThrow();
        int threads = Runtime.getRuntime().availableProcessors();
        out.printf(Locale.ROOT, "# bench-train --model %s --selection-only: zoo %s (random init, seed %d),"
                        + " %d weight matrices, largest %s %s; SpectrumListener defaults (SNR, top 25 %%,"
                        + " %d analyzer threads = available processors). Wall and process CPU time.%n",
                model, "vgg16".equals(model) ? "VGG16" : "AlexNet", seed, w.entries().size(), largest.name(),
                java.util.Arrays.toString(largest.shape()), threads);
        out.flush();
        Clock c = Clock.process();
        Nd4j.getRandom().setSeed(seed);
        SpectrumAnalyzer.builder().build().score("warm-up", "warm-up", Nd4j.rand(DataType.FLOAT, 8, 6));
        c.lap(out, model + "_warmup");
        SpectrumListener listener = SpectrumListener.builder().build();
        listener.selectNow(net);
        c.lap(out, model + "_selection_first");
        listener.selectNow(net);
        c.lap(out, model + "_selection_unchanged");
        out.printf(Locale.ROOT, "# trained %d of %d modules%n", listener.selected().size(), w.entries().size());
        out.flush();
    }

    /** Moves the network to a random selection of the same share, so that the next SNR selection swaps layers. */
    private static void selectAtRandom(ComputationGraph net) {
        SpectrumListener.builder().optStrategy(SelectionStrategy.random()).optTopPercent(25)
                .optAlwaysTrain("^" + TransformerWorkload.HEAD + "$").build().selectNow(net);
    }

    /** Wall and CPU time between laps, each lap a line {@code <name>_ms <wall> (<cpu label> <cpu>)}. */
    private static final class Clock {
        /** Wall and CPU nanoseconds at the start of the current lap. */
        private long wall;
        private long cpu;
        private final LongSupplier cpuNanos;
        private final String cpuLabel;

        private Clock(LongSupplier cpuNanos, String cpuLabel) {
            this.cpuNanos = cpuNanos;
            this.cpuLabel = cpuLabel;
            restart();
        }

        /** The current thread's CPU time. */
        static Clock thread() {
            ThreadMXBean bean = ManagementFactory.getThreadMXBean();
            return new Clock(bean::getCurrentThreadCpuTime, "cpu");
        }

        /** The whole process's CPU time (the analyzer runs on several threads). */
        static Clock process() {
            com.sun.management.OperatingSystemMXBean bean =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            return new Clock(bean::getProcessCpuTime, "process cpu");
        }

        void lap(PrintWriter out, String name) {
            long w = System.nanoTime();
            long c = cpuNanos.getAsLong();
            out.printf(Locale.ROOT, "%s%s_ms %.1f (%s %.1f)%n", EXTRA, name, (w - wall) / 1e6, cpuLabel,
                    (c - cpu) / 1e6);
            out.flush();
            restart();
        }

        private void restart() {
            wall = System.nanoTime();
            cpu = cpuNanos.getAsLong();
        }
    }

    /** Runs a child mode ({@code timing} or one configuration's memory run) in a fresh JVM. */
    private List<Measurement> runChild(String mode) throws IOException {
        List<String> args = new ArrayList<>(List.of("--child", mode, "--seed", Long.toString(seed)));
        if (quick) {
            args.add("--quick");
        }
        args.add("--model");
        args.add(model);
        if (fullSizeGradient) {
            args.add("--full-size-gradient");
        }
        List<String> lines = ChildJvm.builder().setMainClass(TrainBenchmark.class).optArguments(args)
                .optJvmOptions(List.of("-Xmx2g")).optEnvironment("OMP_NUM_THREADS", Integer.toString(threads))
                .optInheritErrors(true).build().run("benchmark run '" + mode + "'", RESULT, EXTRA);
        List<Measurement> results = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith(EXTRA)) {
                String[] f = line.substring(EXTRA.length()).trim().split(" ");
                extras.put(f[0], Double.parseDouble(f[1]));
            } else {
                String[] f = line.substring(RESULT.length()).trim().split(" ");
                results.add(new Measurement(f[0], Double.parseDouble(f[1]), Long.parseLong(f[2]),
                        Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
                        Integer.parseInt(f[7]), Integer.parseInt(f[8])));
            }
        }
        if (results.isEmpty()) {
            throw new IllegalStateException("benchmark run '" + mode + "' printed no result line; see its output"
                    + " above");
        }
        return results;
    }

    static ComputationGraph network(Sizes s, long seed) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-3)).graphBuilder().addInputs("in")
                .addLayer("stem", new DenseLayer.Builder().nIn(s.in()).nOut(s.hidden()).activation(Activation.RELU)
                        .build(), "in");
        String prev = "stem";
        for (int i = 0; i < s.blocks(); i++) {
            String p = "layers." + i + ".mlp.";
            b.addLayer(p + "up_proj", new DenseLayer.Builder().nIn(s.hidden()).nOut(4 * s.hidden())
                    .activation(Activation.RELU).build(), prev);
            b.addLayer(p + "down_proj", new DenseLayer.Builder().nIn(4 * s.hidden()).nOut(s.hidden())
                    .activation(Activation.IDENTITY).build(), p + "up_proj");
            b.addVertex("layers." + i + ".residual", new ElementWiseVertex(ElementWiseVertex.Op.Add), prev,
                    p + "down_proj");
            prev = "layers." + i + ".residual";
        }
        b.addLayer("lm_head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(s.hidden())
                .nOut(s.classes()).activation(Activation.SOFTMAX).build(), prev);
        ComputationGraph g = new ComputationGraph(b.setOutputs("lm_head").setInputTypes(InputType.feedForward(s.in()))
                .build());
        g.init();
        return g;
    }

    private List<DataSet> data(Sizes s) {
        Nd4j.getRandom().setSeed(seed + 1);
        INDArray teacher = Nd4j.randn(s.in(), s.classes());
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < s.iterations(); i++) {
            INDArray x = Nd4j.randn(s.batch(), s.in());
            INDArray cls = Nd4j.argMax(x.mmul(teacher), 1);
            INDArray y = Nd4j.zeros(s.batch(), s.classes());
            for (int r = 0; r < s.batch(); r++) {
                y.putScalar(r, cls.getInt(r), 1.0);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    private Measurement run(String name, Sizes s, List<DataSet> data, double percent, int epochs) {
        SettledMemory.collectGarbage();
        long base = PeakMemory.offHeapBytes();
        ComputationGraph net = newNetwork(s, name);
        SpectrumListener spectrum = percent > 0 ? listener(percent) : null;
        PeakMemory sampler = new PeakMemory();
        if (spectrum != null) {
            net.addListeners(spectrum, sampler);
        } else {
            net.addListeners(sampler);
        }
        long trainingNanos = 0;
        long selectionNanos = 0;
        long timedIterations = 0;
        for (int e = 0; e < epochs; e++) {
            long sel0 = spectrum == null ? 0 : spectrum.selectionNanos();
            long t0 = System.nanoTime();
            fitEpoch(net, data);
            long wall = System.nanoTime() - t0;
            long sel = spectrum == null ? 0 : spectrum.selectionNanos() - sel0;
            if (e > 0) {
                trainingNanos += wall - sel;
                selectionNanos += sel;
                timedIterations += iterationsPerEpoch(data);
            }
        }
        Dl4jNetwork network = Dl4jNetwork.of(net);
        long optimizerBytes = network.updaterStateBytes();
        long stateBytes = bytes(net.getFlattenedGradients()) + optimizerBytes;
        int modules = network.weights().entries().size();
        int trainable = spectrum == null ? modules : spectrum.selected().size();
        return new Measurement(name, trainingNanos / 1e6 / timedIterations, stateBytes, optimizerBytes,
                sampler.peakOffHeapBytes() - base,
                selectionNanos, trainingNanos, trainable, modules);
    }

    private SpectrumListener listener(double percent) {
        if (isTransformer()) {
            return transformer().listener(percent, !fullSizeGradient);
        }
        return SpectrumListener.builder().optTopPercent(percent).optCompactGradient(!fullSizeGradient).build();
    }

    private static long bytes(INDArray a) {
        return a == null ? 0 : a.length() * a.dataType().width();
    }

    /** Runs the benchmark on its own (until the {@code spectrum} command dispatches {@code bench-train}). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainBenchmark()).execute(args));
    }
}

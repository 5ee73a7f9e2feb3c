package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.FrozenVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link NetworkSlots} of a {@link ComputationGraph}. */
final class GraphSlots extends NetworkSlots {
    private final ComputationGraph graph;

    GraphSlots(Dl4jNetwork network) {
        super(network);
        this.graph = (ComputationGraph) network.model();
    }

    @Override
    void replace(String name, Layer runtime, NeuralNetConfiguration conf) {
        LayerVertex v = (LayerVertex) graph.getVertex(name);
        Layer old = v.getLayer();
        v.setLayer(runtime);
        Layer[] layers = graph.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == old) {
                layers[i] = runtime;
            }
        }
        ((org.deeplearning4j.nn.conf.graph.LayerVertex) graph.getConfiguration().getVertices().get(name))
                .setLayerConf(conf);
    }

    /**
     * A graph vertex with parameters that is not a layer (a {@code SameDiffVertex}) cannot be selected or frozen:
     * Spectrum ranks and freezes layers, so it would train whatever was selected. One the user froze
     * ({@code FrozenVertex}) never trains and is fine.
     */
    @Override
    void requireSupported() {
        for (GraphVertex v : graph.getVertices()) {
            if (!v.hasLayer() && !v.isInputVertex() && v.numParams() > 0 && !(v instanceof FrozenVertex)) {
                org.deeplearning4j.nn.conf.graph.GraphVertex conf = graph.getConfiguration().getVertices()
                        .get(v.getVertexName());
                throw new UnsupportedOperationException("vertex '" + v.getVertexName() + "' ("
                        + conf.getClass().getSimpleName() + ", " + v.getClass().getSimpleName() + ") has "
                        + v.numParams() + " parameters, but Spectrum selects and freezes layers only: it would train"
                        + " this vertex whatever it selects. Make it a layer (e.g. a SameDiffLayer), or freeze it"
                        + " yourself (TransferLearning's FrozenVertex)");
            }
        }
    }

    /**
     * Every layer closed under ancestors: with the non-layer vertices between them frozen structurally too
     * ({@link #syncFrozenVertices}), backprop never needs to pass through any of them.
     */
    @Override
    Set<String> structurallyFreezable(Set<String> fullyFrozen) {
        GraphVertex[] vertices = graph.getVertices();
        boolean[] closed = closed(fullyFrozen);
        Set<String> result = new HashSet<>();
        for (int idx : graph.topologicalSortOrder()) {
            if (vertices[idx].hasLayer() && closed[idx]) {
                result.add(vertices[idx].getVertexName());
            }
        }
        return result;
    }

    /**
     * Per vertex index, whether it is closed under ancestors: an input; a layer in {@code frozenLayers} whose inputs
     * are closed; a non-layer vertex without parameters whose inputs are closed. A non-layer vertex with parameters
     * (e.g. a {@code SameDiffVertex}) trains, so it and everything above it stays on the backprop path.
     */
    private boolean[] closed(Set<String> frozenLayers) {
        GraphVertex[] vertices = graph.getVertices();
        boolean[] closed = new boolean[vertices.length];
        for (int idx : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            boolean c;
            if (v.isInputVertex()) {
                c = true;
            } else {
                c = v.hasLayer() ? frozenLayers.contains(v.getVertexName()) : v.numParams() == 0;
                VertexIndices[] in = v.getInputVertices();
                for (int k = 0; c && in != null && k < in.length; k++) {
                    c = closed[in[k].getVertexIndex()];
                }
            }
            closed[idx] = c;
        }
        return closed;
    }

    /**
     * Wraps every parameter-free non-layer vertex whose inputs are all structural layers, inputs or such vertices in
     * DL4J's {@code FrozenVertex} (DL4J's backprop skips it, as after {@code TransferLearning.setFeatureExtractor}),
     * and unwraps the others; the runtime vertex array, the name → vertex map and the configuration change together,
     * so save/restore and {@code clone()} keep the frozen vertices.
     *
     * @return number of vertices swapped
     */
    @Override
    int syncFrozenVertices(Set<String> structuralLayers) {
        GraphVertex[] vertices = graph.getVertices();
        boolean[] closed = closed(structuralLayers);
        @SuppressWarnings("unchecked")
        Map<String, GraphVertex> byName = (Map<String, GraphVertex>) Dl4jFields.GRAPH_VERTICES_MAP.get(graph);
        Map<String, org.deeplearning4j.nn.conf.graph.GraphVertex> confs = graph.getConfiguration().getVertices();
        int swapped = 0;
        for (int idx : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex() || v.hasLayer() || v.numParams() != 0) {
                continue;
            }
            String name = v.getVertexName();
            org.deeplearning4j.nn.conf.graph.GraphVertex conf = confs.get(name);
            boolean frozen = v instanceof FrozenVertex;
            boolean confFrozen = conf instanceof org.deeplearning4j.nn.conf.graph.FrozenVertex;
            if (frozen == closed[idx] && confFrozen == closed[idx] && byName.get(name) == v) {
                continue;
            }
            GraphVertex inner = v;
            while (inner instanceof FrozenVertex) {
                inner = (GraphVertex) Dl4jFields.WRAPPER_VERTEX_UNDERLYING.get(inner);
            }
            org.deeplearning4j.nn.conf.graph.GraphVertex innerConf = conf;
            while (innerConf instanceof org.deeplearning4j.nn.conf.graph.FrozenVertex f) {
                innerConf = f.getUnderlying();
            }
            GraphVertex runtime = closed[idx] ? new FrozenVertex(inner) : inner;
            vertices[idx] = runtime;
            byName.put(name, runtime);
            confs.put(name, closed[idx] ? new org.deeplearning4j.nn.conf.graph.FrozenVertex(innerConf) : innerConf);
            swapped++;
        }
        return swapped;
    }

    @Override
    void initGradientsView() {
        graph.initGradientsView();
    }

    @Override
    BaseMultiLayerUpdater<?> currentUpdater() {
        return graph.getUpdater(false);
    }

    @Override
    BaseMultiLayerUpdater<?> newUpdater() {
        return new ComputationGraphUpdater(graph);
    }

    @Override
    void setUpdater(BaseMultiLayerUpdater<?> updater) {
        graph.setUpdater((ComputationGraphUpdater) updater);
    }

    @Override
    Trainable[] orderedTrainables() {
        List<Trainable> out = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int idx : graph.topologicalSortOrder()) {
            if (vertices[idx].numParams() > 0) {
                out.add(vertices[idx]);
            }
        }
        return out.toArray(new Trainable[0]);
    }

    @Override
    INDArray gradientArray() {
        return graph.getFlattenedGradients();
    }

    @Override
    void useGradientArray(INDArray gradient) {
        Dl4jFields.GRAPH_FLATTENED_GRADIENTS.set(graph, gradient);
    }

    @Override
    BaseMultiLayerUpdater<?> newCompactUpdater(GradientLayout layout) {
        return new CompactUpdaters.Graph(graph, orderedTrainables(), layout);
    }

    @Override
    ConvexOptimizer optimizerIfCreated() {
        return Dl4jFields.GRAPH_SOLVER.get(graph) == null ? null : graph.getOptimizer();
    }
}

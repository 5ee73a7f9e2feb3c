package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
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

    @Override
    Set<String> structurallyFreezable(Set<String> fullyFrozen) {
        GraphVertex[] vertices = graph.getVertices();
        int[] order = graph.topologicalSortOrder();
        Set<String> demoted = new HashSet<>();
        while (true) {
            Map<Integer, Boolean> closed = new HashMap<>();
            for (int idx : order) {
                GraphVertex v = vertices[idx];
                boolean c;
                if (v.isInputVertex()) {
                    c = true;
                } else {
                    c = !v.hasLayer() || (fullyFrozen.contains(v.getVertexName()) && !demoted.contains(v.getVertexName()));
                    VertexIndices[] in = v.getInputVertices();
                    for (int k = 0; c && in != null && k < in.length; k++) {
                        c = closed.get(in[k].getVertexIndex());
                    }
                }
                closed.put(idx, c);
            }
            // A non-layer vertex none of whose consumers runs backprop would never receive a gradient, and DL4J
            // would fail with "all epsilons not set": keep its layer consumers on the backprop path instead.
            Map<Integer, Boolean> receives = new HashMap<>();
            boolean changed = false;
            for (int i = order.length - 1; i >= 0; i--) {
                int idx = order[i];
                GraphVertex v = vertices[idx];
                if (v.isInputVertex() || v.hasLayer()) {
                    receives.put(idx, !(v.hasLayer() && closed.get(idx)));
                    continue;
                }
                VertexIndices[] out = v.getOutputVertices();
                boolean any = out == null || out.length == 0;
                for (int k = 0; !any && k < out.length; k++) {
                    any = receives.get(out[k].getVertexIndex());
                }
                receives.put(idx, any);
                if (!any) {
                    for (VertexIndices o : out) {
                        GraphVertex ov = vertices[o.getVertexIndex()];
                        if (ov.hasLayer() && demoted.add(ov.getVertexName())) {
                            changed = true;
                        }
                    }
                }
            }
            if (!changed) {
                Set<String> result = new HashSet<>();
                for (int idx : order) {
                    GraphVertex v = vertices[idx];
                    if (v.hasLayer() && closed.get(idx)) {
                        result.add(v.getVertexName());
                    }
                }
                return result;
            }
        }
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

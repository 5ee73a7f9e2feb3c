package ai.spectrum.training.freeze;

import ai.spectrum.analysis.NetworkWeights;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link ModelAdapter} for a {@link ComputationGraph}. */
final class GraphAdapter implements ModelAdapter {
    private static final DeclaredField FLATTENED_GRADIENTS =
            new DeclaredField(ComputationGraph.class, "flattenedGradients");
    private static final DeclaredField SOLVER = new DeclaredField(ComputationGraph.class, "solver");

    private final ComputationGraph graph;
    private BaseMultiLayerUpdater<?> installed;

    GraphAdapter(ComputationGraph graph) {
        this.graph = graph;
    }

    @Override
    public Model model() {
        return graph;
    }

    @Override
    public NetworkWeights weights() {
        return NetworkWeights.of(graph);
    }

    @Override
    public List<String> layerNames() {
        List<String> out = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int idx : graph.topologicalSortOrder()) {
            if (vertices[idx].hasLayer()) {
                out.add(vertices[idx].getVertexName());
            }
        }
        return out;
    }

    @Override
    public Layer layer(String name) {
        return graph.getVertex(name).getLayer();
    }

    @Override
    public NeuralNetConfiguration layerConf(String name) {
        return confVertex(name).getLayerConf();
    }

    private org.deeplearning4j.nn.conf.graph.LayerVertex confVertex(String name) {
        return (org.deeplearning4j.nn.conf.graph.LayerVertex) graph.getConfiguration().getVertices().get(name);
    }

    @Override
    public void replace(String name, Layer runtime, NeuralNetConfiguration conf) {
        LayerVertex v = (LayerVertex) graph.getVertex(name);
        Layer old = v.getLayer();
        v.setLayer(runtime);
        Layer[] layers = graph.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == old) {
                layers[i] = runtime;
            }
        }
        confVertex(name).setLayerConf(conf);
    }

    @Override
    public Set<String> structurallyFreezable(Set<String> fullyFrozen) {
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
    public void initGradientsView() {
        graph.initGradientsView();
    }

    @Override
    public BaseMultiLayerUpdater<?> currentUpdater() {
        return graph.getUpdater(false);
    }

    @Override
    public BaseMultiLayerUpdater<?> newUpdater() {
        return new ComputationGraphUpdater(graph);
    }

    @Override
    public void install(BaseMultiLayerUpdater<?> updater) {
        graph.setUpdater((ComputationGraphUpdater) updater);
        installed = updater;
    }

    @Override
    public BaseMultiLayerUpdater<?> lastInstalled() {
        return installed;
    }

    @Override
    public Trainable[] orderedTrainables() {
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
    public INDArray gradientArray() {
        return graph.getFlattenedGradients();
    }

    @Override
    public void useGradientArray(INDArray gradient) {
        FLATTENED_GRADIENTS.set(graph, gradient);
    }

    @Override
    public BaseMultiLayerUpdater<?> newCompactUpdater(GradientLayout layout) {
        return new CompactUpdaters.Graph(graph, orderedTrainables(), layout);
    }

    @Override
    public ConvexOptimizer optimizerIfCreated() {
        return SOLVER.get(graph) == null ? null : graph.getOptimizer();
    }

    @Override
    public String gradientKey(String layerName, String paramKey) {
        return layerName + "_" + paramKey;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, INDArray> activationsByLayer(Object forwardPassActivations) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (forwardPassActivations instanceof Map<?, ?> m) {
            GraphVertex[] vertices = graph.getVertices();
            for (String name : layerNames()) {
                INDArray a = (INDArray) m.get(name);
                VertexIndices[] in = graph.getVertex(name).getInputVertices();
                if (a == null && in != null && in.length > 0) {
                    // output layers are not in DL4J's forward-pass map: use their input instead
                    a = (INDArray) m.get(vertices[in[0].getVertexIndex()].getVertexName());
                }
                if (a != null) {
                    out.put(name, a);
                }
            }
        }
        return out;
    }

    @Override
    public int iterationCount() {
        return graph.getIterationCount();
    }

    @Override
    public int epochCount() {
        return graph.getEpochCount();
    }
}

package ai.spectrum.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link Dl4jNetwork} of a {@link ComputationGraph}: slots are layer vertices in topological order. */
final class GraphNetwork extends Dl4jNetwork {
    private final ComputationGraph graph;

    GraphNetwork(ComputationGraph graph) {
        this.graph = graph;
    }

    @Override
    public Model model() {
        return graph;
    }

    @Override
    NeuralNetwork neuralNetwork() {
        return graph;
    }

    @Override
    Layer[] runtimeLayers() {
        return graph.getLayers();
    }

    @Override
    String modelId() {
        return "ComputationGraph";
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

    private GraphVertex vertex(String name) {
        GraphVertex v = graph.getVertex(name);
        if (v == null || !v.hasLayer()) {
            throw new IllegalArgumentException("no layer vertex named '" + name + "'");
        }
        return v;
    }

    @Override
    public List<String> feedingLayers(String name) {
        GraphVertex[] vertices = graph.getVertices();
        Set<String> out = new LinkedHashSet<>();
        Set<Integer> seen = new HashSet<>();
        Deque<VertexIndices> todo = new ArrayDeque<>(inputsOf(vertex(name)));
        while (!todo.isEmpty()) {
            GraphVertex v = vertices[todo.removeFirst().getVertexIndex()];
            if (!seen.add(v.getVertexIndex())) {
                continue;
            }
            if (v.hasLayer()) {
                out.add(v.getVertexName());
            } else if (!v.isInputVertex()) {
                todo.addAll(inputsOf(v));
            }
        }
        return List.copyOf(out);
    }

    private static List<VertexIndices> inputsOf(GraphVertex v) {
        VertexIndices[] in = v.getInputVertices();
        return in == null ? List.of() : List.of(in);
    }

    @Override
    public Layer layer(String name) {
        return vertex(name).getLayer();
    }

    @Override
    public NeuralNetConfiguration layerConf(String name) {
        vertex(name);
        return ((org.deeplearning4j.nn.conf.graph.LayerVertex) graph.getConfiguration().getVertices().get(name))
                .getLayerConf();
    }

    @Override
    public String gradientKey(String layerName, String paramKey) {
        return layerName + "_" + paramKey;
    }

    @Override
    public Map<String, INDArray> activationsByLayer(List<INDArray> forwardPassActivations) {
        return Map.of();
    }

    @Override
    public Map<String, INDArray> activationsByLayer(Map<String, INDArray> forwardPassActivations) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        GraphVertex[] vertices = graph.getVertices();
        for (String name : layerNames()) {
            INDArray a = forwardPassActivations.get(name);
            VertexIndices[] in = graph.getVertex(name).getInputVertices();
            if (a == null && in != null && in.length > 0) {
                // output layers are not in DL4J's forward-pass map: use their input instead
                a = forwardPassActivations.get(vertices[in[0].getVertexIndex()].getVertexName());
            }
            if (a != null) {
                out.put(name, a);
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

    @Override
    public double score(DataSet batch) {
        return graph.score(batch, false);
    }
}

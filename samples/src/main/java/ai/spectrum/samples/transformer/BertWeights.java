package ai.spectrum.samples.transformer;

import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.io.onnx.OnnxModel;
import ai.spectrum.io.onnx.OnnxWeightSource;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Copies the weights of a BERT ONNX export into a {@link BertGraph}. ONNX module names (see
 * {@link OnnxWeightSource}) map to vertices: a {@code MatMul} operand named {@code encoder.layer.0.attention.self.query}
 * becomes that vertex's {@code W}; {@code X.weight} / {@code X.bias} become vertex {@code X}'s weight and bias
 * ({@code W}/{@code b}, or {@code gamma}/{@code beta} for a LayerNorm). Every parameter of the graph must be filled
 * exactly once, and every float initializer must be used.
 */
public final class BertWeights {
    private BertWeights() {
    }

    /**
     * Fills the graph's parameters from the model.
     *
     * @throws IllegalArgumentException naming the first initializer without a target, a shape mismatch, or the
     *                                  graph parameters left unfilled
     */
    public static void copy(OnnxModel model, ComputationGraph graph) {
        copy(model, graph, vertex -> false);
    }

    /**
     * Fills the graph's parameters from the model, leaving the vertices {@code keepInitialised} accepts (e.g. a new
     * head) as initialised.
     */
    public static void copy(OnnxModel model, ComputationGraph graph, Predicate<String> keepInitialised) {
        OnnxWeightSource source = OnnxWeightSource.of("bert", model);
        Set<String> filled = new LinkedHashSet<>();
        for (WeightInfo w : source.weights()) {
            Target t = target(graph, w.name());
            INDArray dst = t.layer.getParam(t.param);
            INDArray src = source.load(w);
            if (dst.length() != src.length() || (dst.rank() == src.rank() && !Arrays.equals(dst.shape(), src.shape()))) {
                throw new IllegalArgumentException("ONNX '" + w.name() + "' " + Arrays.toString(src.shape())
                        + " does not fit " + t.vertex + "/" + t.param + " " + Arrays.toString(dst.shape()));
            }
            dst.assign(src.reshape(dst.shape()));
            if (!filled.add(t.vertex + "/" + t.param)) {
                throw new IllegalArgumentException("two ONNX initializers map to " + t.vertex + "/" + t.param);
            }
        }
        Set<String> missing = new TreeSet<>();
        for (GraphVertex v : graph.getVertices()) {
            if (v.hasLayer() && !keepInitialised.test(v.getVertexName())) {
                for (String p : v.getLayer().paramTable().keySet()) {
                    if (!filled.contains(v.getVertexName() + "/" + p)) {
                        missing.add(v.getVertexName() + "/" + p);
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the ONNX model has no weights for " + missing);
        }
    }

    private record Target(String vertex, Layer layer, String param) {
    }

    private static Target target(ComputationGraph graph, String module) {
        GraphVertex direct = graph.getVertex(module);
        if (direct != null && direct.hasLayer()) {
            return new Target(module, direct.getLayer(), SequenceDense.WEIGHT);
        }
        boolean weight = module.endsWith(".weight");
        if (!weight && !module.endsWith(".bias")) {
            throw new IllegalArgumentException("no vertex for ONNX weight '" + module + "'");
        }
        String vertex = module.substring(0, module.lastIndexOf('.'));
        GraphVertex v = graph.getVertex(vertex);
        if (v == null || !v.hasLayer()) {
            throw new IllegalArgumentException("no layer vertex '" + vertex + "' for ONNX weight '" + module + "'");
        }
        Layer layer = v.getLayer();
        String param;
        if (layer.paramTable().containsKey(LayerNorm.GAMMA)) {
            param = weight ? LayerNorm.GAMMA : LayerNorm.BETA;
        } else {
            param = weight ? "W" : "b";
        }
        if (!layer.paramTable().containsKey(param)) {
            throw new IllegalArgumentException("vertex '" + vertex + "' has no parameter '" + param + "' for ONNX weight '"
                    + module + "'");
        }
        return new Target(vertex, layer, param);
    }
}

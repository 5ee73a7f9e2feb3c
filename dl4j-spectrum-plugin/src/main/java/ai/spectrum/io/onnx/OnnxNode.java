package ai.spectrum.io.onnx;

import java.util.List;
import java.util.Objects;

/**
 * One {@code NodeProto} of an ONNX graph (attributes are not decoded).
 *
 * @param name    the node name, e.g. {@code /encoder/layer.0/attention/self/query/MatMul}; may be empty
 * @param opType  the operator, e.g. {@code MatMul}
 * @param domain  the operator set domain; empty for the default ONNX domain
 * @param inputs  input value names in order (an empty string marks an omitted optional input)
 * @param outputs output value names in order
 */
public record OnnxNode(String name, String opType, String domain, List<String> inputs, List<String> outputs) {
    public OnnxNode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(opType, "opType");
        Objects.requireNonNull(domain, "domain");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}

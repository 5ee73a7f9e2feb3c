package ai.spectrum.io.onnx;

import ai.spectrum.analysis.ModuleTypes;
import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.analysis.WeightSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The floating-point initializers (rank ≥ 1) of an ONNX model as a {@link WeightSource}.
 *
 * <p>Module names follow the exporter's node paths where the initializer names are meaningless: an initializer
 * read as a matrix operand (input 0 or 1) of a {@code MatMul} or {@code Gemm} node is named after that node's path
 * without the operator, slashes turned into dots ({@code /encoder/layer.0/attention/self/query/MatMul} →
 * {@code encoder.layer.0.attention.self.query}); every other initializer keeps its own name
 * ({@code encoder.layer.0.attention.self.query.bias}). If the path is empty or the name is already taken, the
 * initializer name is used. Types come from {@link ModuleTypes#fromPath}. Shapes are the stored ONNX shapes (a
 * PyTorch {@code Linear} exported as {@code MatMul} is stored transposed, {@code [in, out]}, which leaves its
 * singular values unchanged).
 */
public final class OnnxWeightSource implements WeightSource {
    private final String modelId;
    private final List<WeightInfo> weights;
    private final Map<WeightInfo, OnnxTensor> tensors;

    private OnnxWeightSource(String modelId, OnnxModel model) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        Map<String, String> moduleNames = moduleNames(model);
        List<WeightInfo> infos = new ArrayList<>();
        Map<WeightInfo, OnnxTensor> byInfo = new LinkedHashMap<>();
        for (OnnxTensor t : model.initializers()) {
            if (!t.dataType().isFloatingPoint() || t.dims().length == 0 || t.elementCount() == 0) {
                continue;
            }
            String name = moduleNames.get(t.name());
            WeightInfo info = new WeightInfo(name, ModuleTypes.fromPath(name), t.dims());
            infos.add(info);
            byInfo.put(info, t);
        }
        if (infos.isEmpty()) {
            throw new IllegalArgumentException("ONNX model '" + modelId + "' has no floating-point initializers");
        }
        this.weights = List.copyOf(infos);
        this.tensors = Collections.unmodifiableMap(byInfo);
    }

    /** The weights of a decoded model. */
    public static OnnxWeightSource of(String modelId, OnnxModel model) {
        return new OnnxWeightSource(modelId, model);
    }

    /** Reads an ONNX file; the model id is the file name without {@code .onnx}. */
    public static OnnxWeightSource read(Path file) throws IOException {
        String fileName = file.getFileName().toString();
        String id = fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - 5) : fileName;
        return new OnnxWeightSource(id, OnnxModel.read(file));
    }

    /** Reads an ONNX model from a stream (not closed). */
    public static OnnxWeightSource read(String modelId, InputStream in) throws IOException {
        return new OnnxWeightSource(modelId, OnnxModel.read(in));
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public List<WeightInfo> weights() {
        return weights;
    }

    /** The initializer behind a listed weight. */
    public OnnxTensor tensor(WeightInfo info) {
        OnnxTensor t = tensors.get(info);
        if (t == null) {
            throw new IllegalArgumentException("'" + info + "' is not a weight of ONNX model '" + modelId + "'");
        }
        return t;
    }

    @Override
    public INDArray load(WeightInfo info) {
        return tensor(info).toINDArray();
    }

    /** Maps every initializer name to its module name, by the rule in the class comment. */
    static Map<String, String> moduleNames(OnnxModel model) {
        Set<String> initializerNames = new HashSet<>();
        for (OnnxTensor t : model.initializers()) {
            initializerNames.add(t.name());
        }
        Map<String, String> byConsumer = new LinkedHashMap<>();
        for (OnnxNode n : model.nodes()) {
            if (!n.opType().equals("MatMul") && !n.opType().equals("Gemm")) {
                continue;
            }
            String path = nodePath(n.name());
            for (int i = 0; i < Math.min(2, n.inputs().size()); i++) {
                String in = n.inputs().get(i);
                if (initializerNames.contains(in) && !path.isEmpty()) {
                    byConsumer.putIfAbsent(in, path);
                }
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        Set<String> taken = new HashSet<>(initializerNames);
        taken.removeAll(byConsumer.keySet());
        for (OnnxTensor t : model.initializers()) {
            String path = byConsumer.get(t.name());
            if (path != null && taken.add(path)) {
                out.put(t.name(), path);
            } else {
                out.put(t.name(), t.name());
            }
        }
        return out;
    }

    /** {@code /a/b.0/c/MatMul} → {@code a.b.0.c}; a name without slashes → empty. */
    static String nodePath(String nodeName) {
        String s = nodeName.startsWith("/") ? nodeName.substring(1) : nodeName;
        int last = s.lastIndexOf('/');
        if (last <= 0) {
            return "";
        }
        return s.substring(0, last).replace('/', '.');
    }
}

package ai.spectrum.io.safetensors;

import ai.spectrum.analysis.ModuleTypes;
import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.ModelFormatException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The weight matrices of a safetensors model: one {@code .safetensors} file, or the shards listed by a
 * {@code model.safetensors.index.json}. Headers are read when the source is opened; tensor data only by
 * {@link #load}, one tensor at a time, so a sharded model is never read into memory whole.
 *
 * <p>Module names are tensor names without a trailing {@code .weight}; types follow
 * {@link ModuleTypes#fromPath}. Floating-point tensors (F64, F32, F16, BF16) of rank ≥ 2 are listed; 1-D tensors
 * only when asked for; scalars and integer/boolean tensors never. A matrix of any other dtype (FP8, a quantized
 * format) is an error rather than silently missing from the results. Order: the header's (for an index, its
 * {@code weight_map}'s).
 */
public final class SafetensorsWeightSource implements WeightSource {
    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsWeightSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEIGHT_SUFFIX = ".weight";
    /** Integer and boolean dtypes: index buffers and masks, skipped. */
    private static final java.util.Set<String> INTEGER_TYPES = java.util.Set.of("BOOL", "U8", "I8", "U16", "I16",
            "U32", "I32", "U64", "I64");

    private final String modelId;
    private final List<SafetensorsFile> files;
    private final Map<String, Located> byModule;
    private final List<WeightInfo> weights;

    private record Located(SafetensorsFile file, SafetensorsFile.Tensor tensor, WeightInfo info) {
    }

    private SafetensorsWeightSource(String modelId, List<SafetensorsFile> files, Map<String, Located> byModule) {
        this.modelId = modelId;
        this.files = List.copyOf(files);
        this.byModule = byModule;
        this.weights = byModule.values().stream().map(Located::info).toList();
    }

    /**
     * Opens one {@code .safetensors} file; the model id is the file name without its extension.
     *
     * @param includeVectors whether 1-D tensors (biases, norms) are analysed as 1×d matrices
     */
    public static SafetensorsWeightSource openFile(Path file, boolean includeVectors) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        try {
            Map<String, Located> modules = new LinkedHashMap<>();
            for (SafetensorsFile.Tensor t : f.tensors()) {
                add(modules, f, t, includeVectors);
            }
            return new SafetensorsWeightSource(baseName(file), List.of(f), modules);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Opens a sharded model from its {@code model.safetensors.index.json}; the model id is the directory's name.
     *
     * @param includeVectors whether 1-D tensors (biases, norms) are analysed as 1×d matrices
     * @throws ModelFormatException if the index is corrupt, names a missing shard, or a tensor its shard lacks
     */
    public static SafetensorsWeightSource openIndex(Path index, boolean includeVectors) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(index, "corrupt safetensors index: invalid JSON (" + e.getOriginalMessage()
                    + ")", e);
        }
        if (root == null || !root.path("weight_map").isObject()) {
            throw new ModelFormatException(index, "corrupt safetensors index: no \"weight_map\" object");
        }
        Path dir = index.toAbsolutePath().normalize().getParent();
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, Located> modules = new LinkedHashMap<>();
        try {
            Iterator<Map.Entry<String, JsonNode>> it = root.get("weight_map").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new ModelFormatException(index, "corrupt safetensors index: tensor '" + e.getKey()
                            + "' maps to " + e.getValue() + ", not a file name");
                }
                String shardName = e.getValue().asText();
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path shardPath = dir.resolve(shardName).normalize();
                    if (!Files.isRegularFile(shardPath)) {
                        throw new ModelFormatException(index, "shard '" + shardName + "' listed in the index does "
                                + "not exist");
                    }
                    shard = SafetensorsFile.open(shardPath);
                    shards.put(shardName, shard);
                }
                Optional<SafetensorsFile.Tensor> t = shard.tensor(e.getKey());
                if (t.isEmpty()) {
                    throw new ModelFormatException(shard.path(), "tensor '" + e.getKey() + "' listed in the index "
                            + "is not in this shard");
                }
                add(modules, shard, t.get(), includeVectors);
            }
            String id = dir.getFileName() == null ? baseName(index) : dir.getFileName().toString();
            return new SafetensorsWeightSource(id, new ArrayList<>(shards.values()), modules);
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile s : shards.values()) {
                s.close();
            }
            throw e;
        }
    }

    private static void add(Map<String, Located> modules, SafetensorsFile f, SafetensorsFile.Tensor t,
                            boolean includeVectors) throws ModelFormatException {
        long[] shape = t.shape();
        if (t.floatType().isEmpty() && shape.length >= 2 && !INTEGER_TYPES.contains(t.dtype())) {
            throw new ModelFormatException(f.path(), "tensor '" + t.name() + "' has dtype " + t.dtype()
                    + ", which spectrum does not read (it reads F64, F32, F16 and BF16 weights)");
        }
        if (t.floatType().isEmpty() || shape.length == 0 || (shape.length == 1 && !includeVectors)) {
            LOG.debug("skipping tensor {} of {}", t, f.path());
            return;
        }
        for (long d : shape) {
            if (d == 0) {
                LOG.debug("skipping empty tensor {} of {}", t, f.path());
                return;
            }
        }
        String module = t.name().endsWith(WEIGHT_SUFFIX) && t.name().length() > WEIGHT_SUFFIX.length()
                ? t.name().substring(0, t.name().length() - WEIGHT_SUFFIX.length()) : t.name();
        WeightInfo info = new WeightInfo(module, ModuleTypes.fromPath(module), shape);
        Located prev = modules.put(module, new Located(f, t, info));
        if (prev != null) {
            throw new ModelFormatException(f.path(), "tensors '" + prev.tensor().name() + "' and '" + t.name()
                    + "' both map to module '" + module + "'");
        }
    }

    private static String baseName(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public List<WeightInfo> weights() {
        return weights;
    }

    @Override
    public INDArray load(WeightInfo info) throws IOException {
        Located l = byModule.get(info.name());
        if (l == null) {
            throw new IllegalArgumentException("no module named '" + info.name() + "' in " + modelId);
        }
        return l.file().read(l.tensor());
    }

    @Override
    public boolean loadsFreshArrays() {
        return true;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}

package ai.spectrum.io.dl4j;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.analysis.WeightSource;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.io.ModelFormatException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The weights of a DL4J model saved with {@code ModelSerializer}: a {@code ComputationGraph} or a
 * {@code MultiLayerNetwork}, told apart by the archive's {@code configuration.json}. DL4J restores the whole network,
 * so unlike the other readers this one holds all parameters in memory; module names and types are those of
 * {@link NetworkWeights}. The model id is the file name without {@code .zip}.
 */
public final class Dl4jModelWeightSource implements WeightSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIGURATION = "configuration.json";

    private final String modelId;
    private final NetworkWeights network;

    private Dl4jModelWeightSource(String modelId, NetworkWeights network) {
        this.modelId = modelId;
        this.network = network;
    }

    /** Which network class a {@code ModelSerializer} archive holds. */
    public enum Kind {
        /** A {@code ComputationGraph}. */
        COMPUTATION_GRAPH,
        /** A {@code MultiLayerNetwork}. */
        MULTI_LAYER_NETWORK
    }

    /**
     * Restores a model (without its updater state).
     *
     * @throws ModelFormatException if the file is not a readable {@code ModelSerializer} archive
     */
    public static Dl4jModelWeightSource open(Path path) throws IOException {
        Kind kind = kind(path);
        NetworkWeights weights;
        try {
            weights = kind == Kind.COMPUTATION_GRAPH
                    ? Dl4jNetwork.of(ModelSerializer.restoreComputationGraph(path.toFile(), false)).weights()
                    : Dl4jNetwork.of(ModelSerializer.restoreMultiLayerNetwork(path.toFile(), false)).weights();
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(path, "cannot restore the DL4J " + (kind == Kind.COMPUTATION_GRAPH
                    ? "ComputationGraph" : "MultiLayerNetwork") + ": " + e.getMessage(), e);
        }
        String n = path.getFileName().toString();
        String id = n.toLowerCase(java.util.Locale.ROOT).endsWith(".zip") ? n.substring(0, n.length() - 4) : n;
        return new Dl4jModelWeightSource(id, weights);
    }

    /**
     * Tells a ComputationGraph archive from a MultiLayerNetwork archive by its configuration.
     *
     * @throws ModelFormatException if the file is not a zip archive or has no DL4J configuration
     */
    public static Kind kind(Path path) throws IOException {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            ZipEntry conf = zip.getEntry(CONFIGURATION);
            if (conf == null) {
                throw new ModelFormatException(path, "not a DL4J model archive: no " + CONFIGURATION);
            }
            JsonNode root;
            try (InputStream in = zip.getInputStream(conf)) {
                root = JSON.readTree(in);
            } catch (JsonProcessingException e) {
                throw new ModelFormatException(path, "corrupt DL4J model archive: " + CONFIGURATION
                        + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
            }
            if (root != null && root.has("vertices")) {
                return Kind.COMPUTATION_GRAPH;
            }
            if (root != null && root.has("confs")) {
                return Kind.MULTI_LAYER_NETWORK;
            }
            throw new ModelFormatException(path, "corrupt DL4J model archive: " + CONFIGURATION
                    + " describes neither a ComputationGraph nor a MultiLayerNetwork");
        } catch (ZipException e) {
            throw new ModelFormatException(path, "not a valid DL4J model (zip) archive, truncated or corrupt: "
                    + e.getMessage(), e);
        }
    }

    /** The restored network's weights, with their DL4J layer and parameter keys. */
    public NetworkWeights network() {
        return network;
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public List<WeightInfo> weights() {
        return network.weights();
    }

    @Override
    public INDArray load(WeightInfo info) {
        return network.load(info);
    }
}

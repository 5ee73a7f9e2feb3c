package ai.spectrum.cli;

import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.io.npz.NpzWeightSource;
import com.fasterxml.jackson.databind.JsonNode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static ai.spectrum.cli.TestResources.close;
import static ai.spectrum.cli.TestResources.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same weights give the same scores whatever format they are stored in. */
class FormatsTests {
    @TempDir
    Path dir;

    /** Writes float32 tensors as one safetensors shard, names suffixed with {@code .weight}. */
    private static void writeShard(Path file, List<String> names, List<float[]> values, List<long[]> shapes)
            throws IOException {
        StringBuilder header = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < names.size(); i++) {
            ByteBuffer b = ByteBuffer.allocate(4 * values.get(i).length).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values.get(i)) {
                b.putFloat(v);
            }
            header.append(i == 0 ? "" : ",").append('"').append(names.get(i)).append(".weight\":{\"dtype\":\"F32\",")
                    .append("\"shape\":[").append(Arrays.stream(shapes.get(i)).mapToObj(Long::toString)
                            .collect(Collectors.joining(","))).append("],\"data_offsets\":[").append(data.size())
                    .append(',').append(data.size() + b.capacity()).append("]}");
            data.writeBytes(b.array());
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            out.write(data.toByteArray());
        }
    }

    @Test
    void aShardedSafetensorsCopyOfVectorsAScoresLikeTheNpz() throws IOException {
        Path npz = TestResources.copy("/reference/vectors_a.npz", dir);
        Path model = Files.createDirectories(dir.resolve("vectors-sharded"));
        StringBuilder weightMap = new StringBuilder();
        try (NpzWeightSource source = NpzWeightSource.open(npz)) {
            List<WeightInfo> all = source.weights();
            for (int shard = 0; shard < 2; shard++) {
                List<String> names = new ArrayList<>();
                List<float[]> values = new ArrayList<>();
                List<long[]> shapes = new ArrayList<>();
                for (int i = shard; i < all.size(); i += 2) {
                    names.add(all.get(i).name());
                    values.add(source.load(all.get(i)).dup('c').data().asFloat());
                    shapes.add(all.get(i).shape());
                    weightMap.append(weightMap.length() == 0 ? "" : ",").append('"').append(all.get(i).name())
                            .append(".weight\":\"shard-").append(shard).append(".safetensors\"");
                }
                writeShard(model.resolve("shard-" + shard + ".safetensors"), names, values, shapes);
            }
        }
        Files.writeString(model.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + weightMap + "}}");

        CommandRun fromNpz = CommandRun.of("scan", npz.toString(), "--out", dir.resolve("a").toString());
        CommandRun fromShards = CommandRun.of("scan", model.resolve("model.safetensors.index.json").toString(),
                "--include-1d", "--out", dir.resolve("b").toString());
        assertEquals(ExitCodes.OK, fromNpz.code(), fromNpz::toString);
        assertEquals(ExitCodes.OK, fromShards.code(), fromShards::toString);
        JsonNode a = json(dir.resolve("a/snr_results_vectors-a.json"));
        JsonNode b = json(dir.resolve("b/snr_results_vectors-sharded.json"));
        assertEquals(a.size(), b.size());
        a.fields().forEachRemaining(e -> {
            JsonNode other = b.get(e.getKey());
            assertTrue(other != null, "missing " + e.getKey());
            assertEquals(e.getValue().get("type"), other.get("type"));
            assertTrue(close(other.get("snr").asDouble(), e.getValue().get("snr").asDouble(), 1e-12), e.getKey());
        });
        // without --include-1d the 1-D norm is left out
        CommandRun matricesOnly = CommandRun.of("scan", model.toString(), "--out", dir.resolve("c").toString());
        assertEquals(ExitCodes.OK, matricesOnly.code(), matricesOnly::toString);
        JsonNode c = json(dir.resolve("c/snr_results_vectors-sharded.json"));
        assertEquals(a.size() - 1, c.size());
        assertTrue(!c.has("model.layers.0.input_layernorm"));
    }

    @Test
    void aDl4jModelZipIsScannedLayerByLayer() throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(11).list()
                .layer(new DenseLayer.Builder().nIn(40).nOut(30).build())
                .layer(new DenseLayer.Builder().nIn(30).nOut(30).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nIn(30).nOut(5).build())
                .build());
        net.init();
        Path zip = dir.resolve("tiny-mlp.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        CommandRun run = CommandRun.of("scan", zip.toString(), "--top-percent", "50", "--out", dir.toString());
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        JsonNode results = json(dir.resolve("snr_results_tiny-mlp.json"));
        assertEquals(List.of("layer0", "layer1", "layer2"), iterable(results)); // DL4J names unnamed layers
        assertEquals("DenseLayer/W", results.get("layer0").get("type").asText());
        assertEquals("OutputLayer/W", results.get("layer2").get("type").asText());
        assertTrue(run.out().lines().anyMatch(l -> l.matches("DenseLayer/W\\s+2\\s+1\\s.*")), run.out());
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

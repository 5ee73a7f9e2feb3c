package ai.spectrum.io.dl4j;

import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.io.ModelFormatException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Dl4jModelWeightSourceTests {
    @TempDir
    Path dir;

    @Test
    void aComputationGraphArchiveYieldsItsWeightsUnchanged() throws IOException {
        ComputationGraph cg = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7).graphBuilder()
                .addInputs("in")
                .addLayer("d1", new DenseLayer.Builder().nIn(5).nOut(4).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nIn(4).nOut(3).build(), "d1")
                .setOutputs("out").build());
        cg.init();
        Path f = dir.resolve("graph.zip");
        ModelSerializer.writeModel(cg, f.toFile(), false);
        assertEquals(Dl4jModelWeightSource.Kind.COMPUTATION_GRAPH, Dl4jModelWeightSource.kind(f));
        try (Dl4jModelWeightSource s = Dl4jModelWeightSource.open(f)) {
            assertEquals("graph", s.modelId());
            assertEquals(List.of("d1", "out"), s.weights().stream().map(WeightInfo::name).toList());
            assertEquals(cg.getParam("d1_W"), s.load(s.weights().get(0)));
            assertEquals(cg.getParam("out_W"), s.load(s.weights().get(1)));
        }
    }

    @Test
    void aMultiLayerNetworkArchiveYieldsItsWeightsUnchanged() throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nIn(5).nOut(2).build())
                .build());
        net.init();
        Path f = dir.resolve("mln.zip");
        ModelSerializer.writeModel(net, f.toFile(), false);
        assertEquals(Dl4jModelWeightSource.Kind.MULTI_LAYER_NETWORK, Dl4jModelWeightSource.kind(f));
        try (Dl4jModelWeightSource s = Dl4jModelWeightSource.open(f)) {
            assertEquals(2, s.weights().size());
            assertEquals(net.getParam("0_W"), s.load(s.weights().get(0)));
            assertEquals(net.getParam("1_W"), s.load(s.weights().get(1)));
        }
    }

    @Test
    void aZipWithoutADl4jConfigurationIsRejected() throws IOException {
        Path f = dir.resolve("other.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("readme.txt"));
            z.write(new byte[]{'h', 'i'});
            z.closeEntry();
        }
        String m = assertThrows(ModelFormatException.class, () -> Dl4jModelWeightSource.open(f)).getMessage();
        assertTrue(m.contains("no configuration.json"), m);
    }

    @Test
    void aCorruptArchiveIsRejected() throws IOException {
        Path f = dir.resolve("broken.zip");
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write(new byte[]{0x50, 0x4b, 0x03, 0x04, 1, 2, 3});
        }
        String m = assertThrows(ModelFormatException.class, () -> Dl4jModelWeightSource.open(f)).getMessage();
        assertTrue(m.contains("not a valid DL4J model"), m);
    }
}

package ai.spectrum.training;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.AlexNet;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.FaceNetNN4Small2;
import org.deeplearning4j.zoo.model.InceptionResNetV1;
import org.deeplearning4j.zoo.model.LeNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.TextGenerationLSTM;
import org.deeplearning4j.zoo.model.UNet;
import org.deeplearning4j.zoo.model.VGG16;
import org.deeplearning4j.zoo.model.VGG19;
import org.deeplearning4j.zoo.model.Xception;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listener on the architectures of DL4J's model zoo (random initialization, small inputs, batch 2, a few
 * iterations): no crash, frozen weight matrices bit-identical across iterations, a selected one changes, and a
 * checkpoint (with updater) restores and resumes with the same freeze. The large architectures run only with
 * {@code -Dspectrum.zoo.heavy=true}. Not covered: {@code SimpleCNN} (its last layer is an activation layer, so DL4J
 * itself cannot fit it), the YOLO models (their output layer needs bounding-box labels) and {@code NASNet} (its
 * configuration fails to build in DL4J 1.0.0-M2.1: "Cannot calculate activation types if no inputs have been set").
 */
class ZooArchitecturesTests {
    private static final int CLASSES = 4;
    private static final long SEED = 12;

    private static Arguments zoo(String name, Supplier<ZooModel<?>> model, long... inputShape) {
        return Arguments.of(name, model, inputShape);
    }

    static Stream<Arguments> light() {
        return Stream.of(
                zoo("LeNet", () -> LeNet.builder().numClasses(CLASSES).seed(SEED).updater(new Adam(1e-3))
                        .inputShape(new int[]{1, 28, 28}).build(), 1, 28, 28),
                zoo("TextGenerationLSTM", () -> TextGenerationLSTM.builder().totalUniqueCharacters(12)
                        .maxLength(8).inputShape(new int[]{8, 12}).seed(SEED).build(), 12, 8),
                zoo("SqueezeNet", () -> SqueezeNet.builder().numClasses(CLASSES).seed(SEED)
                        .inputShape(new int[]{3, 64, 64}).build(), 3, 64, 64),
                zoo("Darknet19", () -> Darknet19.builder().numClasses(CLASSES).seed(SEED)
                        .inputShape(new int[]{3, 32, 32}).build(), 3, 32, 32));
    }

    static Stream<Arguments> heavy() {
        return Stream.of(
                zoo("AlexNet", () -> AlexNet.builder().numClasses(CLASSES).seed(SEED).build(), 3, 224, 224),
                zoo("VGG16", () -> VGG16.builder().numClasses(CLASSES).seed(SEED)
                        .inputShape(new int[]{3, 32, 32}).build(), 3, 32, 32),
                zoo("VGG19", () -> VGG19.builder().numClasses(CLASSES).seed(SEED)
                        .inputShape(new int[]{3, 32, 32}).build(), 3, 32, 32),
                zoo("ResNet50", () -> ResNet50.builder().numClasses(CLASSES).seed(SEED).build(), 3, 224, 224),
                zoo("Xception", () -> Xception.builder().numClasses(CLASSES).seed(SEED)
                        .inputShape(new int[]{3, 71, 71}).build(), 3, 71, 71),
                zoo("InceptionResNetV1", () -> InceptionResNetV1.builder().numClasses(CLASSES).seed(SEED).build(),
                        3, 160, 160),
                zoo("FaceNetNN4Small2", () -> FaceNetNN4Small2.builder().numClasses(CLASSES).seed(SEED).build(),
                        3, 96, 96),
                zoo("UNet", () -> UNet.builder().seed(SEED).inputShape(new int[]{3, 32, 32}).build(), 3, 32, 32));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("light")
    void trainsFreezesAndResumes(String name, Supplier<ZooModel<?>> zoo, long[] inputShape, @TempDir Path dir)
            throws IOException {
        check(zoo.get().init(), inputShape, dir);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("heavy")
    @EnabledIfSystemProperty(named = "spectrum.zoo.heavy", matches = "true")
    void heavyTrainsFreezesAndResumes(String name, Supplier<ZooModel<?>> zoo, long[] inputShape,
            @TempDir Path dir) throws IOException {
        check(zoo.get().init(), inputShape, dir);
    }

    private static void check(Model net, long[] inputShape, Path dir) throws IOException {
        MultiDataSet batch = batch(net, inputShape);
        SpectrumListener spectrum = SpectrumListener.builder().optTopPercent(50).build();
        spectrum.selectNow(net);
        Set<String> selected = spectrum.selected();
        Map<String, INDArray> before = weights(net);
        assertTrue(selected.size() < before.size(), "something must be frozen: " + selected);
        for (int i = 0; i < 2; i++) {
            fit(net, batch);
        }
        Map<String, INDArray> after = weights(net);
        boolean anyMoved = false;
        for (String module : before.keySet()) {
            if (selected.contains(module)) {
                anyMoved |= !before.get(module).equals(after.get(module));
            } else {
                assertEquals(before.get(module), after.get(module), "frozen module " + module + " moved");
            }
        }
        assertTrue(anyMoved, "no selected module changed");

        File f = dir.resolve("zoo.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        Model restored = net instanceof ComputationGraph ? ModelSerializer.restoreComputationGraph(f, true)
                : ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.params(), restored.params(), "restored parameters");
        SpectrumListener resumed = SpectrumListener.builder().optTopPercent(50).build();
        restored.addListeners(resumed);
        fit(restored, batch);
        Map<String, INDArray> later = weights(restored);
        assertFalse(later.isEmpty());
        for (String module : after.keySet()) {
            if (!selected.contains(module)) {
                assertEquals(after.get(module), later.get(module), "frozen module " + module + " moved after restore");
            }
        }
    }

    private static void fit(Model net, MultiDataSet batch) {
        if (net instanceof ComputationGraph g) {
            g.fit(batch);
        } else {
            ((MultiLayerNetwork) net).fit(batch.getFeatures(0), batch.getLabels(0));
        }
    }

    /** Copies of every weight matrix by module name. */
    private static Map<String, INDArray> weights(Model net) {
        Map<String, INDArray> out = new HashMap<>();
        for (NetworkWeights.Entry e : Dl4jNetwork.of(net).weights().entries()) {
            out.put(e.info().name(), e.array().dup());
        }
        return out;
    }

    /** Two random examples; labels one-hot along dimension 1 of each output's shape. */
    private static MultiDataSet batch(Model net, long[] inputShape) {
        Nd4j.getRandom().setSeed(SEED);
        long[] shape = new long[inputShape.length + 1];
        shape[0] = 2;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        INDArray x = Nd4j.rand(shape);
        INDArray[] outputs = net instanceof ComputationGraph g ? g.output(x)
                : new INDArray[]{((MultiLayerNetwork) net).output(x)};
        INDArray[] labels = new INDArray[outputs.length];
        for (int k = 0; k < outputs.length; k++) {
            INDArray y = Nd4j.zeros(outputs[k].dataType(), outputs[k].shape());
            for (int r = 0; r < 2; r++) {
                y.get(NDArrayIndex.point(r), NDArrayIndex.point(r % y.size(1))).assign(1);
            }
            labels[k] = y;
        }
        return new MultiDataSet(new INDArray[]{x}, labels);
    }
}

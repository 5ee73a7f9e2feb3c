package ai.spectrum.training;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.freeze.NetworkFreeze;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * DL4J's wrapper layers and layers with parameters beyond weight matrices, one small network each: selecting every
 * module trains bit-identically to no listener; freezing the layer, or everything but it, keeps frozen weights
 * bit-identical and trains the rest, across save, restore and resume.
 */
class WrapperLayersTests {
    private static final int T = 5;

    private static Arguments net(String name, InputType in, long[] x, boolean sequenceLabels, Layer... layers) {
        return Arguments.of(name, in, x, sequenceLabels, List.of(layers));
    }

    private static LSTM lstm(int nIn, int nOut) {
        return new LSTM.Builder().nIn(nIn).nOut(nOut).dataFormat(RNNFormat.NCW).build();
    }

    private static OutputLayer out() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                .build();
    }

    private static RnnOutputLayer rnnOut() {
        return new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).dataFormat(RNNFormat.NCW)
                .activation(Activation.SOFTMAX).build();
    }

    static Stream<Arguments> kinds() {
        InputType seq = InputType.recurrent(4, T, RNNFormat.NCW);
        long[] seqX = {4, 4, T};
        InputType ff = InputType.feedForward(6);
        long[] ffX = {4, 6};
        return Stream.of(
                net("TimeDistributed(Dense)", seq, seqX, true,
                        new TimeDistributed(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build(),
                                RNNFormat.NCW), rnnOut()),
                net("LastTimeStep(LSTM)", seq, seqX, false, new LastTimeStep(lstm(4, 6)), out()),
                net("MaskZeroLayer(LSTM)", seq, seqX, true, new MaskZeroLayer(lstm(4, 6), 0.0), rnnOut()),
                net("SelfAttentionLayer", seq, seqX, false, new SelfAttentionLayer.Builder().nOut(4).nHeads(2)
                        .projectInput(true).build(), new GlobalPoolingLayer(), out()),
                net("PReLULayer", ff, ffX, false, new DenseLayer.Builder().nOut(6).activation(Activation.IDENTITY)
                                .build(),
                        new PReLULayer.Builder().inputShape(6).build(), out()),
                net("FrozenLayerWithBackprop(Dense)", ff, ffX, false, new DenseLayer.Builder().nOut(6).build(),
                        new FrozenLayerWithBackprop(new DenseLayer.Builder().nIn(6).nOut(6).build()), out()),
                net("FrozenLayer(Dense)", ff, ffX, false,
                        new FrozenLayer(new DenseLayer.Builder().nIn(6).nOut(6).build()),
                        new DenseLayer.Builder().nOut(6).build(), out()),
                net("LocalResponseNormalization, SeparableConvolution2D", InputType.convolutional(6, 6, 2),
                        new long[]{4, 2, 6, 6}, false,
                        new ConvolutionLayer.Builder(3, 3).nOut(4).build(), new LocalResponseNormalization.Builder()
                                .build(), new SeparableConvolution2D.Builder(2, 2).nOut(4).build(), out()));
    }

    private static MultiLayerNetwork build(InputType in, List<Layer> layers) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(8).updater(new Adam(1e-2))
                .list();
        for (Layer l : layers) {
            b.layer(l.clone());
        }
        MultiLayerNetwork net = new MultiLayerNetwork(b.setInputType(in).build());
        net.init();
        return net;
    }

    private static DataSet batch(long[] x, boolean sequenceLabels) {
        Nd4j.getRandom().setSeed(3);
        INDArray f = Nd4j.rand(x).addi(0.1); // no all-zero steps for the masking layer
        INDArray y = sequenceLabels ? Nd4j.zeros(x[0], 3, T) : Nd4j.zeros(x[0], 3);
        for (int r = 0; r < x[0]; r++) {
            y.get(NDArrayIndex.point(r), NDArrayIndex.point(r % 3)).assign(1);
        }
        return new DataSet(f, y);
    }

    private static Map<String, INDArray> weights(MultiLayerNetwork net) {
        Map<String, INDArray> out = new HashMap<>();
        for (NetworkWeights.Entry e : Dl4jNetwork.of(net).weights().entries()) {
            out.put(e.info().name(), e.array().dup());
        }
        return out;
    }

    /** Layers the user froze stay frozen, as without the listener. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void everyModuleTrainsAsWithoutTheListener(String name, InputType in, long[] x, boolean seqLabels,
            List<Layer> layers) {
        MultiLayerNetwork plain = build(in, layers);
        MultiLayerNetwork spectrum = build(in, layers);
        DataSet batch = batch(x, seqLabels);
        SpectrumListener.builder().optTopPercent(100).build().selectNow(spectrum);
        for (int i = 0; i < 2; i++) {
            plain.fit(batch);
            spectrum.fit(batch);
        }
        assertEquals(plain.params(), spectrum.params());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void freezesTrainsSavesRestoresAndResumes(String name, InputType in, long[] x, boolean seqLabels,
            List<Layer> layers, @TempDir Path dir) throws IOException {
        MultiLayerNetwork net = build(in, layers);
        List<String> modules = Dl4jNetwork.of(net).weights().entries().stream().map(e -> e.info().name()).toList();
        String output = modules.get(modules.size() - 1);
        Set<String> allButOutput = new LinkedHashSet<>(modules.subList(0, modules.size() - 1));
        DataSet batch = batch(x, seqLabels);
        // a layer the user froze is adopted here, so that it can be trained
        NetworkFreeze.UserFrozenLayers adopt = NetworkFreeze.UserFrozenLayers.SELECTABLE;
        for (Set<String> trained : List.of(Set.of(output), allButOutput)) {
            NetworkFreeze.of(Dl4jNetwork.of(net), true, NetworkFreeze.NormLayers.WITH_INPUT_LAYER, adopt)
                    .apply(trained);
            Map<String, INDArray> before = weights(net);
            net.fit(batch);
            net.fit(batch);
            File f = dir.resolve("net.zip").toFile();
            ModelSerializer.writeModel(net, f, true);
            MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
            assertEquals(net.params(), restored.params(), "restored parameters");
            restored.fit(batch);
            Map<String, INDArray> after = weights(restored);
            for (String m : modules) {
                if (trained.contains(m)) {
                    assertNotEquals(before.get(m), after.get(m), m + " should train with " + trained);
                } else {
                    assertEquals(before.get(m), after.get(m), m + " should stay frozen with " + trained);
                }
            }
            net = restored;
        }
    }
}

package ai.spectrum.training;

import ai.spectrum.training.freeze.SelectiveFreezeLayerImpl;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ParameterGranularityTests {

    @Test
    @DisplayName("one projection of an attention layer is frozen while the others train, with no state for it")
    void freezesOneAttentionProjection() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2)).l2(1e-2)
                .list()
                .layer(new SelfAttentionLayer.Builder().nIn(4).nOut(8).nHeads(2).projectInput(true).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(8).nOut(3)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(4, 6))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        SpectrumListener l = SpectrumListener.builder().optTopPercent(1)
                .optAlwaysTrain("layer0/W[kvo]", "layer1").build();
        net.addListeners(l);
        Map<String, INDArray> before = TestNets.snapshot(net.paramTable());
        Nd4j.getRandom().setSeed(4);
        DataSet ds = new DataSet(Nd4j.randn(5, 4, 6), Nd4j.randn(5, 3, 6));
        for (int i = 0; i < 6; i++) {
            if (i == 0) {
                l.selectNow(net);
            }
            net.fit(ds);
        }
        assertEquals(Set.of("layer0/Wk", "layer0/Wv", "layer0/Wo", "layer1"), l.selected());
        Map<String, INDArray> after = net.paramTable();
        assertEquals(before.get("0_Wq"), after.get("0_Wq"), "frozen projection moved");
        for (String p : new String[]{"0_Wk", "0_Wv", "0_Wo", "1_W"}) {
            assertNotEquals(before.get(p), after.get(p), p + " should train");
        }
        assertInstanceOf(SelectiveFreezeLayerImpl.class, net.getLayer(0));
        long frozen = net.getLayer(0).getParam("Wq").length();
        assertEquals(2 * (net.numParams() - frozen), net.getUpdater().getStateViewArray().length());
    }
}

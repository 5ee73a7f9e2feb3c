package ai.spectrum.dl4j;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.training.TestNets;
import ai.spectrum.training.freeze.NetworkFreeze;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Dl4jNetworkTests {

    @Nested
    @DisplayName("weights")
    class Weights {
        @Test
        @DisplayName("are built once while the network's structure stays the same")
        void cached() {
            ComputationGraph g = TestNets.graph(TestNets.Options.plain());
            Dl4jNetwork net = Dl4jNetwork.of(g);
            NetworkWeights first = net.weights();
            g.fit(TestNets.iterator(TestNets.batches(2, 1)));
            assertSame(first, net.weights());
        }

        @Test
        @DisplayName("are rebuilt after a freeze swaps layers, with the same modules on the same live arrays")
        void rebuiltOnStructureChange() {
            MultiLayerNetwork m = TestNets.mln(TestNets.Options.plain());
            Dl4jNetwork net = Dl4jNetwork.of(m);
            NetworkWeights before = net.weights();
            NetworkFreeze.of(net, true).apply(Set.of("layer0"));
            NetworkWeights after = net.weights();
            assertNotSame(before, after);
            assertEquals(before.weights(), after.weights());
            for (int i = 0; i < before.entries().size(); i++) {
                assertSame(before.entries().get(i).array(), after.entries().get(i).array());
            }
        }
    }

    @Test
    @DisplayName("slot names of a MultiLayerNetwork are the layer names, or the index for unnamed layers")
    void stackNames() {
        MultiLayerNetwork m = TestNets.mln(TestNets.Options.plain());
        assertEquals(List.of("layer0", "layer1", "layer2", "layer3", "layer4"), Dl4jNetwork.of(m).layerNames());
    }

    @Test
    @DisplayName("anything but a ComputationGraph or MultiLayerNetwork is rejected by name")
    void rejectsOtherModels() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dl4jNetwork.of(null));
        assertEquals("Spectrum supports ComputationGraph and MultiLayerNetwork, got null", e.getMessage());
    }

    @Test
    @DisplayName("unwrapping a configuration looks through frozen and wrapper layers to the layer itself")
    void unwrapsConfiguration() {
        DenseLayer d = new DenseLayer.Builder().nIn(2).nOut(2).build();
        assertSame(d, Wrappers.innermost(new FrozenLayer(new FrozenLayerWithBackprop(d))));
        assertSame(d, Wrappers.innermost(d));
    }
}

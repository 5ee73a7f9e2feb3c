package ai.spectrum.training.freeze;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.TestNets;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FreezePlanTests {

    /** in → d0, in → d1, add(d0, d1) → d2 → out. */
    private static ComputationGraph diamond() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .addLayer("d0", new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("d1", new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.TANH).build(), "in")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "d0", "d1")
                .addLayer("d2", new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.TANH).build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "d2")
                .setOutputs("out").setInputTypes(InputType.feedForward(8)).build());
        g.init();
        return g;
    }

    @Test
    @DisplayName("a layer above a graph vertex on frozen layers only is structural too (the vertex is frozen with it)")
    void layerAboveFrozenVertexIsStructural() {
        ComputationGraph g = diamond();
        NetworkSlots a = NetworkSlots.of(Dl4jNetwork.of(g));
        FreezePlan plan = FreezePlan.forModules(a, a.network().weights(), Set.of("out"));
        assertEquals(Set.of("d0", "d1", "d2"), plan.structural());
        assertEquals(Set.of(), plan.selective());
        Freezer.apply(a, plan);
        Map<String, INDArray> before = TestNets.snapshot(g.paramTable());
        g.fit(TestNets.iterator(TestNets.batches(3, 1)));
        for (String k : before.keySet()) {
            if (!k.startsWith("out_")) {
                assertEquals(before.get(k), g.paramTable().get(k), k);
            }
        }
    }

    @Test
    @DisplayName("in a MultiLayerNetwork only a fully frozen prefix is structural")
    void multiLayerPrefix() {
        MultiLayerNetwork net = TestNets.mln(TestNets.Options.plain());
        NetworkSlots a = NetworkSlots.of(Dl4jNetwork.of(net));
        NetworkWeights w = a.network().weights();
        assertEquals(Set.of("layer0", "layer1"), FreezePlan.forModules(a, w, Set.of("layer2")).structural());
        assertEquals(Set.of(), FreezePlan.forModules(a, w, Set.of("layer0", "layer4")).structural());
        FreezePlan p = FreezePlan.forModules(a, w, Set.of("layer0"));
        assertEquals(Set.of(), p.structural());
        assertEquals(Set.of("layer2", "layer3", "layer4"), p.selective(), "batch norm layer1 trains with layer0");
        assertEquals(Set.of("W", "b"), p.frozenParams().get("layer2"));
        assertEquals(Set.of(), p.frozenParams().get("layer0"));
    }

    @Test
    @DisplayName("a module name the network does not have is rejected")
    void unknownModule() {
        MultiLayerNetwork net = TestNets.mln(TestNets.Options.plain());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FreezePlan.forModules(NetworkSlots.of(Dl4jNetwork.of(net)), Dl4jNetwork.of(net).weights(), Set.of("layer9")));
        assertEquals("'layer9' is not a weight module of the network", e.getMessage());
    }
}

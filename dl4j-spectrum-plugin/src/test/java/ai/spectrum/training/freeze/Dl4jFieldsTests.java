package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An early warning for a DL4J upgrade: every private DL4J field Spectrum reaches, by name. */
class Dl4jFieldsTests {

    @Test
    @DisplayName("the reflective accesses are exactly the fifteen listed here")
    void listIsComplete() {
        assertEquals(List.of("ComputationGraph.flattenedGradients", "ComputationGraph.solver",
                        "MultiLayerNetwork.flattenedGradients", "MultiLayerNetwork.solver", "MultiLayerNetwork.layerMap",
                        "BaseOptimizer.stepFunction", "BaseLayer.gradientsFlattened", "BaseLayer.gradientViews",
                        "SameDiffLayer.gradients", "SameDiffLayer.gradTable", "SameDiffOutputLayer.gradients",
                        "SameDiffOutputLayer.gradTable", "AbstractLayer.dataType", "ComputationGraph.verticesMap",
                        "BaseWrapperVertex.underlying"),
                Dl4jFields.all().stream().map(DeclaredField::label).toList());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ComputationGraph.flattenedGradients", "ComputationGraph.solver",
            "MultiLayerNetwork.flattenedGradients", "MultiLayerNetwork.solver", "MultiLayerNetwork.layerMap",
            "BaseOptimizer.stepFunction", "BaseLayer.gradientsFlattened", "BaseLayer.gradientViews",
            "SameDiffLayer.gradients", "SameDiffLayer.gradTable", "SameDiffOutputLayer.gradients",
            "SameDiffOutputLayer.gradTable", "AbstractLayer.dataType", "ComputationGraph.verticesMap",
            "BaseWrapperVertex.underlying"})
    @DisplayName("each field exists in this DL4J version and can be opened")
    void fieldIsReachable(String label) {
        DeclaredField field = Dl4jFields.all().stream().filter(f -> f.label().equals(label)).findFirst().orElseThrow();
        assertDoesNotThrow(field::check, () -> "DL4J moved or removed " + label
                + ": Spectrum's freeze must be adapted to this DL4J version");
    }

    @Test
    @DisplayName("a field this DL4J version lacks fails on use with a message naming it")
    void missingFieldIsNamed() {
        DeclaredField moved = new DeclaredField(MultiLayerNetwork.class, "noSuchField");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> moved.get(null));
        assertTrue(e.getMessage().contains("MultiLayerNetwork.noSuchField"), e.getMessage());
        assertTrue(e.getCause() instanceof NoSuchFieldException, String.valueOf(e.getCause()));
    }
}

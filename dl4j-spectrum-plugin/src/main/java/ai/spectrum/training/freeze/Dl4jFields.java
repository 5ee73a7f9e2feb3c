package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;

import java.util.List;

/**
 * Every private DL4J field Spectrum reaches by reflection, in one place: DL4J 1.0.0-M2.1 has no setter for them.
 * {@code Dl4jFieldsTests} names each one, so a DL4J upgrade that moves one fails there first, with the field's name.
 */
final class Dl4jFields {
    /** The graph's flattened gradient array, replaced by the compact one. */
    static final DeclaredField GRAPH_FLATTENED_GRADIENTS =
            new DeclaredField(ComputationGraph.class, "flattenedGradients");
    /** Whether the graph's solver exists yet ({@code getOptimizer()} would create one). */
    static final DeclaredField GRAPH_SOLVER = new DeclaredField(ComputationGraph.class, "solver");
    /** The network's flattened gradient array, replaced by the compact one. */
    static final DeclaredField STACK_FLATTENED_GRADIENTS =
            new DeclaredField(MultiLayerNetwork.class, "flattenedGradients");
    /** Whether the network's solver exists yet ({@code getOptimizer()} would create one). */
    static final DeclaredField STACK_SOLVER = new DeclaredField(MultiLayerNetwork.class, "solver");
    /** The network's name → layer map, kept in step when a layer is swapped. */
    static final DeclaredField STACK_LAYER_MAP = new DeclaredField(MultiLayerNetwork.class, "layerMap");
    /** The optimizer's step function, replaced by {@link SegmentStep}. */
    static final DeclaredField STEP_FUNCTION = new DeclaredField(BaseOptimizer.class, "stepFunction");
    /** A layer's view of the old flattened gradient, released when the layer gets no segment. */
    static final DeclaredField LAYER_GRADIENTS_FLATTENED = new DeclaredField(BaseLayer.class, "gradientsFlattened");
    /** A layer's per-parameter gradient views, released with {@link #LAYER_GRADIENTS_FLATTENED}. */
    static final DeclaredField LAYER_GRADIENT_VIEWS = new DeclaredField(BaseLayer.class, "gradientViews");

    private Dl4jFields() {
    }

    /** Every field above. */
    static List<DeclaredField> all() {
        return List.of(GRAPH_FLATTENED_GRADIENTS, GRAPH_SOLVER, STACK_FLATTENED_GRADIENTS, STACK_SOLVER,
                STACK_LAYER_MAP, STEP_FUNCTION, LAYER_GRADIENTS_FLATTENED, LAYER_GRADIENT_VIEWS);
    }
}

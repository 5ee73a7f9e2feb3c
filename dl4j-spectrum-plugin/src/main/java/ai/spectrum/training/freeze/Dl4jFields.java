package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseWrapperVertex;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
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

    /** A SameDiff layer's view of the flattened gradient, released when the layer gets no segment. */
    static final DeclaredField SAMEDIFF_GRADIENTS = new DeclaredField(SameDiffLayer.class, "gradients");
    /** A SameDiff layer's per-parameter gradient arrays (filled by its backprop; frozen ones left out). */
    static final DeclaredField SAMEDIFF_GRAD_TABLE = new DeclaredField(SameDiffLayer.class, "gradTable");
    /** A SameDiff output layer's view of the flattened gradient. */
    static final DeclaredField SAMEDIFF_OUTPUT_GRADIENTS = new DeclaredField(SameDiffOutputLayer.class, "gradients");
    /** A SameDiff output layer's per-parameter gradient arrays. */
    static final DeclaredField SAMEDIFF_OUTPUT_GRAD_TABLE = new DeclaredField(SameDiffOutputLayer.class, "gradTable");
    /** A layer's network data type, for the frozen SameDiff path's placeholders. */
    static final DeclaredField LAYER_DATA_TYPE = new DeclaredField(AbstractLayer.class, "dataType");

    /** The graph's name → vertex map, kept in step when a vertex is wrapped in {@code FrozenVertex}. */
    static final DeclaredField GRAPH_VERTICES_MAP = new DeclaredField(ComputationGraph.class, "verticesMap");
    /** The vertex a {@code FrozenVertex} wraps (no getter), restored when the vertex trains again. */
    static final DeclaredField WRAPPER_VERTEX_UNDERLYING = new DeclaredField(BaseWrapperVertex.class, "underlying");

    private Dl4jFields() {
    }

    /** Every field above. */
    static List<DeclaredField> all() {
        return List.of(GRAPH_FLATTENED_GRADIENTS, GRAPH_SOLVER, STACK_FLATTENED_GRADIENTS, STACK_SOLVER,
                STACK_LAYER_MAP, STEP_FUNCTION, LAYER_GRADIENTS_FLATTENED, LAYER_GRADIENT_VIEWS, SAMEDIFF_GRADIENTS,
                SAMEDIFF_GRAD_TABLE, SAMEDIFF_OUTPUT_GRADIENTS, SAMEDIFF_OUTPUT_GRAD_TABLE, LAYER_DATA_TYPE,
                GRAPH_VERTICES_MAP, WRAPPER_VERTEX_UNDERLYING);
    }
}

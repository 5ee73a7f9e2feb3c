package ai.spectrum.training.freeze;

import ai.spectrum.dl4j.Wrappers;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A flattened gradient array with room only for the layers whose backprop writes a gradient.
 *
 * <p>DL4J sizes its flattened gradient to every parameter of the network, frozen ones included, and lays it out like
 * the parameter array. Here a layer gets a segment only if its runtime layer writes weight gradients: trainable
 * layers, and frozen wrappers that cannot skip the weight gradient (see {@link SelectiveFreezeLayerImpl}). DL4J
 * {@code FrozenLayer}s and fully frozen dense/output layers get none. Segments follow the parameter order, so the
 * gradient of parameter range {@code [p, p+n)} of a layer with a segment sits at {@code [g, g+n)} with a fixed shift.
 *
 * <p>Only {@link CompactUpdaters} and {@link SegmentStep} can work with this layout; {@link Freezer} installs all
 * three together.
 */
final class GradientLayout {

    /**
     * One layer's slice.
     *
     * @param trainable   the updater's view of the layer (a graph vertex or a layer)
     * @param runtime     the runtime layer (possibly a frozen wrapper)
     * @param paramOffset first index of the layer's parameters in the flattened parameter array
     * @param gradOffset  first index of its segment in the compact gradient, or -1 if it has none
     * @param length      number of parameters of the layer
     */
    record Slot(Trainable trainable, Layer runtime, long paramOffset, long gradOffset, long length) {
        boolean hasSegment() {
            return gradOffset >= 0;
        }
    }

    private final List<Slot> slots;
    private final Map<Trainable, Slot> byTrainable;
    private final INDArray gradient;
    private final long paramLength;

    private GradientLayout(List<Slot> slots, INDArray gradient, long paramLength) {
        this.slots = Collections.unmodifiableList(slots);
        this.byTrainable = new IdentityHashMap<>();
        slots.forEach(s -> byTrainable.put(s.trainable(), s));
        this.gradient = gradient;
        this.paramLength = paramLength;
    }

    /**
     * Plans and allocates the layout for a network's current runtime layers.
     *
     * @param trainables the layers with parameters, in the order of the flattened parameter array
     * @param dataType   the parameters' data type
     */
    static GradientLayout allocate(Trainable[] trainables, DataType dataType) {
        List<Slot> slots = new ArrayList<>();
        long p = 0;
        long g = 0;
        for (Trainable t : trainables) {
            Layer runtime = runtimeOf(t);
            long n = t.numParams();
            boolean segment = n > 0 && writesGradient(runtime);
            slots.add(new Slot(t, runtime, p, segment ? g : -1, n));
            p += n;
            if (segment) {
                g += n;
            }
        }
        INDArray gradient = Nd4j.create(dataType, 1, g);
        return new GradientLayout(slots, gradient, p);
    }

    /** The runtime layer behind an updater entry. */
    static Layer runtimeOf(Trainable t) {
        if (t instanceof GraphVertex v) {
            return v.getLayer();
        }
        if (t instanceof Layer l) {
            return l;
        }
        throw new IllegalArgumentException("not a layer or layer vertex: " + t.getClass().getName());
    }

    /** Whether a runtime layer's backprop writes into its gradient view. */
    static boolean writesGradient(Layer runtime) {
        if (runtime instanceof FrozenLayer) {
            return false;
        }
        if (runtime instanceof SelectiveFreezeLayerImpl s) {
            return !s.skipsWeightGradient();
        }
        return true;
    }

    /** Whether a parameter of a runtime layer is frozen (receives no update). */
    static boolean isFrozen(Layer runtime, String param) {
        if (runtime instanceof FrozenLayer) {
            return true;
        }
        return runtime instanceof SelectiveFreezeLayerImpl s && s.selectiveConfig().isFrozen(param);
    }

    /** Points each layer with a segment at it, and drops the stale gradient views of the others. */
    void bind() {
        INDArray flat = gradient.reshape(gradient.length());
        for (Slot s : slots) {
            if (s.hasSegment()) {
                INDArray view = flat.get(NDArrayIndex.interval(s.gradOffset(), s.gradOffset() + s.length()));
                if (s.trainable() instanceof GraphVertex v) {
                    v.setBackpropGradientsViewArray(view);
                } else {
                    s.runtime().setBackpropGradientsViewArray(view);
                }
            } else if (s.length() > 0) {
                dropGradientViews(s.runtime());
            }
        }
    }

    /**
     * Lets go of a layer's gradient views into an earlier gradient array (DL4J's {@code FrozenLayer} ignores a new
     * view and would keep the old array alive). The layer must not write gradients while it has no segment. Only
     * DL4J's {@code BaseLayer}s (dense, output, convolution, recurrent, batch norm...), possibly inside wrappers, are
     * released, and DL4J SameDiff layers; other runtime layers (bidirectional...) keep theirs, which costs memory only.
     */
    private static void dropGradientViews(Layer layer) {
        Layer base = Wrappers.innermost(layer);
        if (base instanceof BaseLayer) {
            Dl4jFields.LAYER_GRADIENTS_FLATTENED.set(base, null);
            Dl4jFields.LAYER_GRADIENT_VIEWS.set(base, null);
        } else if (SameDiffGradientViews.applies(base)) {
            SameDiffGradientViews.drop(base);
        }
    }

    /** The compact gradient array, shape {@code [1, length]}. */
    INDArray gradient() {
        return gradient;
    }

    /** Every layer with parameters, in parameter order. */
    List<Slot> slots() {
        return slots;
    }

    /** The slot of an updater entry, or null. */
    Slot slot(Trainable t) {
        return byTrainable.get(t);
    }

    /** Length of the network's flattened parameter array. */
    long paramLength() {
        return paramLength;
    }
}

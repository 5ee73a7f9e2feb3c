package ai.spectrum.training.freeze;

import org.deeplearning4j.optimize.api.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The optimizer step for a {@link GradientLayout}: {@code params -= update} on the trainable parameter ranges only.
 *
 * <p>DL4J's stochastic gradient descent ends each iteration with {@code params.subi(gradient)} over the whole
 * parameter array, which needs a full-size gradient; this step function pairs each trainable parameter range with its
 * segment of the compact gradient instead. Frozen ranges are not touched at all.
 */
final class SegmentStep implements StepFunction {
    private static final long serialVersionUID = 1L;

    /** Maximal runs of trainable parameters that are contiguous in both arrays: {@code {param, grad, length}}. */
    private final long[][] runs;
    private final long paramLength;
    private final long gradLength;
    private final transient GradientLayout layout;

    SegmentStep(GradientLayout layout) {
        this.layout = layout;
        List<long[]> out = new ArrayList<>();
        for (GradientLayout.Slot slot : layout.slots()) {
            if (!slot.hasSegment()) {
                continue;
            }
            long offset = 0;
            for (Map.Entry<String, INDArray> e : slot.trainable().paramTable(false).entrySet()) {
                long len = e.getValue().length();
                long p = slot.paramOffset() + offset;
                long g = slot.gradOffset() + offset;
                offset += len;
                if (len == 0 || GradientLayout.isFrozen(slot.runtime(), e.getKey())) {
                    continue;
                }
                long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
                if (last != null && last[0] + last[2] == p && last[1] + last[2] == g) {
                    last[2] += len;
                } else {
                    out.add(new long[]{p, g, len});
                }
            }
        }
        this.runs = out.toArray(new long[0][]);
        this.paramLength = layout.paramLength();
        this.gradLength = layout.gradient().length();
    }

    @Override
    public void step(INDArray x, INDArray line, double step) {
        step(x, line);
    }

    @Override
    public void step(INDArray x, INDArray line) {
        if (x.length() != paramLength || line.length() != gradLength) {
            throw new IllegalStateException("Spectrum's optimizer step expected " + paramLength + " parameters and a "
                    + gradLength + "-element compact gradient, got " + x.length() + " and " + line.length()
                    + ": the network's parameter or gradient array was re-allocated outside Spectrum");
        }
        INDArray params = x.reshape(x.length());
        INDArray update = line.reshape(line.length());
        for (long[] r : runs) {
            params.get(NDArrayIndex.interval(r[0], r[0] + r[2])).subi(update.get(NDArrayIndex.interval(r[1], r[1] + r[2])));
        }
    }

    @Override
    public void step() {
        // nothing to reset
    }

    /** Whether this step was built for {@code layout}. */
    boolean belongsTo(GradientLayout layout) {
        return this.layout == layout;
    }
}

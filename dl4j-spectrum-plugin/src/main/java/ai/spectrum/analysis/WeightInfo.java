package ai.spectrum.analysis;

import java.util.Arrays;
import java.util.Objects;

/**
 * One weight tensor of a model, before it is loaded.
 *
 * @param name  the module name results are reported under (e.g. {@code model.layers.3.mlp.down_proj})
 * @param type  the module type it is grouped by for selection (e.g. {@code mlp.down_proj}, {@code DenseLayer/W})
 * @param shape the tensor's shape; never empty, every dimension ≥ 1
 */
public record WeightInfo(String name, String type, long[] shape) {
    public WeightInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("weight name must not be empty");
        }
        shape = shape.clone();
        WeightMatrices.matrixShape(shape); // validates
    }

    /** A defensive copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightInfo w && name.equals(w.name) && type.equals(w.type) && Arrays.equals(shape, w.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " (" + type + ") " + Arrays.toString(shape);
    }
}

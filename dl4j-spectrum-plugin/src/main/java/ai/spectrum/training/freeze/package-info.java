/**
 * Freezing parameters of a live DL4J network between iterations.
 *
 * <p>{@link ai.spectrum.training.freeze.NetworkFreeze} is the public entry: apply a selection, resume, read the
 * current selection. Internally, {@code NetworkSlots} changes a {@code Dl4jNetwork} (the only reflective access to
 * DL4J is listed in {@code Dl4jFields});
 * {@code FreezePlan} says which parameters are frozen and which layers can leave the
 * backprop path; {@code Freezer} swaps layers and configuration together (DL4J
 * {@code FrozenLayer} where the frozen set is closed under ancestors, {@link
 * ai.spectrum.training.freeze.SelectiveFreezeLayer} elsewhere, at parameter granularity), re-allocates the gradient
 * array and installs a rebuilt updater whose state for parameters that stay trainable is carried over. By default the
 * gradient array is a compact {@code GradientLayout} (segments only for layers that write gradients), updated by
 * {@code CompactUpdaters} and applied by {@code SegmentStep}, which touch trainable parameter ranges only.
 */
package ai.spectrum.training.freeze;

/**
 * Freezing parameters of a live DL4J network between iterations.
 *
 * <p>{@link ai.spectrum.training.freeze.ModelAdapter} hides the ComputationGraph / MultiLayerNetwork difference;
 * {@link ai.spectrum.training.freeze.FreezePlan} says which parameters are frozen and which layers can leave the
 * backprop path; {@link ai.spectrum.training.freeze.Freezer} swaps layers and configuration together (DL4J
 * {@code FrozenLayer} where the frozen set is closed under ancestors, {@link
 * ai.spectrum.training.freeze.SelectiveFreezeLayer} elsewhere, at parameter granularity), re-allocates the gradient
 * array and installs a rebuilt updater whose state for parameters that stay trainable is carried over. By default the
 * gradient array is a compact {@code GradientLayout} (segments only for layers that write gradients), updated by
 * {@code CompactUpdaters} and applied by {@code SegmentStep}, which touch trainable parameter ranges only.
 */
package ai.spectrum.training.freeze;

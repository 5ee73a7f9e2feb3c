/**
 * The DL4J boundary: {@link ai.spectrum.dl4j.Dl4jNetwork}, one view of a {@code ComputationGraph} or
 * {@code MultiLayerNetwork} (layer slots, runtime layers and their configurations, weight matrices, gradient keys,
 * forward-pass activations, training and evaluation), and {@link ai.spectrum.dl4j.Wrappers}, the one place that looks
 * through DL4J wrapper layers. Changing a network (freezing) is {@link ai.spectrum.training.freeze}'s business; the
 * private DL4J fields it has to reach are listed in one place there.
 */
package ai.spectrum.dl4j;

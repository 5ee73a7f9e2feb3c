/**
 * Reusable transformer building blocks for DL4J 1.0.0-M2.1, as {@code SameDiffLayer}s and vertices usable in any
 * {@code ComputationGraph}: {@link ai.spectrum.samples.transformer.LayerNorm},
 * {@link ai.spectrum.samples.transformer.SelfAttention} (multi-head, with an attention mask),
 * {@link ai.spectrum.samples.transformer.SequenceDense} (a dense layer over every token, optional exact
 * {@link ai.spectrum.samples.transformer.Gelu}), {@link ai.spectrum.samples.transformer.MeanPoolingVertex},
 * {@link ai.spectrum.samples.transformer.FeatureMergeVertex}, a masked-LM output layer
 * ({@link ai.spectrum.samples.transformer.MaskedLmOutput}) whose decoder {@link
 * ai.spectrum.samples.transformer.TiedEmbeddings} ties to the word embeddings; and the BERT encoder built from them
 * ({@link ai.spectrum.samples.transformer.BertConfig}, {@link ai.spectrum.samples.transformer.BertGraph},
 * {@link ai.spectrum.samples.transformer.BertMlm}) with the ONNX → DL4J weight loader
 * ({@link ai.spectrum.samples.transformer.BertWeights}). Every layer applies
 * {@link ai.spectrum.dl4j.SameDiffBackpropFix}, which M2.1's SameDiff backprop needs. Nothing here depends on the
 * demos ({@code ai.spectrum.samples.bert}) or the command line.
 */
package ai.spectrum.samples.transformer;

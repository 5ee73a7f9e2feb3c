/**
 * Reading ONNX model files without SameDiff's importer and without generated protobuf classes: the graph's
 * initializers (weights) and nodes are decoded straight from the protobuf wire format, and exposed as a
 * {@link ai.spectrum.analysis.WeightSource} ({@link ai.spectrum.io.onnx.OnnxWeightSource}).
 */
package ai.spectrum.io.onnx;

package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/** Small hand-made DL4J SameDiff layers on {@code [batch, features]} inputs, for the frozen SameDiff backprop tests. */
final class SameDiffFixtures {
    private SameDiffFixtures() {
    }

    /**
     * {@code x·W + b} through the shapes of a sequence layer ({@code reshape}s around the product) with the samples'
     * halved gradient ({@link ai.spectrum.dl4j.SameDiffBackpropFix}): its backprop graph holds what made a frozen
     * copy recompute the forward pass only for shapes ({@code shape_of} of a computed value, {@code zeroslike} of the
     * {@code stop_gradient} branch, a same-shape {@code add_bp}).
     */
    static final class ShapedAffine extends DenseParams {
        @SuppressWarnings("unused")
        private ShapedAffine() {
        }

        ShapedAffine(long nIn, long nOut) {
            super(nIn, nOut);
            if (nOut % 2 != 0) {
                throw new IllegalArgumentException("nOut must be even");
            }
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
            SDVariable y = sd.mmul(sd.reshape(x, -1, nIn), p.get("W")).add(p.get("b"));
            SDVariable pairs = sd.reshape(y, -1, 2, nOut / 2);
            return ai.spectrum.dl4j.SameDiffBackpropFix.halveGradient(sd, sd.reshape(pairs, -1, nOut));
        }
    }

    /** A feed-forward layer with weight {@code W [nIn, nOut]} and bias {@code b [1, nOut]}. */
    abstract static class DenseParams extends SameDiffLayer {
        long nIn;
        long nOut;

        DenseParams() {
        }

        DenseParams(long nIn, long nOut) {
            this.nIn = nIn;
            this.nOut = nOut;
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.clear();
            params.addWeightParam("W", nIn, nOut);
            params.addBiasParam("b", 1, nOut);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            params.get("W").assign(Nd4j.rand(params.get("W").dataType(), params.get("W").shape()).subi(0.5));
            params.get("b").assign(0.1);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return InputType.feedForward(nOut);
        }

        @Override
        public void setNIn(InputType inputType, boolean override) {
            // explicit sizes
        }
    }

    /** {@code tanh(x·W + b)}. */
    static final class Affine extends DenseParams {
        @SuppressWarnings("unused")
        private Affine() {
        }

        Affine(long nIn, long nOut) {
            super(nIn, nOut);
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
            return sd.math.tanh(sd.mmul(x, p.get("W")).add(p.get("b")));
        }
    }

    /** Layer normalisation {@code (x − mean)/√(var + 1e-5)·gamma + beta} (broadcast multiply and add). */
    static final class Norm extends SameDiffLayer {
        long size;

        @SuppressWarnings("unused")
        private Norm() {
        }

        Norm(long size) {
            this.size = size;
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
            SDVariable c = x.sub(sd.mean(x, true, 1));
            SDVariable n = c.div(sd.math.sqrt(sd.mean(c.mul(c), true, 1).add(1e-5)));
            return n.mul(p.get("gamma")).add(p.get("beta"));
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.clear();
            params.addBiasParam("gamma", 1, size);
            params.addBiasParam("beta", 1, size);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            params.get("gamma").assign(Nd4j.rand(params.get("gamma").dataType(), 1, size).addi(0.5));
            params.get("beta").assign(0.05);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return inputType;
        }

        @Override
        public void setNIn(InputType inputType, boolean override) {
            // explicit size
        }
    }

    /** Two projections in one layer: {@code x·A + x·B + b}, so one can be trained while the other is frozen. */
    static final class TwoProjections extends SameDiffLayer {
        long nIn;
        long nOut;

        @SuppressWarnings("unused")
        private TwoProjections() {
        }

        TwoProjections(long nIn, long nOut) {
            this.nIn = nIn;
            this.nOut = nOut;
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
            return sd.mmul(x, p.get("A")).add(sd.mmul(x, p.get("B"))).add(p.get("b"));
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.clear();
            params.addWeightParam("A", nIn, nOut);
            params.addWeightParam("B", nIn, nOut);
            params.addBiasParam("b", 1, nOut);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            for (String k : new String[]{"A", "B"}) {
                params.get(k).assign(Nd4j.rand(params.get(k).dataType(), params.get(k).shape()).subi(0.5));
            }
            params.get("b").assign(-0.1);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return InputType.feedForward(nOut);
        }

        @Override
        public void setNIn(InputType inputType, boolean override) {
            // explicit sizes
        }
    }

    /** Softmax regression as a SameDiff output layer: summed cross-entropy of {@code softmax(x·W + b)}. */
    static final class SoftmaxOutput extends org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer {
        long nIn;
        long nOut;

        @SuppressWarnings("unused")
        private SoftmaxOutput() {
        }

        SoftmaxOutput(long nIn, long nOut) {
            this.nIn = nIn;
            this.nOut = nOut;
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable x, SDVariable labels, Map<String, SDVariable> p) {
            SDVariable logProbs = sd.nn.logSoftmax(sd.mmul(x, p.get("W")).add(p.get("b")));
            return logProbs.mul(labels).sum().neg();
        }

        @Override
        public String activationsVertexName() {
            return org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer.INPUT_KEY;
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.clear();
            params.addWeightParam("W", nIn, nOut);
            params.addBiasParam("b", 1, nOut);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            params.get("W").assign(Nd4j.rand(params.get("W").dataType(), params.get("W").shape()).subi(0.5));
            params.get("b").assign(0.2);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return InputType.feedForward(nOut);
        }

        @Override
        public void setNIn(InputType inputType, boolean override) {
            // explicit sizes
        }
    }
}

package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.BidirectionalParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runtime side of {@link SelectiveFreezeLayer}: a layer whose listed parameters never move.
 *
 * <p>Unlike DL4J's {@link FrozenLayerWithBackprop} (which it extends only so that DL4J's output-layer checks unwrap
 * it), it keeps the wrapped layer in training mode (dropout and batch statistics behave as without freezing), passes
 * the real gradient of the trainable parameters on, and reports the {@link SelectiveFreezeLayer} configuration to the
 * updater, so frozen parameters get a NoOp updater without state and no regularization. Their gradient is zeroed
 * after backprop; when every parameter of a plain dense or output layer is frozen the weight gradient is not computed
 * at all ({@link #skipsWeightGradient()}): backprop computes only the epsilon for the layers below, the layer needs no
 * gradient memory, and for a dense layer with identity or ReLU activation it does not recompute the pre-activation
 * either (DL4J's own backprop does): the activation derivative is taken from the forward pass's output, with the same
 * ND4J op, so the epsilon is bit-identical. A DL4J SameDiff layer with frozen parameters backprops through
 * {@link SameDiffEpsilonPath}: only the epsilon and the trainable parameters' gradients are computed, from forward
 * values kept by its training forward pass (which that path runs), and a fully frozen one needs no gradient memory
 * either.
 */
public final class SelectiveFreezeLayerImpl extends FrozenLayerWithBackprop {
    private static final long serialVersionUID = 1L;

    private final SelectiveFreezeLayer config;
    private final boolean allFrozen;
    /** "dense" or "output" when the wrapped layer's epsilon can be computed without its weight gradient, else null. */
    private final String epsilonOnlyKind;
    /** Dense layer whose activation derivative is a function of its output (identity; ReLU without cap/threshold). */
    private final boolean derivativeFromOutput;
    private final boolean identity;
    private transient INDArray lastOutput;
    private transient INDArray lastOutputInput;
    private transient long derivativesFromOutput;
    private transient INDArray viewsOf;
    private transient Map<String, INDArray> frozenViews;
    /** Backprop of a frozen DL4J SameDiff layer without frozen-parameter gradients, or null. */
    private final transient SameDiffEpsilonPath sameDiffPath;

    /**
     * @param inner  the wrapped runtime layer (holding the live parameter views)
     * @param config the configuration naming the frozen parameters
     */
    SelectiveFreezeLayerImpl(Layer inner, SelectiveFreezeLayer config) {
        super(inner);
        this.config = config;
        this.allFrozen = config.frozenParams().containsAll(inner.paramTable().keySet());
        this.epsilonOnlyKind = epsilonOnlyKind(inner);
        org.deeplearning4j.nn.conf.layers.Layer c = inner.conf().getLayer();
        IActivation fn = c instanceof BaseLayer bl ? bl.getActivationFn() : null;
        this.identity = fn instanceof ActivationIdentity;
        this.derivativeFromOutput = "dense".equals(epsilonOnlyKind) && (identity || isPlainRelu(fn));
        this.sameDiffPath = SameDiffEpsilonPath.forLayer(inner, config.frozenParams());
    }

    private static boolean isPlainRelu(IActivation fn) {
        return fn instanceof ActivationReLU r && zeroOrNull(r.getMax()) && zeroOrNull(r.getThreshold())
                && zeroOrNull(r.getNegativeSlope());
    }

    private static boolean zeroOrNull(Double d) {
        return d == null || d == 0.0;
    }

    /**
     * Whether backprop never computes a weight gradient: every parameter is frozen and the wrapped layer is a plain
     * dense or output layer or a DL4J SameDiff layer. Such a layer needs no gradient view. Decided by the
     * configuration alone.
     */
    public boolean skipsWeightGradient() {
        return allFrozen && (epsilonOnlyKind != null || sameDiffPath != null);
    }

    /** The configuration this layer reports to the updater. */
    public SelectiveFreezeLayer selectiveConfig() {
        return config;
    }

    @Override
    public TrainingConfig getConfig() {
        return config;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = training && sameDiffPath != null ? sameDiffPath.activate(workspaceMgr) : null;
        return out != null ? out : remember(underlying.activate(training, workspaceMgr), training, workspaceMgr);
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (training && sameDiffPath != null) {
            underlying.setInput(input, workspaceMgr);
            return activate(true, workspaceMgr);
        }
        return remember(underlying.activate(input, training, workspaceMgr), training, workspaceMgr);
    }

    /**
     * Keeps a copy of a ReLU layer's training output for backprop (a copy: a consumer with dropout may overwrite its
     * input in place), together with the input it came from, so that backprop can tell it belongs to the same pass.
     */
    private INDArray remember(INDArray out, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (training && allFrozen && derivativeFromOutput && !identity) {
            lastOutput = workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
            lastOutputInput = underlying.input();
        } else {
            lastOutput = null;
            lastOutputInput = null;
        }
        return out;
    }

    @Override
    public void clear() {
        super.clear();
        lastOutput = null;
        lastOutputInput = null;
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return allFrozen ? 0.0 : underlying.calcRegularizationScore(backpropParamsOnly);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (sameDiffPath != null) {
            zeroFrozenGradientsOnce();
            return sameDiffPath.backprop(epsilon, workspaceMgr);
        }
        if (skipsWeightGradient()) {
            return new Pair<>(new DefaultGradient(), epsilonOnly(epsilonOnlyKind, epsilon, workspaceMgr));
        }
        Pair<Gradient, INDArray> p = underlying.backpropGradient(epsilon, workspaceMgr);
        for (INDArray view : frozenGradientViews().values()) {
            view.assign(0);
        }
        return p;
    }

    @Override
    public void applyConstraints(int iteration, int epoch) {
        org.deeplearning4j.nn.conf.layers.Layer c = config.getUnderlying();
        if (allFrozen || c.getConstraints() == null || c.getConstraints().isEmpty()) {
            if (!allFrozen) {
                underlying.applyConstraints(iteration, epoch);
            }
            return;
        }
        Map<String, INDArray> saved = new HashMap<>();
        for (String p : config.frozenParams()) {
            INDArray v = underlying.getParam(p);
            if (v != null) {
                saved.put(p, v.dup());
            }
        }
        underlying.applyConstraints(iteration, epoch);
        saved.forEach((p, v) -> underlying.getParam(p).assign(v));
    }

    /** The SameDiff path never writes frozen gradients: clear them once per gradient array instead of every step. */
    private void zeroFrozenGradientsOnce() {
        INDArray grads = underlying.getGradientsViewArray();
        if (grads != null && grads != viewsOf) {
            for (INDArray view : frozenGradientViews().values()) {
                view.assign(0);
            }
        }
    }

    /** The SameDiff epsilon path of this layer, or null; for tests. */
    SameDiffEpsilonPath sameDiffPath() {
        return sameDiffPath;
    }

    private Map<String, INDArray> frozenGradientViews() {
        INDArray grads = underlying.getGradientsViewArray();
        if (grads == null) {
            return Map.of();
        }
        if (grads != viewsOf) {
            Map<String, INDArray> all = gradientViews(underlying.conf(), grads);
            Map<String, INDArray> frozen = new HashMap<>();
            for (String p : config.frozenParams()) {
                if (all.containsKey(p)) {
                    frozen.put(p, all.get(p));
                }
            }
            frozenViews = frozen;
            viewsOf = grads;
        }
        return frozenViews;
    }

    /**
     * A layer's gradient view per parameter key. DL4J's {@code BidirectionalParamInitializer} hands the
     * bidirectional configuration to the wrapped layer's initializer (a ClassCastException for LSTM), so its two
     * halves are sliced here with the wrapped layer's own configuration.
     */
    private static Map<String, INDArray> gradientViews(NeuralNetConfiguration conf, INDArray grads) {
        if (!(conf.getLayer() instanceof Bidirectional b)) {
            return conf.getLayer().initializer().getGradientsFromFlattened(conf, grads);
        }
        INDArray flat = grads.reshape(grads.length());
        long n = grads.length() / 2;
        Map<String, INDArray> out = new HashMap<>();
        for (int half = 0; half < 2; half++) {
            NeuralNetConfiguration inner = conf.clone();
            inner.setLayer(half == 0 ? b.getFwd() : b.getBwd());
            String prefix = half == 0 ? BidirectionalParamInitializer.FORWARD_PREFIX
                    : BidirectionalParamInitializer.BACKWARD_PREFIX;
            inner.getLayer().initializer()
                    .getGradientsFromFlattened(inner, flat.get(NDArrayIndex.interval(half * n, (half + 1) * n)))
                    .forEach((k, v) -> out.put(prefix + k, v));
        }
        return out;
    }

    /** "dense" or "output" when a layer's epsilon can be computed without its weight gradient, else null. */
    private static String epsilonOnlyKind(Layer inner) {
        org.deeplearning4j.nn.conf.layers.Layer c = inner.conf().getLayer();
        if (!(c instanceof BaseLayer bl) || bl.getWeightNoise() != null) {
            return null;
        }
        if (inner.getClass() == DenseLayer.class
                && !((org.deeplearning4j.nn.conf.layers.DenseLayer) c).hasLayerNorm()) {
            return "dense";
        }
        if (inner.getClass() == OutputLayer.class && bl.getIDropout() == null) {
            return "output";
        }
        return null;
    }

    /** The same arithmetic as DL4J's dense/output backprop (masks included), without the weight-gradient gemm. */
    private INDArray epsilonOnly(String kind, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        BaseLayer conf = (BaseLayer) underlying.conf().getLayer();
        INDArray w = underlying.getParam("W");
        INDArray mask = underlying.getMaskArray();
        INDArray delta;
        if (kind.equals("dense") && derivativeFromOutput && mask == null
                && (identity || (lastOutput != null && lastOutputInput == underlying.input()))) {
            // identity: dL/dz = epsilon; ReLU: DL4J's derivative op tests x > 0, and relu(z) > 0 exactly when z > 0
            delta = conf.getActivationFn().backprop(identity ? epsilon : lastOutput, epsilon).getFirst();
            derivativesFromOutput++;
        } else {
            INDArray b = underlying.getParam("b");
            INDArray input = underlying.input().castTo(w.dataType());
            INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), input.size(0),
                    w.size(1));
            input.castTo(z.dataType()).mmuli(w, z);
            if (b != null) {
                z.addiRowVector(b);
            }
            if (kind.equals("dense")) {
                delta = conf.getActivationFn().backprop(z, epsilon).getFirst();
                if (mask != null) {
                    delta.muliColumnVector(mask.castTo(delta.dataType()));
                }
            } else {
                org.deeplearning4j.nn.conf.layers.OutputLayer oc = (org.deeplearning4j.nn.conf.layers.OutputLayer) conf;
                INDArray labels = ((IOutputLayer) underlying).getLabels();
                delta = oc.getLossFn().computeGradient(labels, z, oc.getActivationFn(), mask);
                delta = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, delta);
            }
        }
        lastOutput = null;
        lastOutputInput = null;
        INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{w.size(0), delta.size(0)}, 'f');
        epsilonNext = w.mmuli(delta.transpose(), epsilonNext).transpose();
        if (conf.getIDropout() != null) {
            conf.getIDropout().backprop(epsilonNext, epsilonNext, underlying.getIterationCount(),
                    underlying.getEpochCount());
        }
        return epsilonNext;
    }

    /** How many backprop passes took the activation derivative from the forward output (no recomputation); for tests. */
    public long derivativesFromOutput() {
        return derivativesFromOutput;
    }

    /** The frozen parameter keys of this layer. */
    public List<String> frozenParamList() {
        return List.copyOf(config.frozenParams());
    }
}

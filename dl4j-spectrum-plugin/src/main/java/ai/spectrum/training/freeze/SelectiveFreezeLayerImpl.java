package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

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
 * at all: backprop computes only the epsilon for the layers below.
 */
public final class SelectiveFreezeLayerImpl extends FrozenLayerWithBackprop {
    private static final long serialVersionUID = 1L;

    private final SelectiveFreezeLayer config;
    private final boolean allFrozen;
    private transient INDArray viewsOf;
    private transient Map<String, INDArray> frozenViews;

    /**
     * @param inner  the wrapped runtime layer (holding the live parameter views)
     * @param config the configuration naming the frozen parameters
     */
    public SelectiveFreezeLayerImpl(Layer inner, SelectiveFreezeLayer config) {
        super(inner);
        this.config = config;
        this.allFrozen = config.frozenParams().containsAll(inner.paramTable().keySet());
    }

    /** The configuration this layer reports to the updater. */
    public SelectiveFreezeLayer selectiveConfig() {
        return config;
    }

    /** Whether the last backprop computed only the epsilon (no weight gradient); for tests. */
    public boolean computesEpsilonOnly() {
        return allFrozen && epsilonOnlyKind() != null;
    }

    @Override
    public TrainingConfig getConfig() {
        return config;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return underlying.activate(training, workspaceMgr);
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        return underlying.activate(input, training, workspaceMgr);
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return allFrozen ? 0.0 : underlying.calcRegularizationScore(backpropParamsOnly);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (allFrozen) {
            String kind = epsilonOnlyKind();
            if (kind != null) {
                return new Pair<>(new DefaultGradient(), epsilonOnly(kind, epsilon, workspaceMgr));
            }
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

    private Map<String, INDArray> frozenGradientViews() {
        INDArray grads = underlying.getGradientsViewArray();
        if (grads == null) {
            return Map.of();
        }
        if (grads != viewsOf) {
            Map<String, INDArray> all = underlying.conf().getLayer().initializer()
                    .getGradientsFromFlattened(underlying.conf(), grads);
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

    /** "dense" or "output" when the wrapped layer's epsilon can be computed without its weight gradient, else null. */
    private String epsilonOnlyKind() {
        org.deeplearning4j.nn.conf.layers.Layer c = underlying.conf().getLayer();
        if (!(c instanceof BaseLayer bl) || bl.getWeightNoise() != null || underlying.getMaskArray() != null) {
            return null;
        }
        if (underlying.getClass() == DenseLayer.class
                && !((org.deeplearning4j.nn.conf.layers.DenseLayer) c).hasLayerNorm()) {
            return "dense";
        }
        if (underlying.getClass() == OutputLayer.class && bl.getIDropout() == null) {
            return "output";
        }
        return null;
    }

    /** The same arithmetic as DL4J's dense/output backprop, without the weight-gradient gemm. */
    private INDArray epsilonOnly(String kind, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        BaseLayer conf = (BaseLayer) underlying.conf().getLayer();
        INDArray w = underlying.getParam("W");
        INDArray b = underlying.getParam("b");
        INDArray input = underlying.input().castTo(w.dataType());
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), input.size(0), w.size(1));
        input.castTo(z.dataType()).mmuli(w, z);
        if (b != null) {
            z.addiRowVector(b);
        }
        INDArray delta;
        if (kind.equals("dense")) {
            delta = conf.getActivationFn().backprop(z, epsilon).getFirst();
        } else {
            org.deeplearning4j.nn.conf.layers.OutputLayer oc = (org.deeplearning4j.nn.conf.layers.OutputLayer) conf;
            INDArray labels = ((IOutputLayer) underlying).getLabels();
            delta = oc.getLossFn().computeGradient(labels, z, oc.getActivationFn(), null);
            delta = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, delta);
        }
        INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{w.size(0), delta.size(0)}, 'f');
        epsilonNext = w.mmuli(delta.transpose(), epsilonNext).transpose();
        if (conf.getIDropout() != null) {
            conf.getIDropout().backprop(epsilonNext, epsilonNext, underlying.getIterationCount(),
                    underlying.getEpochCount());
        }
        return epsilonNext;
    }

    /** The frozen parameter keys of this layer. */
    public List<String> frozenParamList() {
        return List.copyOf(config.frozenParams());
    }
}

package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Layer configuration that freezes some parameters of the layer it wraps, and is serialised with the network.
 *
 * <p>For each frozen parameter it reports a {@link NoOp} updater and no regularization, so DL4J's own updater keeps
 * no optimizer state for it and applies no L1/L2/weight decay; its runtime layer ({@link SelectiveFreezeLayerImpl})
 * zeroes (or never computes) that parameter's gradient. Parameters not listed keep the wrapped layer's updater and
 * regularization unchanged. Because the wrapper is part of the network configuration, {@code ModelSerializer},
 * {@code clone()} and a resumed {@code fit} see the same freeze and the same updater-state layout.
 */
public final class SelectiveFreezeLayer extends BaseWrapperLayer {
    private static final long serialVersionUID = 1L;

    /** Sorted names of frozen parameter keys (e.g. {@code W}, {@code b}); a field so DL4J's JSON mapper writes it. */
    @JsonProperty("frozenParams")
    private List<String> frozenParams;

    /** For JSON deserialisation only. */
    private SelectiveFreezeLayer() {
        super();
    }

    /**
     * @param underlying   the wrapped layer configuration
     * @param frozenParams the parameter keys to freeze; not empty
     */
    public SelectiveFreezeLayer(Layer underlying, Set<String> frozenParams) {
        super(Objects.requireNonNull(underlying, "underlying"));
        if (frozenParams.isEmpty()) {
            throw new IllegalArgumentException("a selective freeze needs at least one frozen parameter");
        }
        this.frozenParams = List.copyOf(new TreeSet<>(frozenParams));
        setLayerName(underlying.getLayerName());
    }

    /** The frozen parameter keys, sorted; never null. */
    public Set<String> frozenParams() {
        return frozenParams == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(frozenParams));
    }

    /** Whether a parameter key is frozen. */
    public boolean isFrozen(String param) {
        return frozenParams != null && frozenParams.contains(param);
    }

    /** A copy of the network-level configuration whose layer is the wrapped one. */
    public NeuralNetConfiguration innerConf(NeuralNetConfiguration conf) {
        NeuralNetConfiguration nnc = conf.clone();
        nnc.setLayer(underlying);
        return nnc;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        org.deeplearning4j.nn.api.Layer inner = underlying.instantiate(innerConf(conf), trainingListeners, layerIndex,
                layerParamsView, initializeParams, networkDataType);
        NeuralNetConfiguration innerNnc = inner.conf();
        if (innerNnc.variables() != null) {
            List<String> vars = new ArrayList<>(innerNnc.variables(true));
            innerNnc.clearVariables();
            conf.clearVariables();
            for (String s : vars) {
                conf.variables(false).add(s);
                innerNnc.variables(false).add(s);
            }
        }
        return new SelectiveFreezeLayerImpl(inner, this);
    }

    @Override
    public ParamInitializer initializer() {
        return WrappedLayerParams.INSTANCE;
    }

    /**
     * {@link NoOp} for a frozen parameter, else the wrapped layer's updater. A wrapped DL4J wrapper layer
     * ({@code LastTimeStep}, {@code MaskZeroLayer}, {@code TimeDistributed}) does not answer this itself; DL4J's own
     * updater asks the layer inside it (its runtime layer reports that layer's configuration), and so does this.
     */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (isFrozen(paramName)) {
            return new NoOp();
        }
        Layer c = underlying;
        while (c instanceof BaseWrapperLayer w) {
            c = w.getUnderlying();
        }
        return c.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return isFrozen(paramName) ? null : underlying.getRegularizationByParam(paramName);
    }

    @Override
    public Layer clone() {
        SelectiveFreezeLayer l = (SelectiveFreezeLayer) super.clone();
        l.underlying = underlying.clone();
        l.frozenParams = frozenParams == null ? null : List.copyOf(frozenParams);
        return l;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SelectiveFreezeLayer s && Objects.equals(underlying, s.underlying)
                && Objects.equals(frozenParams, s.frozenParams);
    }

    @Override
    public int hashCode() {
        return Objects.hash(underlying, frozenParams);
    }

    @Override
    public String toString() {
        return "SelectiveFreezeLayer(frozen=" + frozenParams + ", " + underlying + ")";
    }
}

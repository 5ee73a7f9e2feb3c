package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.layers.samediff.DL4JSameDiffMemoryMgr;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.autodiff.util.SameDiffUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.common.util.ArrayUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.MmulBp;
import org.nd4j.linalg.api.ops.impl.shape.Reshape;
import org.nd4j.linalg.api.ops.impl.shape.Shape;
import org.nd4j.linalg.api.ops.impl.shape.ZerosLike;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.MulBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.SubBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Backprop of a DL4J {@link SameDiffLayer} or {@link SameDiffOutputLayer} with frozen parameters that computes only what training needs: the input
 * gradient (epsilon) and the gradients of the layer's trainable parameters.
 *
 * <p>DL4J's own backprop asks the layer's graph for the input gradient and every parameter gradient, and its
 * backprop ops compute a weight gradient in the same op as the input gradient ({@code matmul_bp} yields dX and dW,
 * {@code add_bp}/{@code multiply_bp} the broadcast parameter's reduction). This path defines the layer a second time
 * (the configuration's own {@code defineLayer}, so any SameDiff layer works), with each frozen parameter as a
 * constant bound to the live parameter array: autodiff then prunes every branch that only leads to a frozen
 * parameter. Each remaining two-output backprop op whose parameter output nobody reads is rewritten to the single op
 * that computes its other output ({@code matmul(eps, W, transposeB)} for {@code matmul_bp}, {@code multiply(eps, w)}
 * for {@code multiply_bp}, ...), which is how the native backprop op computes it, so the epsilon and the trained
 * gradients are bit-identical to DL4J's (including M2.1's doubled gradient, see the samples'
 * {@code SameDiffBackpropFix}). Ops that read a forward value only for its shape are rewritten too (see
 * {@link #dropZeroAdds}, {@link #constantReshapeShapes}; shapes that depend on the minibatch are found by probing the
 * forward graph once with one and two examples), so a frozen linear layer does not run its forward pass again in
 * backprop, as DL4J's own backprop does. The outputs of the costly forward ops a backprop needs (the product and the
 * {@code erf} of a GELU layer, a layer norm's statistics) are kept from the training forward pass, which
 * {@link #activate} runs on the frozen copy (the same ops on the same arrays, so the same output bits), and fed to the
 * gradient graph through placeholders ({@link #feedForwardValues}); only cheap elementwise and shape ops run again, so
 * a few arrays per layer stay in the activations workspace until backprop. ND4J's session executes only the ops the
 * requested gradients need. Gradients of frozen parameters are neither computed nor copied into DL4J's arrays.
 */
final class SameDiffEpsilonPath {
    /**
     * System property that, set to {@code false}, makes newly frozen SameDiff layers use DL4J's own backprop (every
     * gradient computed, frozen ones zeroed): the slower path, for comparisons in tests and benchmarks.
     */
    static final String DISABLE_PROPERTY = "ai.spectrum.freeze.sameDiffEpsilonPath";
    /**
     * System property that, set to {@code false}, makes newly built paths compute every forward value their backprop
     * needs again instead of keeping the costly ones from the forward pass: less memory, more time per step (for
     * comparisons in benchmarks).
     */
    static final String KEEP_PROPERTY = "ai.spectrum.freeze.keepForwardValues";
    /** Package-private switch for tests: false falls back to DL4J's backprop plus zeroing. */
    static volatile boolean enabled = true;

    private static final String INPUT = SameDiffLayer.INPUT_KEY;
    private static final String MASK = SameDiffLayer.MASK_KEY;
    private static final String LABELS = SameDiffOutputLayer.LABELS_KEY;

    /**
     * Built paths by runtime layer (by identity: DL4J layers compare by content) and frozen set, so that a
     * re-selection that freezes a layer again reuses its graph instead of differentiating it anew. Keys are weak and
     * a path refers to its layer weakly, so nothing here keeps a layer alive (its frozen wrapper holds it while it
     * is frozen); entries of collected layers are dropped on the next lookup.
     */
    private static final Map<LayerKey, Map<Set<String>, SameDiffEpsilonPath>> BUILT = new HashMap<>();
    private static final java.lang.ref.ReferenceQueue<Layer> COLLECTED = new java.lang.ref.ReferenceQueue<>();

    /** A weak, identity-comparing key. */
    private static final class LayerKey extends java.lang.ref.WeakReference<Layer> {
        private final int hash;

        LayerKey(Layer layer, java.lang.ref.ReferenceQueue<Layer> queue) {
            super(layer, queue);
            this.hash = System.identityHashCode(layer);
        }

        @Override
        public boolean equals(Object o) {
            return o == this || (o instanceof LayerKey k && k.hash == hash && get() != null && k.get() == get());
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** A DL4J {@link SameDiffLayer} or {@link SameDiffOutputLayer}. */
    private final java.lang.ref.WeakReference<AbstractLayer<?>> layerRef;
    private final boolean output;
    private final Set<String> frozen;
    private final List<String> trainable;
    private SameDiff sd;
    private ExternalErrorsFunction fn;
    private String outputName;
    private int rewritten;
    /**
     * Forward values the gradient graph reads, each fed to it through a placeholder (value name → placeholder name)
     * from the forward pass that {@link #activate} ran, instead of being computed again; empty for an output layer.
     */
    private Map<String, String> fed = Map.of();
    /** The values of {@link #fed} from the last training forward pass, and the input array they came from. */
    private Map<String, INDArray> kept;
    private INDArray keptInput;

    private SameDiffEpsilonPath(AbstractLayer<?> layer, Set<String> frozen) {
        this.layerRef = new java.lang.ref.WeakReference<>(layer);
        this.output = layer instanceof SameDiffOutputLayer;
        this.frozen = Set.copyOf(frozen);
        this.trainable = new ArrayList<>();
        for (String p : layer.paramTable().keySet()) {
            if (!frozen.contains(p)) {
                trainable.add(p);
            }
        }
    }

    /**
     * The epsilon path for a runtime layer, or null if it has none (not a plain DL4J SameDiff layer or output layer,
     * or switched off).
     */
    static SameDiffEpsilonPath forLayer(Layer inner, Set<String> frozen) {
        boolean sameDiff = inner.getClass() == SameDiffLayer.class || inner.getClass() == SameDiffOutputLayer.class;
        if (!enabled || "false".equals(System.getProperty(DISABLE_PROPERTY)) || !sameDiff || frozen.isEmpty()) {
            return null;
        }
        Set<String> key = Set.copyOf(frozen);
        synchronized (BUILT) {
            for (java.lang.ref.Reference<? extends Layer> r; (r = COLLECTED.poll()) != null; ) {
                BUILT.remove(r);
            }
            return BUILT.computeIfAbsent(new LayerKey(inner, COLLECTED), l -> new HashMap<>())
                    .computeIfAbsent(key, f -> new SameDiffEpsilonPath((AbstractLayer<?>) inner, f));
        }
    }

    private AbstractLayer<?> layer() {
        AbstractLayer<?> l = layerRef.get();
        if (l == null) {
            throw new IllegalStateException("the SameDiff layer of this frozen path was garbage-collected");
        }
        return l;
    }

    /** Whether every parameter is frozen (backprop writes no gradient at all). */
    boolean allFrozen() {
        return trainable.isEmpty();
    }

    /** Number of backprop ops rewritten to compute only their input-side output; for tests. */
    int rewrittenOps() {
        return rewritten;
    }

    /** The layer's frozen copy (listeners set on it also see the gradient graph's ops), once built; for tests. */
    SameDiff forwardGraph() {
        return sd;
    }

    /** Forward values backprop takes from the forward pass instead of computing them again; for tests. */
    Set<String> fedValues() {
        return fed.keySet();
    }

    /**
     * DL4J's {@code SameDiffLayer.activate} in training, run on the frozen copy (the same ops on the same arrays, so
     * the same output bit for bit), which also keeps the forward values its backprop reads (in the activations
     * workspace, alive until backprop). Returns null for an output layer, or when backprop reads no forward value:
     * the caller then runs the layer's own forward pass.
     */
    INDArray activate(LayerWorkspaceMgr workspaceMgr) {
        kept = null;
        keptInput = null;
        AbstractLayer<?> layer = layer();
        INDArray input = layer.input();
        if (output || input == null) {
            return null;
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (sd == null) {
                build(input, null);
            }
        }
        if (fed.isEmpty()) {
            return null;
        }
        ((org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer) layer.conf().getLayer()).validateInput(input);
        session(sd).setMmgr(new DL4JSameDiffMemoryMgr(workspaceMgr.getWorkspaceName(ArrayType.FF_WORKING_MEM),
                workspaceMgr.getWorkspaceName(ArrayType.ACTIVATIONS),
                workspaceMgr.getConfiguration(ArrayType.FF_WORKING_MEM),
                workspaceMgr.getConfiguration(ArrayType.ACTIVATIONS)));
        List<String> wanted = new ArrayList<>(fed.keySet());
        wanted.add(outputName);
        Map<String, INDArray> values = sd.output(placeholders(input, null), wanted);
        Map<String, INDArray> keep = new HashMap<>();
        for (String v : fed.keySet()) {
            keep.put(v, inActivations(values.get(v), workspaceMgr));
        }
        INDArray result = inActivations(values.get(outputName), workspaceMgr);
        sd.clearPlaceholders(true);
        sd.clearOpInputs();
        kept = keep;
        keptInput = input;
        return result;
    }

    /**
     * The array itself if it lives in the activations workspace (detached if activations are scoped out), else a copy
     * there.
     */
    private static INDArray inActivations(INDArray a, LayerWorkspaceMgr workspaceMgr) {
        if (workspaceMgr.isScopedOut(ArrayType.ACTIVATIONS)) {
            return a.isAttached() ? a.detach() : a;
        }
        MemoryWorkspace ws = a.isAttached() ? a.data().getParentWorkspace() : null;
        return ws != null && ws.getId().equals(workspaceMgr.getWorkspaceName(ArrayType.ACTIVATIONS)) ? a
                : workspaceMgr.dup(ArrayType.ACTIVATIONS, a);
    }

    /** Whether an array kept from the forward pass can still be read: detached, or its workspace not reset since. */
    private static boolean readable(INDArray a) {
        if (a == null) {
            return false;
        }
        if (!a.isAttached()) {
            return true;
        }
        MemoryWorkspace ws = a.data().getParentWorkspace();
        return ws != null && ws.isScopeActive() && ws.getGenerationId() == a.data().getGenerationId();
    }

    private static InferenceSession session(SameDiff graph) {
        return graph.getSessions().computeIfAbsent(Thread.currentThread().getId(),
                t -> SameDiff.getInferenceFactory().create(graph));
    }

    /** DL4J's {@code SameDiffLayer.backpropGradient}, restricted to the input and trainable-parameter gradients. */
    @SuppressWarnings("unchecked")
    Pair<Gradient, INDArray> backprop(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        AbstractLayer<?> layer = layer();
        INDArray input = layer.input();
        if (input == null) {
            throw new IllegalStateException("cannot backprop frozen SameDiff layer '" + layer.conf().getLayer()
                    .getLayerName() + "': no input set (forward pass not done)");
        }
        AbstractSameDiffLayer conf = (AbstractSameDiffLayer) layer.conf().getLayer();
        INDArray labels = output ? ((SameDiffOutputLayer) layer).getLabels() : null;
        if (output && labels == null && ((org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer) conf)
                .labelsRequired()) {
            throw new IllegalStateException("cannot backprop frozen SameDiff output layer '" + conf.getLayerName()
                    + "': labels are not set");
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (sd == null) {
                build(input, labels);
            }
        }
        session(sd.getFunction("grad")).setMmgr(new DL4JSameDiffMemoryMgr(
                workspaceMgr.getWorkspaceName(ArrayType.BP_WORKING_MEM),
                workspaceMgr.getWorkspaceName(ArrayType.ACTIVATION_GRAD),
                workspaceMgr.getConfiguration(ArrayType.BP_WORKING_MEM),
                workspaceMgr.getConfiguration(ArrayType.ACTIVATION_GRAD)));
        Map<String, INDArray> ph = placeholders(input, labels);
        if (!output) {
            ((org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer) conf).validateInput(input);
            ph.put(fn.getGradPlaceholderName(), epsilon);
        }
        if (!fed.isEmpty()) {
            ph.putAll(fedValues(input, workspaceMgr));
        }
        List<String> required = new ArrayList<>(trainable.size() + 1);
        required.add(INPUT);
        required.addAll(trainable);
        Map<String, INDArray> m = sd.calculateGradients(ph, required);
        Gradient g = new DefaultGradient();
        if (!trainable.isEmpty()) {
            Map<String, INDArray> gradTable = (Map<String, INDArray>) (output ? Dl4jFields.SAMEDIFF_OUTPUT_GRAD_TABLE : Dl4jFields.SAMEDIFF_GRAD_TABLE)
                    .get(layer);
            for (String p : trainable) {
                INDArray target = gradTable.get(p);
                target.assign(m.get(p));
                g.gradientForVariable().put(p, target);
            }
        }
        INDArray dLdIn = m.get(INPUT);
        sd.clearPlaceholders(true);
        sd.clearOpInputs();
        kept = null;
        keptInput = null;
        return new Pair<>(g, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, dLdIn));
    }

    /**
     * The fed forward values by placeholder name: those {@link #activate} kept for this input, else (a forward pass
     * that did not go through it, or whose workspace has been reset) computed now in backprop's working memory.
     */
    private Map<String, INDArray> fedValues(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        Map<String, INDArray> values = kept;
        boolean usable = values != null && keptInput == input;
        for (String v : fed.keySet()) {
            usable = usable && readable(values.get(v));
        }
        if (!usable) {
            String working = workspaceMgr.getWorkspaceName(ArrayType.BP_WORKING_MEM);
            org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration conf =
                    workspaceMgr.getConfiguration(ArrayType.BP_WORKING_MEM);
            session(sd).setMmgr(new DL4JSameDiffMemoryMgr(working, working, conf, conf));
            values = sd.output(placeholders(input, null), new ArrayList<>(fed.keySet()));
            sd.clearPlaceholders(true);
            sd.clearOpInputs();
        }
        Map<String, INDArray> out = new HashMap<>();
        for (Map.Entry<String, String> e : fed.entrySet()) {
            out.put(e.getValue(), values.get(e.getKey()));
        }
        return out;
    }

    /** The forward placeholders: input and mask (a layer) or input and labels (an output layer). */
    private Map<String, INDArray> placeholders(INDArray input, INDArray labels) {
        AbstractLayer<?> layer = layer();
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(INPUT, input);
        if (output) {
            if (labels != null) {
                ph.put(LABELS, labels);
            }
        } else {
            INDArray mask = layer.getMaskArray();
            ph.put(MASK, mask != null ? mask
                    : ((AbstractSameDiffLayer) layer.conf().getLayer()).onesMaskForInput(input));
        }
        return ph;
    }

    /**
     * As DL4J's {@code SameDiffLayer.doInit} (or {@code SameDiffOutputLayer.doInit}), with frozen parameters as
     * constants; then the gradient function.
     */
    private void build(INDArray input, INDArray labels) {
        AbstractLayer<?> layer = layer();
        AbstractSameDiffLayer conf = (AbstractSameDiffLayer) layer.conf().getLayer();
        DataType dataType = (DataType) Dl4jFields.LAYER_DATA_TYPE.get(layer);
        SameDiff s = SameDiff.create();
        s.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        long[] inputShape = input.shape().clone();
        inputShape[0] = -1;
        SDVariable in = s.placeHolder(INPUT, dataType, inputShape);
        Map<String, INDArray> live = layer.paramTable();
        Map<String, SDVariable> params = new LinkedHashMap<>();
        conf.getLayerParams().getParamShapes().forEach((name, shape) -> {
            if (frozen.contains(name)) {
                // not SameDiff.constant(): it would copy the parameter view; bind the live array instead
                SDVariable c = new SDVariable(name, VariableType.CONSTANT, s, shape, dataType);
                s.getVariables().put(name, Variable.builder().name(name).variable(c).build());
                params.put(name, c);
            } else {
                params.put(name, s.var(name, dataType, shape));
            }
        });
        SDVariable out;
        if (output) {
            org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer oc =
                    (org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer) conf;
            SDVariable labelVar = null;
            if (oc.labelsRequired()) {
                long[] labelShape = labels == null ? new long[]{-1, -1} : labels.shape().clone();
                labelShape[0] = -1;
                labelVar = s.placeHolder(LABELS, dataType, labelShape);
            }
            out = oc.defineLayer(s, in, labelVar, params);
        } else {
            SDVariable mask = s.placeHolder(MASK, dataType, ArrayUtil.nTimes((long) inputShape.length, -1));
            out = ((org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer) conf).defineLayer(s, in, params, mask);
        }
        if (out == null) {
            throw new IllegalStateException("layer '" + conf.getLayerName() + "' defined a null output");
        }
        outputName = out.name();
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            s.associateArrayWithVariable(e.getValue(), s.getVariable(e.getKey()));
        }
        if (!output) {
            fn = SameDiffUtils.externalErrors(s, null, out);
            fn.outputVariable();
        }
        s.createGradFunction(INPUT);
        Set<String> wanted = new HashSet<>();
        wanted.add(INPUT);
        wanted.addAll(trainable);
        Map<String, INDArray> ph = placeholders(input, labels);
        SameDiff grad = s.getFunction("grad");
        Probe probe = new Probe(s, ph);
        rewritten = dropZeroAdds(grad) + constantReshapeShapes(s, grad, probe)
                + rewriteParameterOutputs(s, grad, wanted, probe);
        if (!output && !"false".equals(System.getProperty(KEEP_PROPERTY))) {
            fed = feedForwardValues(s, grad, wanted);
        }
        s.clearPlaceholders(true);
        s.clearOpInputs();
        // the shape probes ran the forward graph outside any workspace: drop its session, which holds their arrays
        s.getSessions().clear();
        sd = s;
    }

    /**
     * Rewrites each two-output backprop op of {@code grad} whose second output (the gradient of a frozen,
     * broadcast or right-hand matmul operand) is read by nobody to the single op computing its first output.
     *
     * @return the number of ops rewritten
     */
    static int rewriteParameterOutputs(SameDiff forward, SameDiff grad, Set<String> wanted, Probe probe) {
        Set<String> needed = neededVariables(grad, gradientNames(forward, wanted));
        int n = 0;
        for (SameDiffOp op : new ArrayList<>(grad.getOps().values())) {
            Object f = op.getOp();
            boolean matmul = f instanceof MmulBp;
            // not div_bp: its native dX need not be eps / y bit for bit
            boolean pairwise = f instanceof AddBpOp || f instanceof SubBpOp || f instanceof MulBpOp;
            List<String> ins = op.getInputsToOp();
            List<String> outs = op.getOutputsOfOp();
            if (!(matmul || pairwise) || ins == null || ins.size() != 3 || outs == null || outs.size() != 2) {
                continue;
            }
            String dy = outs.get(1);
            if (needed.contains(dy)) {
                continue;
            }
            String x = ins.get(0);
            String y = ins.get(1);
            String eps = ins.get(2);
            DynamicCustomOp replacement;
            List<String> newInputs;
            if (matmul) {
                int[] iArgs = toInts(((MmulBp) f).iArgs());
                if (iArgs.length > 0 && (iArgs[0] != 0 || iArgs[1] != 0 || iArgs[2] != 0)) {
                    continue; // only the untransposed product x·y: dX = eps·yᵀ
                }
                Mmul mm = new Mmul();
                mm.addIArgument(0, 1, 0);
                mm.addTArgument(1.0, 0.0);
                replacement = mm;
                newInputs = List.of(eps, y);
            } else {
                long[] ys = shapeOf(forward, grad, y);
                long[] xs = shapeOf(forward, grad, x);
                if (!broadcastsInto(ys, xs) && !(probe != null && probe.broadcastsInto(y, x))) {
                    continue; // dX needs a reduction: keep the op
                }
                if (f instanceof AddBpOp || f instanceof SubBpOp) {
                    replacement = new Identity();
                    newInputs = List.of(eps);
                } else {
                    replacement = new MulOp();
                    newInputs = List.of(eps, y);
                }
            }
            replace(grad, op, replacement, newInputs, outs.get(0), dy);
            n++;
        }
        return n;
    }

    /**
     * Forward ops that backprop computes again rather than keep their outputs from the forward pass: shape and data
     * movement ops and elementwise arithmetic, which cost one pass over memory. Every other op (products,
     * convolutions, transcendental functions such as {@code erf} or {@code tanh}, softmax, reductions) has its
     * output kept instead ({@link #feedForwardValues}).
     */
    private static final Set<String> RECOMPUTED_OPS = Set.of("reshape", "permute", "transpose", "squeeze",
            "expand_dims", "identity", "stop_gradient", "cast", "concat", "stack", "unstack", "gather",
            "strided_slice", "slice", "tile", "add", "subtract", "multiply", "divide", "neg", "add_scalar",
            "sub_scalar", "mul_scalar", "div_scalar", "rsub_scalar", "rdiv_scalar", "reversesubtract",
            "reversedivide", "zeroslike", "ones_as");

    /** Whether backprop computes this forward op again from kept values instead of keeping its output. */
    static boolean recomputedInBackprop(SameDiffOp op) {
        return RECOMPUTED_OPS.contains(op.getOp().opName());
    }

    /**
     * Makes the ops of {@code grad} that would execute for {@code wanted}'s gradients read the outputs of the
     * forward pass's costly ops (see {@link #recomputedInBackprop}) from placeholders instead of from those ops'
     * copies in {@code grad}: backprop then never runs a product or a transcendental function of the forward pass
     * again (a GELU's {@code erf}, the product before it, a layer norm's statistics), and recomputes only cheap
     * elementwise and shape ops from the kept values, so that few arrays are kept per layer (two for a GELU layer:
     * the product and the {@code erf}).
     *
     * @return forward value name → placeholder name, in a fixed order
     */
    static Map<String, String> feedForwardValues(SameDiff forward, SameDiff grad, Set<String> wanted) {
        Set<String> needed = neededVariables(grad, gradientNames(forward, wanted));
        Map<String, SameDiffOp> forwardOps = forward.getOps();
        Map<String, String> fed = new LinkedHashMap<>();
        for (SameDiffOp op : new ArrayList<>(grad.getOps().values())) {
            List<String> ins = op.getInputsToOp();
            List<String> outs = op.getOutputsOfOp();
            boolean forwardCopy = forwardOps.containsKey(op.getName());
            if ((forwardCopy && !recomputedInBackprop(op)) || ins == null || outs == null
                    || outs.stream().noneMatch(needed::contains)) {
                continue; // not executed, or a costly forward op, which nobody will read any more
            }
            for (int i = 0; i < ins.size(); i++) {
                String v = ins.get(i);
                SDVariable fv = forward.hasVariable(v) ? forward.getVariable(v) : null;
                Variable gv = grad.getVariables().get(v);
                SameDiffOp producer = gv == null || gv.getOutputOfOp() == null ? null
                        : forwardOps.get(gv.getOutputOfOp());
                if (fv == null || fv.getVariableType() != VariableType.ARRAY || producer == null
                        || producer.getOp() instanceof ExternalErrorsFunction || recomputedInBackprop(producer)) {
                    continue;
                }
                String ph = fed.computeIfAbsent(v, x -> {
                    String name = x + "_fromForward";
                    grad.placeHolder(name, fv.dataType(), (long[]) null);
                    grad.getVariables().get(name).setInputsForOp(new ArrayList<>());
                    return name;
                });
                ins.set(i, ph);
                List<String> readers = grad.getVariables().get(ph).getInputsForOp();
                if (!readers.contains(op.getName())) {
                    readers.add(op.getName());
                }
                if (!ins.contains(v) && gv.getInputsForOp() != null) {
                    gv.getInputsForOp().remove(op.getName());
                }
            }
        }
        return fed;
    }

    /** A variable's static shape (-1 for unknown sizes), from the forward graph where the gradient graph has none. */
    private static long[] shapeOf(SameDiff forward, SameDiff grad, String name) {
        SDVariable v = grad.getVariable(name);
        long[] shape = v == null ? null : v.getShape();
        if (shape == null && forward.hasVariable(name)) {
            shape = forward.getVariable(name).getShape();
        }
        return shape;
    }

    private static int[] toInts(long[] a) {
        int[] out = new int[a == null ? 0 : a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) a[i];
        }
        return out;
    }

    /**
     * Whether {@code y} broadcasts into {@code x} without changing x's shape, for any minibatch size: x's first
     * (minibatch) and unknown dimensions only meet y's 1s.
     */
    static boolean broadcastsInto(long[] y, long[] x) {
        if (x == null || y == null || y.length > x.length) {
            return false;
        }
        for (int i = 1; i <= y.length; i++) {
            long yd = y[y.length - i];
            int xi = x.length - i;
            long xd = x[xi];
            if (yd != 1 && (xi == 0 || xd < 0 || yd != xd)) {
                return false;
            }
        }
        return true;
    }

    private static void replace(SameDiff grad, SameDiffOp op, DynamicCustomOp replacement, List<String> newInputs,
                                String keptOutput, String droppedOutput) {
        String name = op.getName();
        replacement.setSameDiff(grad);
        replacement.setOwnName(name);
        for (String in : op.getInputsToOp()) {
            if (!newInputs.contains(in)) {
                List<String> consumers = grad.getVariables().get(in).getInputsForOp();
                if (consumers != null) {
                    consumers.remove(name);
                }
            }
        }
        op.setOp(replacement);
        op.setInputsToOp(new ArrayList<>(newInputs));
        op.setOutputsOfOp(new ArrayList<>(List.of(keptOutput)));
        if (droppedOutput != null) {
            grad.getVariables().remove(droppedOutput);
        }
    }

    /** The names of the gradients of the {@code wanted} variables of {@code forward} that have one. */
    private static Set<String> gradientNames(SameDiff forward, Set<String> wanted) {
        Set<String> names = new HashSet<>();
        for (String w : wanted) {
            SDVariable v = forward.getVariable(w);
            if (v != null && v.getGradient() != null) {
                names.add(v.getGradient().name());
            }
        }
        return names;
    }

    /**
     * The variables of {@code grad} that computing {@code outputs} reads, directly or through the ops producing them
     * (including {@code outputs}).
     */
    static Set<String> neededVariables(SameDiff grad, Set<String> outputs) {
        Set<String> needed = new HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(outputs);
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (!needed.add(v)) {
                continue;
            }
            Variable var = grad.getVariables().get(v);
            if (var == null) {
                continue;
            }
            if (var.getControlDeps() != null) {
                todo.addAll(var.getControlDeps());
            }
            SameDiffOp producer = var.getOutputOfOp() == null ? null : grad.getOps().get(var.getOutputOfOp());
            if (producer != null) {
                if (producer.getInputsToOp() != null) {
                    todo.addAll(producer.getInputsToOp());
                }
                if (producer.getControlDeps() != null) {
                    todo.addAll(producer.getControlDeps());
                }
            }
        }
        return needed;
    }

    /**
     * Rewrites {@code add(X-grad, zeroslike(X))} (how SameDiff adds the zero gradient of a {@code stop_gradient} branch
     * to the other contributions of X's gradient) to {@code identity(X-grad)}: the sum is X-grad exactly (up to the sign
     * of a zero), and {@code zeroslike(X)} would make the session recompute X, i.e. the layer's forward pass, only for
     * its shape.
     *
     * @return the number of ops rewritten
     */
    static int dropZeroAdds(SameDiff grad) {
        int n = 0;
        for (SameDiffOp op : new ArrayList<>(grad.getOps().values())) {
            List<String> ins = op.getInputsToOp();
            List<String> outs = op.getOutputsOfOp();
            if (!(op.getOp() instanceof AddOp) || ins == null || ins.size() != 2 || outs == null || outs.size() != 1) {
                continue;
            }
            for (int k = 0; k < 2; k++) {
                String zeros = ins.get(k);
                String other = ins.get(1 - k);
                Variable zv = grad.getVariables().get(zeros);
                SameDiffOp producer = zv == null || zv.getOutputOfOp() == null ? null
                        : grad.getOps().get(zv.getOutputOfOp());
                if (producer != null && producer.getOp() instanceof ZerosLike && producer.getInputsToOp() != null
                        && producer.getInputsToOp().size() == 1
                        && other.equals(producer.getInputsToOp().get(0) + "-grad")) {
                    replace(grad, op, new Identity(), List.of(other), outs.get(0), null);
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    /**
     * Replaces {@code shape_of(v)} of a computed forward value v, when only reshapes read it as their target shape, by
     * a constant shape ({@code -1} where it depends on the minibatch size, found by {@link Probe}): a reshape back to
     * v's shape (the backprop of a reshape) then no longer makes the session recompute v.
     *
     * @return the number of ops replaced
     */
    static int constantReshapeShapes(SameDiff forward, SameDiff grad, Probe probe) {
        int n = 0;
        for (SameDiffOp op : new ArrayList<>(grad.getOps().values())) {
            List<String> ins = op.getInputsToOp();
            List<String> outs = op.getOutputsOfOp();
            if (!(op.getOp() instanceof Shape) || ins == null || ins.size() != 1 || outs == null || outs.size() != 1) {
                continue;
            }
            String v = ins.get(0);
            if (!forward.hasVariable(v) || forward.getVariable(v).getVariableType() != VariableType.ARRAY) {
                continue;
            }
            String out = outs.get(0);
            Variable outVar = grad.getVariables().get(out);
            List<String> readers = outVar.getInputsForOp() == null ? List.of() : outVar.getInputsForOp();
            boolean onlyReshapeTargets = !readers.isEmpty() && (outVar.getControlDepsForOp() == null
                    || outVar.getControlDepsForOp().isEmpty());
            for (String r : readers) {
                SameDiffOp reader = grad.getOps().get(r);
                onlyReshapeTargets &= reader != null && reader.getOp() instanceof Reshape
                        && reader.getInputsToOp().size() == 2 && reader.getInputsToOp().get(1).equals(out)
                        && !reader.getInputsToOp().get(0).equals(out);
            }
            long[] shape = onlyReshapeTargets ? probe.batchFreeShape(v) : null;
            if (shape == null) {
                continue;
            }
            String name = out + "_static";
            if (grad.hasVariable(name)) {
                continue;
            }
            SDVariable c = grad.constant(name, Nd4j.createFromArray(shape));
            List<String> cReaders = new ArrayList<>();
            for (String r : new ArrayList<>(readers)) {
                grad.getOps().get(r).getInputsToOp().set(1, c.name());
                cReaders.add(r);
            }
            grad.getVariables().get(c.name()).setInputsForOp(cReaders);
            List<String> vReaders = grad.getVariables().get(v).getInputsForOp();
            if (vReaders != null) {
                vReaders.remove(op.getName());
            }
            grad.getOps().remove(op.getName());
            grad.getVariables().remove(out);
            n++;
        }
        return n;
    }

    /**
     * Shapes of forward values for minibatches of one and of two examples (the first example of the minibatch at hand,
     * once and twice), computed once at build time, on small arrays: a dimension that differs between the two depends
     * on the minibatch size.
     */
    static final class Probe {
        private final SameDiff forward;
        private final Map<String, INDArray> placeholders;
        private final Map<String, long[]> first = new HashMap<>();
        private final Map<String, long[]> larger = new HashMap<>();
        private boolean failed;

        Probe(SameDiff forward, Map<String, INDArray> minibatch) {
            this.forward = forward;
            long batch = minibatch.get(INPUT).size(0);
            Map<String, INDArray> one = new HashMap<>();
            Map<String, INDArray> two = new HashMap<>();
            for (Map.Entry<String, INDArray> e : minibatch.entrySet()) {
                INDArray a = e.getValue();
                boolean perExample = a.rank() > 0 && a.size(0) == batch;
                INDArray first = perExample ? a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup() : a;
                one.put(e.getKey(), first);
                two.put(e.getKey(), perExample ? Nd4j.concat(0, first, first) : a);
            }
            this.placeholders = one;
            this.largerPlaceholders = two;
        }

        /** v's shape with -1 at the one dimension that depends on the minibatch, or null if unknown or several do. */
        long[] batchFreeShape(String v) {
            long[] a = shape(first, placeholders, v);
            long[] b = a == null ? null : shape(larger, largerPlaceholders, v);
            if (b == null || a.length != b.length) {
                return null;
            }
            long[] out = a.clone();
            int varying = 0;
            for (int i = 0; i < a.length; i++) {
                if (a[i] != b[i]) {
                    out[i] = -1;
                    varying++;
                }
            }
            return varying <= 1 ? out : null;
        }

        /** Whether y broadcasts into x without changing x's shape, at both probed minibatch sizes. */
        boolean broadcastsInto(String y, String x) {
            for (Map<String, long[]> cache : List.of(first, larger)) {
                Map<String, INDArray> ph = cache == first ? placeholders : largerPlaceholders;
                long[] ys = shape(cache, ph, y);
                long[] xs = ys == null ? null : shape(cache, ph, x);
                if (xs == null || ys.length > xs.length) {
                    return false;
                }
                for (int i = 1; i <= ys.length; i++) {
                    long yd = ys[ys.length - i];
                    if (yd != 1 && yd != xs[xs.length - i]) {
                        return false;
                    }
                }
            }
            return true;
        }

        private long[] shape(Map<String, long[]> cache, Map<String, INDArray> ph, String v) {
            if (ph == null || failed || !forward.hasVariable(v)) {
                return null;
            }
            if (!cache.containsKey(v)) {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    forward.output(ph, List.of(v)).forEach((k, a) -> cache.put(k, a.shape()));
                } catch (RuntimeException e) {
                    failed = true; // a layer that cannot run at this size: no probe-based rewrite
                    return null;
                } finally {
                    forward.clearPlaceholders(true);
                    forward.clearOpInputs();
                }
            }
            return cache.get(v);
        }

        private final Map<String, INDArray> largerPlaceholders;
    }
}

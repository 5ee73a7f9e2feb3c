package ai.spectrum.training.freeze;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.UpdaterUtils;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The "custom updater wrapper": DL4J updaters that update only trainable parameters, with their gradients in a
 * {@link GradientLayout} instead of DL4J's full-size gradient array.
 *
 * <p>The blocks are built as DL4J's {@code BaseMultiLayerUpdater} builds them (a block is a run of consecutive
 * parameters with equal updater configuration), restricted to trainable parameters. Frozen parameters have a
 * {@code NoOp} updater, so they never share a block with a stateful parameter: the optimizer-state array has exactly
 * the layout of the plain DL4J updater for the same configuration, which is what {@code ModelSerializer} saves and
 * {@code clone()} copies. One iteration does what DL4J's does for the trainable parameters — divide by the minibatch
 * size, gradient normalization per layer, L1/L2, the updater, weight decay — element for element the same arithmetic,
 * so trained parameters are bit-identical to the plain updater's. {@link SegmentStep} then subtracts the update from
 * the trainable parameter ranges only.
 */
final class CompactUpdaters {
    private CompactUpdaters() {
    }

    /** A compact updater for a ComputationGraph. */
    static final class Graph extends ComputationGraphUpdater implements Compact {
        private static final long serialVersionUID = 1L;
        private final transient Core core;

        Graph(ComputationGraph graph, Trainable[] ordered, GradientLayout layout) {
            super(graph); // builds nothing: getOrderedLayers() is empty until core is set
            this.core = new Core(ordered, layout);
            Map<String, Trainable> byName = new HashMap<>();
            for (Trainable t : ordered) {
                byName.put(t.getConfig().getLayerName(), t);
            }
            this.layersByName = byName;
            this.updaterStateViewArray = core.buildBlocks(this, graph.params());
        }

        @Override
        protected Trainable[] getOrderedLayers() {
            return core == null ? new Trainable[0] : core.ordered.clone();
        }

        @Override
        public INDArray getFlattenedGradientsView() {
            return core == null ? null : core.layout.gradient();
        }

        @Override
        public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
                                        LayerWorkspaceMgr workspaceMgr) {
            core.update(this, isMiniBatch(), network.getFlattenedGradients(), gradient, iteration, epoch, batchSize,
                    workspaceMgr);
        }

        @Override
        public GradientLayout layout() {
            return core.layout;
        }
    }

    /** A compact updater for a MultiLayerNetwork. */
    static final class Stack extends MultiLayerUpdater implements Compact {
        private static final long serialVersionUID = 1L;
        private final transient Core core;

        Stack(MultiLayerNetwork net, Trainable[] ordered, GradientLayout layout) {
            super(net); // builds nothing: getOrderedLayers() is empty until core is set
            this.core = new Core(ordered, layout);
            Map<String, Trainable> byIndex = new HashMap<>();
            for (int i = 0; i < ordered.length; i++) {
                byIndex.put(String.valueOf(i), ordered[i]); // DL4J names MultiLayerNetwork layers by index
            }
            this.layersByName = byIndex;
            this.updaterStateViewArray = core.buildBlocks(this, net.params());
        }

        @Override
        protected Trainable[] getOrderedLayers() {
            return core == null ? new Trainable[0] : core.ordered.clone();
        }

        @Override
        public INDArray getFlattenedGradientsView() {
            return core == null ? null : core.layout.gradient();
        }

        @Override
        public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
                                        LayerWorkspaceMgr workspaceMgr) {
            core.update(this, isMiniBatch(), network.getFlattenedGradients(), gradient, iteration, epoch, batchSize,
                    workspaceMgr);
        }

        @Override
        public GradientLayout layout() {
            return core.layout;
        }
    }

    /** What both compact updaters expose. */
    interface Compact {
        /** The gradient layout the updater's blocks view. */
        GradientLayout layout();
    }

    /** The layout of an installed compact updater, or null for any other updater. */
    static GradientLayout layoutOf(Object updater) {
        return updater instanceof Compact c ? c.layout() : null;
    }

    /** What both compact updaters share. */
    private static final class Core {
        private final Trainable[] ordered;
        private final GradientLayout layout;
        private final List<INDArray> divideByMinibatch = new ArrayList<>();

        Core(Trainable[] ordered, GradientLayout layout) {
            this.ordered = ordered.clone();
            this.layout = layout;
        }

        /** Fills the updater's blocks; returns its state array (null if no parameter has state). */
        INDArray buildBlocks(BaseMultiLayerUpdater<?> updater, INDArray params) {
            INDArray flatParams = params.reshape(params.length());
            INDArray flatGrad = layout.gradient().reshape(layout.gradient().length());
            List<UpdaterBlock> blocks = updater.getUpdaterBlocks();
            UpdaterBlock current = null;
            boolean previousIncluded = false;
            Trainable lastLayer = null;
            String lastVar = null;
            long stateSize = 0;
            long divStart = -1;
            long divEnd = -1;
            for (Trainable t : ordered) {
                GradientLayout.Slot slot = layout.slot(t);
                Map<String, INDArray> table = t.paramTable(false);
                long offsetInLayer = 0;
                for (Map.Entry<String, INDArray> e : table.entrySet()) {
                    String var = e.getKey();
                    long len = e.getValue().length();
                    long p = slot.paramOffset() + offsetInLayer;
                    offsetInLayer += len;
                    boolean included = len > 0 && slot.hasSegment() && !GradientLayout.isFrozen(slot.runtime(), var);
                    if (included) {
                        long g = slot.gradOffset() + (p - slot.paramOffset());
                        INDArray pv = flatParams.get(NDArrayIndex.interval(p, p + len));
                        INDArray gv = flatGrad.get(NDArrayIndex.interval(g, g + len));
                        IUpdater u = t.getConfig().getUpdaterByParam(var);
                        int state = Math.toIntExact(u.stateSize(len));
                        if (current == null || !previousIncluded
                                || !UpdaterUtils.updaterConfigurationsEquals(lastLayer, lastVar, t, var)) {
                            List<UpdaterBlock.ParamState> list = new ArrayList<>();
                            list.add(new UpdaterBlock.ParamState(t, var, Math.toIntExact(p), Math.toIntExact(p + len),
                                    pv, gv));
                            current = new UpdaterBlock(Math.toIntExact(p), Math.toIntExact(p + len),
                                    Math.toIntExact(stateSize), Math.toIntExact(stateSize + state), list);
                            blocks.add(current);
                        } else {
                            current.setParamOffsetEnd(Math.toIntExact(p + len));
                            current.setUpdaterViewOffsetEnd(current.getUpdaterViewOffsetEnd() + state);
                            current.getLayersAndVariablesInBlock().add(new UpdaterBlock.ParamState(t, var,
                                    Math.toIntExact(p), Math.toIntExact(p + len), pv, gv));
                        }
                        stateSize += state;
                        if (t.updaterDivideByMinibatch(var)) {
                            if (divEnd == g) {
                                divEnd = g + len;
                            } else {
                                addDivision(flatGrad, divStart, divEnd);
                                divStart = g;
                                divEnd = g + len;
                            }
                        }
                    }
                    previousIncluded = included;
                    lastLayer = t;
                    lastVar = var;
                }
            }
            addDivision(flatGrad, divStart, divEnd);
            INDArray state = stateSize == 0 ? null
                    : Nd4j.createUninitialized(params.dataType(), new long[]{stateSize}, Nd4j.order());
            for (UpdaterBlock ub : blocks) {
                int from = ub.getUpdaterViewOffsetStart();
                int to = ub.getUpdaterViewOffsetEnd();
                if (to > from) {
                    ub.setUpdaterView(state.get(NDArrayIndex.interval(from, to)));
                    ub.setUpdaterViewRequiresInitialization(true);
                }
                List<UpdaterBlock.ParamState> ps = ub.getLayersAndVariablesInBlock();
                long g0 = gradOffsetOf(ps.get(0));
                long g1 = gradOffsetOf(ps.get(ps.size() - 1)) + ps.get(ps.size() - 1).getGradView().length();
                ub.setGradientView(flatGrad.get(NDArrayIndex.interval(g0, g1)));
                ub.init();
            }
            return state;
        }

        private long gradOffsetOf(UpdaterBlock.ParamState ps) {
            GradientLayout.Slot slot = layout.slot(ps.getLayer());
            return slot.gradOffset() + (ps.getParamOffsetStart() - slot.paramOffset());
        }

        private void addDivision(INDArray flatGrad, long from, long to) {
            if (from >= 0 && to > from) {
                divideByMinibatch.add(flatGrad.get(NDArrayIndex.interval(from, to)));
            }
        }

        /** One iteration's update, as {@code BaseMultiLayerUpdater.update} does it, on the compact gradient. */
        void update(BaseMultiLayerUpdater<?> updater, boolean miniBatch, INDArray networkGradient, Gradient gradient,
                    int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
            if (networkGradient != layout.gradient()) {
                // the layers now write into another array: updating this layout's segments would apply stale values
                throw new IllegalStateException("Spectrum's compact updater does not own the network's gradient array"
                        + " any more: it was re-allocated outside Spectrum (e.g. by initGradientsView()); fit with an"
                        + " iterator so the listener re-applies its layout at the epoch start, or build the listener"
                        + " with optCompactGradient(false)");
            }
            Map<String, Gradient> layerGradients = new HashMap<>();
            for (Map.Entry<String, INDArray> e : gradient.gradientForVariable().entrySet()) {
                String key = e.getKey();
                int idx = key.lastIndexOf('_');
                if (idx < 0) {
                    throw new IllegalStateException("Invalid key: gradient key has no layer separator: \"" + key + "\"");
                }
                layerGradients.computeIfAbsent(key.substring(0, idx), k -> new DefaultGradient())
                        .setGradientFor(key.substring(idx + 1), e.getValue());
            }
            if (miniBatch) {
                for (INDArray a : divideByMinibatch) {
                    a.divi(batchSize);
                }
            }
            Map<String, Trainable> byName = updater.getLayersByName();
            for (Map.Entry<String, Gradient> e : layerGradients.entrySet()) {
                Trainable layer = byName.get(e.getKey());
                if (layer != null) {
                    updater.preApply(layer, e.getValue(), iteration);
                }
            }
            workspaceMgr.assertNotOpen(ArrayType.UPDATER_WORKING_MEM, "Updater working memory");
            for (UpdaterBlock ub : updater.getUpdaterBlocks()) {
                if (ub.skipDueToPretrainConfig(false)) {
                    continue;
                }
                try (MemoryWorkspace ws = workspaceMgr.notifyScopeEntered(ArrayType.UPDATER_WORKING_MEM)) {
                    ub.update(iteration, epoch);
                }
            }
        }
    }
}

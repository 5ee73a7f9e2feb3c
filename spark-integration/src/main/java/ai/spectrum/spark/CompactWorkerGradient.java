package ai.spectrum.spark;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Worker-side hook: before a worker network's first minibatch, switches it to Spectrum's compact gradient layout for
 * the freeze its broadcast configuration carries (see {@link SpectrumTrainingMaster.Builder#optCompactWorkerGradient}).
 */
final class CompactWorkerGradient implements TrainingHook {
    private static final long serialVersionUID = 1L;

    /** Worker networks already switched; per deserialized copy, and safe if local threads share one. */
    private transient Set<Model> done;

    private synchronized void apply(Model model) {
        if (done == null) {
            done = Collections.newSetFromMap(new WeakHashMap<>());
        }
        if (done.add(model)) {
            DriverSelection.installCompactGradient(model);
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        apply(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        apply(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}

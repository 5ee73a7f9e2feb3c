package ai.spectrum.arbiter;

import ai.spectrum.dl4j.PeakMemory;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * Watches one candidate's training: stops it on a non-finite loss and samples peak memory at iteration ends.
 * Sampling is two counter reads, cheap enough for every iteration.
 */
final class CandidateMonitor extends BaseTrainingListener {
    private volatile String failure;
    private double lastLoss = Double.NaN;
    private final PeakMemory memory = new PeakMemory();

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        double loss = model.score();
        lastLoss = loss;
        if (!Double.isFinite(loss) && failure == null) {
            failure = "training loss became " + loss + " at iteration " + iteration;
        }
        memory.sample();
    }

    boolean failed() {
        return failure != null;
    }

    String failure() {
        return failure;
    }

    double lastLoss() {
        return lastLoss;
    }

    long peakHeap() {
        return memory.peakHeapBytes();
    }

    long peakRss() {
        return memory.peakRssBytes();
    }
}

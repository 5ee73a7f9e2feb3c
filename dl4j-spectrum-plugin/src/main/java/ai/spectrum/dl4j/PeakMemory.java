package ai.spectrum.dl4j;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * Peak memory of this process during training, sampled after every backward pass (activations still alive), after
 * every iteration, at construction and on {@link #sample()}: the resident set (JavaCPP's
 * {@code Pointer.physicalBytes()}, which counts ND4J's native buffers), the Java heap in use, and the off-heap part
 * (resident set minus the committed heap). A sample is three counter reads, cheap enough for every iteration. Several
 * networks in one JVM share these figures, so they are indicative unless each configuration runs in its own JVM.
 *
 * <pre>{@code
 * PeakMemory memory = new PeakMemory();
 * net.addListeners(memory);
 * net.fit(data);
 * long peakRss = memory.peakRssBytes();
 * }</pre>
 */
public final class PeakMemory extends BaseTrainingListener {
    private long peakRss;
    private long peakHeap;
    private long peakOffHeap = Long.MIN_VALUE;

    /** A sampler that has taken its first sample. */
    public PeakMemory() {
        sample();
    }

    /** The process's resident set now, in bytes. */
    public static long rssBytes() {
        return Pointer.physicalBytes();
    }

    /** The resident set minus the committed Java heap now, in bytes. */
    public static long offHeapBytes() {
        return Pointer.physicalBytes() - Runtime.getRuntime().totalMemory();
    }

    /** Takes a sample now. */
    public void sample() {
        long rss = Pointer.physicalBytes();
        Runtime rt = Runtime.getRuntime();
        peakRss = Math.max(peakRss, rss);
        peakHeap = Math.max(peakHeap, rt.totalMemory() - rt.freeMemory());
        peakOffHeap = Math.max(peakOffHeap, rss - rt.totalMemory());
    }

    @Override
    public void onBackwardPass(Model model) {
        sample();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        sample();
    }

    /** The largest resident set sampled, in bytes. */
    public long peakRssBytes() {
        return peakRss;
    }

    /** The largest Java heap in use sampled, in bytes. */
    public long peakHeapBytes() {
        return peakHeap;
    }

    /** The largest resident set minus committed heap sampled, in bytes. */
    public long peakOffHeapBytes() {
        return peakOffHeap;
    }
}

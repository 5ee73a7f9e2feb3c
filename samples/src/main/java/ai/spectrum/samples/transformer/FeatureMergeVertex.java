package ai.spectrum.samples.transformer;

import org.deeplearning4j.nn.conf.graph.MergeVertex;

/**
 * Concatenation along the feature axis (2) of {@code [batch, time, features]} activations. DL4J M2.1's
 * {@link MergeVertex#clone()} drops the merge axis (so {@code TransferLearning} and {@code clone()} would merge
 * along time); this subclass keeps it.
 */
public final class FeatureMergeVertex extends MergeVertex {
    public FeatureMergeVertex() {
        setMergeAxis(2);
    }

    @Override
    public FeatureMergeVertex clone() {
        return new FeatureMergeVertex();
    }
}

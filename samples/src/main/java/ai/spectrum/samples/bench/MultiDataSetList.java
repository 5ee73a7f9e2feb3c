package ai.spectrum.samples.bench;

import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.List;

/** A synchronous, resettable iterator over fixed minibatches: one benchmark epoch. */
final class MultiDataSetList implements MultiDataSetIterator {
    private static final long serialVersionUID = 1L;
    private final List<? extends MultiDataSet> batches;
    private int next;

    MultiDataSetList(List<? extends MultiDataSet> batches) {
        this.batches = batches;
    }

    @Override
    public MultiDataSet next(int num) {
        return next();
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        throw new UnsupportedOperationException("no preprocessing in the benchmark");
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return null;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        next = 0;
    }

    @Override
    public boolean hasNext() {
        return next < batches.size();
    }

    @Override
    public MultiDataSet next() {
        return batches.get(next++);
    }
}

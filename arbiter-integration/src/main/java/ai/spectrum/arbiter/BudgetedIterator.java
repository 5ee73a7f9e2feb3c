package ai.spectrum.arbiter;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Wraps the training data so that {@code fit(iterator)} ends when the budget is used up (or training must stop):
 * {@link #hasNext()} turns false. Asynchronous prefetch is refused so the count of delivered minibatches is exact.
 */
final class BudgetedIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final transient DataSetIterator data;
    private final TrainingBudget budget;
    private final transient BooleanSupplier stop;
    private final long startNanos;
    private long delivered;

    BudgetedIterator(DataSetIterator data, TrainingBudget budget, BooleanSupplier stop, long startNanos) {
        this.data = data;
        this.budget = budget;
        this.stop = stop;
        this.startNanos = startNanos;
    }

    /** Minibatches handed out so far, over all epochs. */
    long delivered() {
        return delivered;
    }

    /** True once the budget is used up or the stop signal is set. */
    boolean finished() {
        return stop.getAsBoolean() || budget.exhausted(delivered, System.nanoTime() - startNanos);
    }

    @Override
    public boolean hasNext() {
        return !finished() && data.hasNext();
    }

    @Override
    public DataSet next() {
        delivered++;
        return data.next();
    }

    @Override
    public DataSet next(int num) {
        delivered++;
        return data.next(num);
    }

    @Override
    public int inputColumns() {
        return data.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return data.totalOutcomes();
    }

    @Override
    public boolean resetSupported() {
        return data.resetSupported();
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        if (data.resetSupported()) {
            data.reset();
        }
    }

    @Override
    public int batch() {
        return data.batch();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        data.setPreProcessor(preProcessor);
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return data.getPreProcessor();
    }

    @Override
    public List<String> getLabels() {
        return data.getLabels();
    }
}

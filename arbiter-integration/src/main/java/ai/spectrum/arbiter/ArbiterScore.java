package ai.spectrum.arbiter;

import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The {@link ScoreFunction} Arbiter's runner is configured with. The runner only asks it for the direction; the
 * scoring itself happens in {@link SpectrumTaskCreator} with the wrapped {@link SweepScore}.
 */
@SuppressWarnings("deprecation") // ScoreFunction still declares the DataProvider variant
final class ArbiterScore implements ScoreFunction {
    private static final long serialVersionUID = 1L;

    private final boolean minimize;
    private final String name;

    ArbiterScore(SweepScore score) {
        this.minimize = score.minimize();
        this.name = score.name();
    }

    @Override
    public double score(Object model, DataProvider dataProvider, Map<String, Object> dataParameters) {
        throw new UnsupportedOperationException("scored by SpectrumTaskCreator with " + name);
    }

    @Override
    public double score(Object model, Class<? extends DataSource> dataSource, Properties dataSourceProperties) {
        throw new UnsupportedOperationException("scored by SpectrumTaskCreator with " + name);
    }

    @Override
    public boolean minimize() {
        return minimize;
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return List.of(MultiLayerNetwork.class, ComputationGraph.class);
    }

    @Override
    public List<Class<?>> getSupportedDataTypes() {
        return List.of(DataSetIterator.class);
    }

    @Override
    public String toString() {
        return name;
    }
}

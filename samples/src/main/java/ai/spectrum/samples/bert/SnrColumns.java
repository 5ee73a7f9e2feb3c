package ai.spectrum.samples.bert;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.samples.bert.ExperimentResult.SnrColumn;
import ai.spectrum.training.SelectionEvent;
import ai.spectrum.training.SpectrumListener;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The heatmap columns of a run: SNR of every module, from an analyzer pass or from the selector's selections. */
final class SnrColumns {
    private SnrColumns() {
    }

    /** SNR of every module now; trained = the selector's current set, else every module the updater updates. */
    static SnrColumn analyze(SpectrumAnalyzer analyzer, ComputationGraph graph, SpectrumListener selector, int step) {
        Set<String> updated = RunCost.updatedParameters(graph);
        Map<String, Double> values = new LinkedHashMap<>();
        Set<String> trained = new LinkedHashSet<>();
        for (NetworkWeights.Entry e : Dl4jNetwork.of(graph).weights().entries()) {
            String name = e.info().name();
            values.put(name, analyzer.score(name, e.info().type(), e.array()).snr());
            boolean isTrained = selector != null ? selector.selected().contains(name)
                    : updated.contains(e.layer() + "_" + e.paramKey());
            if (isTrained) {
                trained.add(name);
            }
        }
        return new SnrColumn(step, "analyzer", values, trained);
    }

    /** One column per (re-)selection the selector made, with its scores and selected set. */
    static List<SnrColumn> fromSelections(SpectrumListener selector) {
        List<SnrColumn> columns = new ArrayList<>();
        for (SelectionEvent e : selector.history()) {
            columns.add(new SnrColumn(e.iteration(), "selection", e.scores(), e.selected()));
        }
        return columns;
    }
}

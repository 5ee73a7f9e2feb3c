package ai.spectrum.selection;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SnrRule;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.analysis.WeightInfo;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnrStrategyTests {

    private static NetworkWeights weights(Map<String, String> typeByName) {
        List<NetworkWeights.Entry> entries = new ArrayList<>();
        typeByName.forEach((name, type) -> entries.add(new NetworkWeights.Entry(
                new WeightInfo(name, type, new long[]{2, 2}), name, "W", Nd4j.eye(2))));
        return NetworkWeights.of("m", entries);
    }

    @Test
    @DisplayName("marks the modules whose first-pass score is too close to another of their type to be ordered")
    void closePairsWithinAType() {
        Map<String, String> types = new LinkedHashMap<>();
        types.put("a1", "a");
        types.put("a2", "a");
        types.put("a3", "a");
        types.put("b1", "b");
        types.put("b2", "b");
        Map<String, Double> scores = Map.of("a1", 1.0, "a2", 1.0 + 1e-8, "a3", 2.0, "b1", 1.0, "b2", Double.NaN);
        assertEquals(Set.of("a1", "a2"), Strategies.Snr.tooCloseToOrder(weights(types), scores, 1e-7));
        Map<String, Double> apart = Map.of("a1", 1.0, "a2", 1.0 + 1e-6, "a3", 2.0, "b1", 1.0, "b2", Double.NaN);
        assertEquals(Set.of(), Strategies.Snr.tooCloseToOrder(weights(types), apart, 1e-7));
    }

    @Test
    @DisplayName("ranks every type exactly as the analyzer's strict tolerance does, each score within 1e-7 of it")
    void sameRankingAsStrictAnalysis() {
        Nd4j.getRandom().setSeed(3);
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            // per-column log-normal scales (as trained weights have) plus a rank-4 signal
            INDArray m = Nd4j.randn(DataType.FLOAT, 96, 160)
                    .muliRowVector(Transforms.exp(Nd4j.randn(DataType.FLOAT, 1, 160).muli(0.8), false))
                    .addi(Nd4j.randn(DataType.FLOAT, 96, 4).mmul(Nd4j.randn(DataType.FLOAT, 4, 160)).muli(0.3 * i));
            arrays.put("layers." + i + ".mlp.down_proj", m);
        }
        arrays.put("layers.4.mlp.down_proj", arrays.get("layers.3.mlp.down_proj").dup()); // an exact tie
        NetworkWeights w = NetworkWeights.of("m", arrays);
        Map<String, Double> scores = SelectionStrategy.snr(SnrRule.CURRENT, 2)
                .choose(SelectionContext.of(w, 0, 0, 1)).scores();
        SpectrumAnalyzer strict = SpectrumAnalyzer.builder().build();
        Map<String, Double> exact = new HashMap<>();
        for (NetworkWeights.Entry e : w.entries()) {
            exact.put(e.info().name(), strict.score(e.info().name(), e.info().type(), e.array()).snr());
        }
        for (String k : exact.keySet()) {
            assertTrue(Math.abs(scores.get(k) - exact.get(k)) <= 1e-7 * Math.abs(exact.get(k)), k);
        }
        assertEquals(ranking(exact), ranking(scores));
        assertEquals(exact.get("layers.4.mlp.down_proj"), scores.get("layers.4.mlp.down_proj"),
                "a tie is scored with the strict tolerance");
    }

    private static List<String> ranking(Map<String, Double> scores) {
        List<String> names = new ArrayList<>(scores.keySet());
        names.sort(Comparator.comparing((String n) -> scores.get(n)).thenComparing(n -> n));
        return names;
    }
}

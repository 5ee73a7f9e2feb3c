package ai.spectrum.samples.bench;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.selection.SelectionContext;
import ai.spectrum.selection.SelectionStrategy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainBenchmarkTests {

    @Test
    @DisplayName("the command is named bench-train and documents --quick and --threads")
    void usage() {
        CommandLine cmd = new CommandLine(new TrainBenchmark());
        assertEquals("bench-train", cmd.getCommandName());
        StringWriter w = new StringWriter();
        cmd.setOut(new PrintWriter(w));
        assertEquals(0, cmd.execute("--help"));
        assertTrue(w.toString().contains("--quick") && w.toString().contains("--threads"), w.toString());
    }

    @Test
    @DisplayName("an unknown configuration is a usage error, not a crash")
    void unknownConfiguration() {
        CommandLine cmd = new CommandLine(new TrainBenchmark());
        cmd.setErr(new PrintWriter(new StringWriter()));
        assertNotEquals(0, cmd.execute("--child", "spectrum-75", "--quick"));
    }

    @Test
    @DisplayName("--selection-only needs the transformer or a zoo model")
    void selectionOnlyNeedsTransformer() {
        CommandLine cmd = new CommandLine(new TrainBenchmark());
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        assertEquals(2, cmd.execute("--selection-only", "--quick"));
        assertTrue(err.toString().contains("--selection-only needs --model transformer, vgg16 or alexnet"), err.toString());
    }

    @ParameterizedTest(name = "--model {0}")
    @ValueSource(strings = {"vgg16", "alexnet"})
    @DisplayName("a zoo model is timed for its selection only, so it needs --selection-only")
    void zooModelsNeedSelectionOnly(String model) {
        CommandLine cmd = new CommandLine(new TrainBenchmark());
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        assertEquals(2, cmd.execute("--model", model));
        assertTrue(err.toString().contains("--model " + model + " needs --selection-only"), err.toString());
    }

    /** Records the modules the wrapped strategy has to analyse (no reusable score offered). */
    private record Recording(SelectionStrategy inner, List<String> analysed) implements SelectionStrategy {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Choice choose(SelectionContext context) {
            for (NetworkWeights.Entry e : context.weights().entries()) {
                if (!context.frozenScores().containsKey(e.info().name())) {
                    analysed.add(e.info().name());
                }
            }
            return inner.choose(context);
        }
    }

    @Test
    @DisplayName("the transformer bench's strategy scores embeddings NaN without analysing them, others as SNR")
    void embeddingsNotAnalysed() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("in")
                .addLayer("embeddings.word_embeddings", new DenseLayer.Builder().nIn(12).nOut(6).build(), "in")
                .addLayer("encoder.layer.0.dense", new DenseLayer.Builder().nIn(6).nOut(5).build(),
                        "embeddings.word_embeddings")
                .addLayer("head", new OutputLayer.Builder().nIn(5).nOut(3).build(), "encoder.layer.0.dense")
                .setOutputs("head").build());
        g.init();
        SelectionContext context = SelectionContext.of(Dl4jNetwork.of(g).weights(), 0, 0, 1);
        List<String> analysed = new ArrayList<>();
        Map<String, Double> scores = new TransformerWorkload.WithoutEmbeddings(
                new Recording(SelectionStrategy.snr(), analysed)).choose(context).scores();
        assertEquals(List.of("encoder.layer.0.dense", "head"), analysed);
        Map<String, Double> snr = SelectionStrategy.snr().choose(context).scores();
        assertTrue(scores.get("embeddings.word_embeddings").isNaN(), scores.toString());
        assertEquals(snr.get("encoder.layer.0.dense"), scores.get("encoder.layer.0.dense"));
        assertEquals(snr.get("head"), scores.get("head"));
    }

    @Test
    @DisplayName("the benchmark network has ≥ 12 weight layers of two module types with residual vertices")
    void networkShape() {
        TrainBenchmark.Sizes s = new TrainBenchmark.Sizes(8, 8, 6, 4, 2, 2, 3);
        ComputationGraph g = TrainBenchmark.network(s, 1);
        var entries = Dl4jNetwork.of(g).weights().entries();
        assertEquals(14, entries.size());
        Set<String> types = new HashSet<>();
        entries.forEach(e -> types.add(e.info().type()));
        assertTrue(types.containsAll(Set.of("mlp.up_proj", "mlp.down_proj")), types.toString());
        assertEquals(6, g.getConfiguration().getVertices().keySet().stream().filter(k -> k.endsWith("residual"))
                .count());
    }
}

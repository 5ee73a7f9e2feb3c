package ai.spectrum.samples.bench;

import ai.spectrum.dl4j.Dl4jNetwork;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashSet;
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

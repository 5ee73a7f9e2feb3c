package ai.spectrum.samples.sweep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepSampleTests {
    @Test
    void sweepsTheGivenTopPercentsAndThresholdsAndWritesTheReports(@TempDir Path dir) throws IOException {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new SweepSample());
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("--out", dir.toString(), "--iterations", "3", "--train-examples", "256",
                "--top-percent", "50,100", "--thresholds", "none,0.0");
        assertEquals(0, exit, out::toString);
        List<String> rows = out.toString().lines().filter(l -> l.matches("\\| \\d+ \\|.*")).toList();
        assertEquals(4, rows.size(), out::toString);
        assertTrue(rows.get(0).startsWith("| 0 | completed | 50 | none | "), rows.get(0));
        assertTrue(rows.get(3).startsWith("| 3 | completed | 100 | 0.000 | "), rows.get(3));
        assertEquals(5, Files.readAllLines(dir.resolve("sweep.csv")).size(), "header and four candidates");
        assertTrue(Files.readString(dir.resolve("sweep.html")).contains("<svg"));
        assertTrue(Files.exists(dir.resolve("sweep.json")));
    }

    @Test
    void aRandomSearchRunsTheRequestedNumberOfCandidates(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new SweepSample());
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("--out", dir.toString(), "--iterations", "2", "--train-examples", "128",
                "--thresholds", "none", "--random", "2", "--seconds-per-candidate", "600");
        assertEquals(0, exit, out::toString);
        List<String> rows = out.toString().lines().filter(l -> l.matches("\\| \\d+ \\|.*")).toList();
        assertEquals(2, rows.size(), out::toString);
        for (String row : rows) {
            double top = Double.parseDouble(row.split("\\|")[3].strip());
            assertTrue(top >= 10 && top <= 100, row);
        }
    }

    @Test
    void autoThresholdsAreNoneAndTwoSnrQuantilesOfTheInitialNetwork() throws IOException {
        SweepSample sample = new SweepSample();
        new CommandLine(sample).parseArgs();
        double[] t = sample.minSnrs();
        assertEquals(3, t.length);
        assertEquals(Double.NEGATIVE_INFINITY, t[0]);
        assertTrue(t[1] > 0 && t[1] <= t[2], () -> java.util.Arrays.toString(t));
    }
}

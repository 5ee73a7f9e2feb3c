package ai.spectrum.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Functional checks of the benchmark command (no timing is asserted). */
class BenchSvdCommandTests {
    @TempDir
    Path dir;

    @Test
    void itReportsARatioAfterCheckingBothSidesAgree() {
        Path npz = TestResources.copy("/reference/vectors_a.npz", dir);
        CommandRun run = CommandRun.of("bench-svd", "--model", npz.toString(), "--warmup", "0", "--reps", "1");
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("matrices=11 "), run.out()); // 12 arrays, one of them 1-D
        assertTrue(run.out().lines().anyMatch(l -> l.matches("analyzer_vs_numpy_ratio=\\d+\\.\\d{3}")), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.matches(".*sigma_max_max_rel_diff=\\d\\.\\d\\de-\\d+")),
                run.out());
    }

    @Test
    void aMissingPythonIsReportedInOneLine() {
        Path npz = TestResources.copy("/reference/vectors_a.npz", dir);
        CommandRun run = CommandRun.of("bench-svd", "--model", npz.toString(), "--python",
                dir.resolve("no-python").toString(), "--reps", "1");
        assertEquals(ExitCodes.BASELINE_UNAVAILABLE, run.code(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.errLines().get(0).contains("no-python"), run::toString);
    }
}

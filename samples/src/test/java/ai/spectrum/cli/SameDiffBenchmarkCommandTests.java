package ai.spectrum.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code bench-samediff} command's registration and option checks (its runs are benchmarks, not tests). */
class SameDiffBenchmarkCommandTests {

    @Test
    @DisplayName("is a subcommand of spectrum")
    void isRegistered() {
        CommandRun run = CommandRun.of("--help");
        assertEquals(ExitCodes.OK, run.code(), run.toString());
        assertTrue(run.out().contains("bench-samediff"), run.toString());
    }

    @Test
    @DisplayName("rejects fewer than two steps before loading anything")
    void rejectsTooFewSteps() {
        CommandRun run = CommandRun.of("bench-samediff", "--steps", "1");
        assertEquals(ExitCodes.USAGE, run.code(), run.toString());
        assertTrue(run.err().contains("--steps ≥ 2"), run.toString());
    }

    @Test
    @DisplayName("rejects a re-selection interval below one")
    void rejectsZeroInterval() {
        CommandRun run = CommandRun.of("bench-samediff", "--reselect-every", "0");
        assertEquals(ExitCodes.USAGE, run.code(), run.toString());
        assertTrue(run.err().contains("--reselect-every ≥ 1"), run.toString());
    }
}

package ai.spectrum.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Functional check of {@code bench-scan} on the small test shape (no timing is asserted). */
class BenchScanCommandTests {
    @TempDir
    Path dir;

    @Test
    void itWritesTheCheckpointRunsBothProcessesAndReportsRatiosAndAgreement() {
        Path checkpoint = dir.resolve("ck");
        CommandRun run = CommandRun.of("bench-scan", "--shape", "llama-tiny", "--checkpoint", checkpoint.toString(),
                "--single-size", "300");
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(Files.exists(checkpoint.resolve("model.safetensors.index.json")), run::toString);
        assertTrue(run.out().contains("modules_compared=15 "), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.matches("scan_vs_numpy_time_ratio=\\d+\\.\\d{3}")), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.matches("java_seconds=.* java_peak_rss_mib=\\d+")), run.out());
        // numpy's float32 SVD against the float64 scan: agreement to float32 accuracy, not better
        String diff = run.out().lines().filter(l -> l.contains("snr_max_rel_diff_vs_numpy_float32=")).findFirst()
                .orElseThrow();
        double d = Double.parseDouble(diff.substring(diff.indexOf('=', diff.indexOf("snr_max")) + 1));
        assertTrue(d < 1e-5, diff);
        assertTrue(run.out().contains("same SNR bits: true"), run.out());
    }
}

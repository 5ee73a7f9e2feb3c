package ai.spectrum.report;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.ScanProgress;
import ai.spectrum.analysis.ScanResult;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.selection.SpectrumSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScanReportTests {
    @Test
    void reportWithStatisticsSelectionAndProvenanceRoundTripsThroughJson(@TempDir Path dir) throws IOException {
        Nd4j.getRandom().setSeed(3);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> m = new LinkedHashMap<>();
        m.put("blocks.0.q", Nd4j.randn(DataType.FLOAT, 16, 16));
        m.put("blocks.1.q", Nd4j.randn(DataType.FLOAT, 16, 16));
        m.put("norm", Nd4j.rand(DataType.FLOAT, 16)); // 1×16: every value is signal → +∞ under ref2024
        ScanResult scan = SpectrumAnalyzer.builder().optRule(ai.spectrum.analysis.SnrRule.REF2024).build()
                .scan(NetworkWeights.of("tiny", m), ScanProgress.NOOP);
        ScanReport report = new ScanReport(scan, SpectrumSelector.builder().optTopPercent(50).build()
                .select(scan.scores()));
        assertTrue(Double.isInfinite(scan.scores().get(2).snr()));

        ScanReport back = ScanReport.read(report.write(dir, "tiny"));

        assertEquals(report, back);
        assertEquals(scan.provenance(), back.scan().provenance());
    }

    @Test
    void garbageIsRejectedAsNotAReport() {
        IOException e = assertThrows(IOException.class, () -> ScanReport.fromJson("{\"scan\": 3}"));
        assertTrue(e.getMessage().startsWith("not a Spectrum scan report"), e.getMessage());
    }
}

package ai.spectrum.cli;

import ai.spectrum.analysis.ModuleScore;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressModeTests {
    @Test
    void theBarAdvancesByEachModulesShareOfTheWorkAndNamesTheModuleApartFromTheCounts() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (ProgressMode.Bar bar = ProgressMode.ALWAYS.open("scan", stream)) {
            bar.started(3, 1000);
            bar.moduleDone(ModuleScore.ofValue("emb", "emb", 0.1), 1, 3, 900);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        // one module of three, but 90% of the arithmetic
        assertTrue(out.contains("90/100%"), out);
        assertTrue(out.contains(" 1/3 modules, last: emb"), out);
    }
}

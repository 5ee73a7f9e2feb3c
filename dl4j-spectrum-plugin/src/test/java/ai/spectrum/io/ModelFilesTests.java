package ai.spectrum.io;

import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.TestModelFiles.Raw;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static ai.spectrum.io.TestModelFiles.f32;
import static ai.spectrum.io.TestModelFiles.ordered;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFilesTests {
    @TempDir
    Path dir;

    @Test
    void aMissingFileIsNamedInTheError() {
        Path f = dir.resolve("absent.safetensors");
        String m = assertThrows(ModelFormatException.class, () -> ModelFiles.open(f, false)).getMessage();
        assertTrue(m.contains("absent.safetensors") && m.contains("no such file"), m);
    }

    @Test
    void anUnknownExtensionListsTheSupportedFormats() throws IOException {
        Path f = Files.writeString(dir.resolve("model.bin"), "x");
        String m = assertThrows(ModelFormatException.class, () -> ModelFiles.open(f, false)).getMessage();
        assertTrue(m.contains("unknown model format") && m.contains(".safetensors"), m);
    }

    @Test
    void aDirectoryWithOneSafetensorsFileIsNamedAfterTheDirectory() throws IOException {
        Path model = Files.createDirectories(dir.resolve("my-model"));
        TestModelFiles.writeSafetensors(model.resolve("model.safetensors"),
                ordered(Map.entry("w.weight", new Raw("F32", new long[]{2, 2}, f32(1, 2, 3, 4)))));
        try (WeightSource s = ModelFiles.open(model, false)) {
            assertEquals("my-model", s.modelId());
            assertEquals(1, s.weights().size());
        }
    }

    @Test
    void anEmptyDirectoryIsRejected() {
        String m = assertThrows(ModelFormatException.class, () -> ModelFiles.open(dir, false)).getMessage();
        assertTrue(m.contains("0 .safetensors files"), m);
    }
}

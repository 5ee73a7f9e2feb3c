package ai.spectrum.cli;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.ScanProgress;
import ai.spectrum.analysis.ScanResult;
import ai.spectrum.analysis.SpectralStats;
import ai.spectrum.analysis.SpectrumAnalyzer;
import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.ModelFiles;
import ai.spectrum.io.ScanJournal;
import ai.spectrum.report.ScanReport;
import ai.spectrum.samples.bench.CheckpointShape;
import ai.spectrum.samples.bench.SyntheticCheckpoint;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static ai.spectrum.cli.TestResources.close;
import static ai.spectrum.cli.TestResources.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code spectrum scan} of a small sharded bf16 checkpoint with Llama's tensor names ({@code llama-tiny}: 3 shards,
 * 15 matrices up to 600×288, so Gram tiles and slabs both have partial ends), written by {@link SyntheticCheckpoint}.
 * Reference values: {@code /reference/llama_tiny.expected.json}, from numpy float64 {@code svd} by
 * {@code reference_scan.py --dtype float64} on the same files (command in the file).
 */
class CheckpointScanTests {
    @TempDir
    static Path dir;
    private static Path checkpoint;
    private static JsonNode expected;

    @BeforeAll
    static void writeCheckpoint() throws IOException {
        checkpoint = SyntheticCheckpoint.write(CheckpointShape.named("llama-tiny"), dir.resolve("llama-tiny"), 1, 2);
        expected = json(TestResources.copy("/reference/llama_tiny.expected.json", dir));
    }

    private Path copyOfCheckpoint(String name) throws IOException {
        Path copy = Files.createDirectories(dir.resolve(name));
        try (var files = Files.list(checkpoint.getParent())) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    private static List<ModuleScore> scores(Path out) {
        try {
            return ScanReport.read(out.resolve("spectrum_scan_llama-tiny.json")).scan().scores();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Nested
    class ReferenceValues {
        @Test
        void theGeneratorWritesTheSameBytesAsWhenTheReferenceWasComputed() throws Exception {
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.get("sha256").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                byte[] digest = MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(checkpoint.getParent().resolve(e.getKey())));
                assertEquals(e.getValue().asText(), HexFormat.of().formatHex(digest), e.getKey()
                        + " changed: regenerate the reference with " + expected.get("generated_by").asText());
            }
        }

        @Test
        void aShardedBf16CheckpointScansToTheNumpyFloat64Values() {
            Path out = dir.resolve("out-reference");
            CommandRun run = CommandRun.of("scan", checkpoint.toString(), "--out", out.toString(), "--progress",
                    "never");
            assertEquals(ExitCodes.OK, run.code(), run::toString);
            List<ModuleScore> scores = scores(out);
            JsonNode modules = expected.get("modules");
            assertEquals(modules.size(), scores.size());
            for (ModuleScore sc : scores) {
                JsonNode want = modules.get(sc.name());
                SpectralStats st = sc.stats().orElseThrow();
                assertEquals(want.get("rows").asLong(), st.rows(), sc.name());
                assertEquals(want.get("cols").asLong(), st.cols(), sc.name());
                assertEquals(want.get("n_signal").asInt(), st.nSignal(), sc.name());
                for (String[] f : new String[][]{{"snr", "snr"}, {"sigma_max", "sigmaMax"}, {"tau", "tau"}}) {
                    double got = switch (f[1]) {
                        case "snr" -> st.snr();
                        case "sigmaMax" -> st.sigmaMax();
                        default -> st.tau();
                    };
                    double w = want.get(f[0]).asDouble();
                    assertTrue(close(got, w, 1e-9), sc.name() + " " + f[0] + ": got " + got + ", numpy " + w);
                }
            }
            assertFalse(Files.exists(out.resolve("spectrum_scan_llama-tiny.journal")),
                    "the journal is deleted once the results are written");
        }

        @Test
        void everyThreadCountGivesBitwiseIdenticalResults() {
            List<List<ModuleScore>> runs = new ArrayList<>();
            for (String threads : List.of("1", "2", "3")) {
                Path out = dir.resolve("out-threads-" + threads);
                CommandRun run = CommandRun.of("scan", checkpoint.toString(), "--out", out.toString(), "--threads",
                        threads, "--progress", "never");
                assertEquals(ExitCodes.OK, run.code(), run::toString);
                runs.add(scores(out));
            }
            assertEquals(runs.get(0), runs.get(1));
            assertEquals(runs.get(0), runs.get(2));
        }
    }

    @Nested
    class BadShards {
        @Test
        void aShardMissingFromTheIndexIsOneClearLine() throws IOException {
            Path copy = copyOfCheckpoint("missing-shard");
            Files.delete(copy.resolve("model-00002-of-00003.safetensors"));
            assertOneLineFailure(CommandRun.of("scan", copy.toString(), "--out", dir.resolve("o1").toString()),
                    "model-00002-of-00003.safetensors", "does not exist");
        }

        @Test
        void aTruncatedShardIsOneClearLine() throws IOException {
            Path copy = copyOfCheckpoint("truncated-shard");
            try (RandomAccessFile raf = new RandomAccessFile(copy.resolve("model-00003-of-00003.safetensors").toFile(),
                    "rw")) {
                raf.setLength(raf.length() - 1000);
            }
            assertOneLineFailure(CommandRun.of("scan", copy.toString(), "--out", dir.resolve("o2").toString()),
                    "model-00003-of-00003.safetensors", "truncated");
        }

        @Test
        void aMatrixOfADtypeItDoesNotReadIsOneClearLine() throws IOException {
            String header = "{\"w.weight\":{\"dtype\":\"F8_E4M3\",\"shape\":[2,4],\"data_offsets\":[0,8]}}";
            byte[] h = header.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
            Path f = Files.write(dir.resolve("fp8.safetensors"), b.array());
            assertOneLineFailure(CommandRun.of("scan", f.toString(), "--out", dir.resolve("o3").toString()),
                    "fp8.safetensors", "w.weight", "dtype F8_E4M3");
        }

        private void assertOneLineFailure(CommandRun run, String... mustContain) {
            assertEquals(ExitCodes.BAD_INPUT, run.code(), run::toString);
            assertEquals(1, run.errLines().size(), run::toString);
            String line = run.errLines().get(0);
            for (String s : mustContain) {
                assertTrue(line.contains(s), () -> "'" + s + "' missing from: " + line);
            }
            assertFalse(line.contains("Exception"), line);
        }
    }

    @Nested
    class Resume {
        /** Stops the scan after {@code limit} modules, as a crash would. */
        private static final class Crash implements ScanProgress {
            private final int limit;
            private final AtomicInteger seen = new AtomicInteger();

            Crash(int limit) {
                this.limit = limit;
            }

            @Override
            public void moduleDone(ModuleScore score, int done, int total) {
                if (seen.incrementAndGet() >= limit) {
                    throw new IllegalStateException("simulated crash");
                }
            }
        }

        @Test
        void anInterruptedScanResumedEqualsAnUninterruptedOne() throws IOException {
            SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().optThreads(2).optSnrTolerance(1e-7).build();
            Map<String, String> fp = Map.of("rule", "current", "model", checkpoint.toString());
            Path file = dir.resolve("resume").resolve("scan.journal");
            ScanResult whole;
            try (WeightSource source = ModelFiles.open(checkpoint, false)) {
                whole = analyzer.scan(source, ScanProgress.NOOP);
                try (ScanJournal journal = ScanJournal.open(file, fp)) {
                    assertThrows(IllegalStateException.class, () -> analyzer.scan(source,
                            ScanProgress.both(journal, new Crash(5)), journal.completed()));
                }
                // a crash while writing leaves half a line
                Files.writeString(file, "{\"name\":\"model.la", java.nio.file.StandardOpenOption.APPEND);
                AtomicInteger analysed = new AtomicInteger();
                ScanResult resumed;
                try (ScanJournal journal = ScanJournal.open(file, fp)) {
                    assertTrue(journal.completed().size() >= 5, "journal kept " + journal.completed().size());
                    resumed = analyzer.scan(source, ScanProgress.both(journal, new ScanProgress() {
                        @Override
                        public void moduleDone(ModuleScore score, int done, int total) {
                            analysed.incrementAndGet();
                        }
                    }), journal.completed());
                    assertEquals(whole.scores().size() - journal.completed().size(), analysed.get(),
                            "only the modules missing from the journal are analysed");
                }
                assertEquals(whole.scores(), resumed.scores());
                try (ScanJournal other = ScanJournal.open(file, Map.of("rule", "ref2024", "model",
                        checkpoint.toString()))) {
                    assertTrue(other.completed().isEmpty(), "other settings start over");
                }
            }
        }

        @Test
        void theCommandResumesFromItsJournalAfterAFailedRun() throws IOException {
            Path whole = dir.resolve("out-whole");
            assertEquals(ExitCodes.OK, CommandRun.of("scan", checkpoint.toString(), "--out", whole.toString(),
                    "--progress", "never").code());
            Path out = dir.resolve("out-resume");
            // the results file cannot be written: the run fails after every module is journaled
            Path blocker = Files.createDirectories(out.resolve("snr_results_llama-tiny.json"));
            CommandRun failed = CommandRun.of("scan", checkpoint.toString(), "--out", out.toString(), "--progress",
                    "never");
            assertEquals(ExitCodes.OUTPUT_ERROR, failed.code(), failed::toString);
            Files.delete(blocker);
            Path journal = out.resolve("spectrum_scan_llama-tiny.journal");
            List<String> lines = Files.readAllLines(journal);
            assertEquals(1 + 15, lines.size(), "fingerprint and 15 modules");
            Files.write(journal, lines.subList(0, 1 + 6));
            CommandRun resumed = CommandRun.of("scan", checkpoint.toString(), "--out", out.toString(), "--progress",
                    "never");
            assertEquals(ExitCodes.OK, resumed.code(), resumed::toString);
            assertTrue(resumed.out().startsWith("resuming: 6 modules already scored"), resumed::toString);
            assertEquals(scores(whole), scores(out));
            assertFalse(Files.exists(journal));
        }
    }
}

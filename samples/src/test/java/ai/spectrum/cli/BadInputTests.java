package ai.spectrum.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad input ends with a non-zero exit code and exactly one line on stderr naming the problem. */
class BadInputTests {
    @TempDir
    static Path dir;

    private static void assertOneLineFailure(CommandRun run, int code, String... mustContain) {
        assertEquals(code, run.code(), run::toString);
        assertEquals(1, run.errLines().size(), () -> "expected one line on stderr: " + run);
        String line = run.errLines().get(0);
        assertTrue(line.startsWith("spectrum"), line);
        for (String s : mustContain) {
            assertTrue(line.contains(s), () -> "'" + s + "' missing from: " + line);
        }
        assertFalse(line.contains("Exception") || line.contains("\tat "), line);
        assertTrue(run.out().isEmpty(), run::toString);
    }

    /** A .npy (format 1.0, little-endian float32, C order) holding {@code values} as a rows×cols matrix. */
    private static byte[] npy(int rows, int cols, float[] values) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        dict = String.format("%-117s\n", dict); // 10 + 118 = 128 bytes before the data
        ByteBuffer b = ByteBuffer.allocate(10 + dict.length() + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) dict.length());
        b.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static Path npz(String name, float[] values) throws IOException {
        Path f = dir.resolve(name);
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new java.util.zip.ZipEntry("model.layers.0.mlp.up_proj.npy"));
            z.write(npy(4, 6, values));
            z.closeEntry();
        }
        return f;
    }

    private static float[] gaussian(int n) {
        Random r = new Random(5);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @BeforeAll
    static void fixtures() throws IOException {
        npz("good.npz", gaussian(24));
        float[] nan = gaussian(24);
        nan[7] = Float.NaN;
        npz("nan.npz", nan);
        float[] inf = gaussian(24);
        inf[3] = Float.NEGATIVE_INFINITY;
        npz("inf.npz", inf);
        npz("zero.npz", new float[24]);
    }

    @Nested
    class ModelFiles {
        @Test
        void aMissingModelIsNamed() {
            assertOneLineFailure(CommandRun.of("scan", dir.resolve("absent.safetensors").toString()),
                    ExitCodes.BAD_INPUT, "absent.safetensors", "no such file");
        }

        @Test
        void aTruncatedModelIsReportedAsSuch() throws IOException {
            Path f = Files.copy(dir.resolve("good.npz"), dir.resolve("truncated.npz"));
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(raf.length() - 30);
            }
            assertOneLineFailure(CommandRun.of("scan", f.toString(), "--out", dir.toString()), ExitCodes.BAD_INPUT,
                    "truncated.npz", "truncated or corrupt");
        }

        @Test
        void aCorruptSafetensorsHeaderIsReported() throws IOException {
            byte[] b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(40).put("{\"w\": [oops"
                    .getBytes(StandardCharsets.UTF_8)).array();
            Path f = Files.write(dir.resolve("corrupt.safetensors"), b);
            assertOneLineFailure(CommandRun.of("scan", f.toString(), "--out", dir.toString()), ExitCodes.BAD_INPUT,
                    "corrupt.safetensors", "invalid JSON");
        }

        @Test
        void aCorruptOnnxFileIsReported() throws IOException {
            byte[] junk = new byte[200];
            new Random(9).nextBytes(junk);
            Path f = Files.write(dir.resolve("junk.onnx"), junk);
            CommandRun run = CommandRun.of("scan", f.toString(), "--out", dir.toString());
            assertOneLineFailure(run, ExitCodes.BAD_INPUT, "junk.onnx");
        }

        @Test
        void anUnknownFormatListsTheSupportedOnes() throws IOException {
            Path f = Files.writeString(dir.resolve("weights.pt"), "not a model");
            assertOneLineFailure(CommandRun.of("scan", f.toString()), ExitCodes.BAD_INPUT, "weights.pt",
                    "unknown model format", ".safetensors");
        }

        @Test
        void aCorruptResultsFileIsReportedBySelect() throws IOException {
            Path f = Files.writeString(dir.resolve("snr_results_x.json"), "{\"a\": {\"snr\": ");
            assertOneLineFailure(CommandRun.of("select", f.toString(), "--top-percent", "25", "--out",
                    dir.toString()), ExitCodes.BAD_INPUT, "snr_results_x.json");
            assertOneLineFailure(CommandRun.of("select", dir.resolve("nothing.json").toString(), "--top-percent",
                    "25"), ExitCodes.BAD_INPUT, "nothing.json");
        }
    }

    @Nested
    class Output {
        @Test
        void anUnwritableOutputDirectoryIsAnOutputError() throws IOException {
            Path notADir = Files.writeString(dir.resolve("occupied"), "a file, not a directory");
            assertOneLineFailure(CommandRun.of("scan", dir.resolve("good.npz").toString(), "--out",
                    notADir.toString()), ExitCodes.OUTPUT_ERROR, "cannot write results", "occupied");
        }
    }

    @Nested
    class Weights {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"nan.npz", "inf.npz"})
        void nonFiniteWeightsAreRejected(String file) {
            assertOneLineFailure(CommandRun.of("scan", dir.resolve(file).toString(), "--out", dir.toString()),
                    ExitCodes.BAD_INPUT, file, "model.layers.0.mlp.up_proj", "NaN or infinite");
        }

        @Test
        void anAllZeroMatrixIsRejected() {
            assertOneLineFailure(CommandRun.of("scan", dir.resolve("zero.npz").toString(), "--out", dir.toString()),
                    ExitCodes.BAD_INPUT, "zero.npz", "all zero");
        }

        @Test
        void lenientScansScoreDegenerateMatricesNaNAndSucceed() throws IOException {
            Path out = dir.resolve("lenient");
            CommandRun run = CommandRun.of("scan", dir.resolve("zero.npz").toString(), "--lenient", "--out",
                    out.toString());
            assertEquals(ExitCodes.OK, run.code(), run::toString);
            assertTrue(Files.readString(out.resolve("snr_results_zero.json")).contains("\"snr\": NaN"));
        }
    }

    @Nested
    class Options {
        @ParameterizedTest(name = "--top-percent {0}")
        @ValueSource(strings = {"0", "-5", "100.5", "150", "NaN", "abc"})
        void aPercentOutsideTheRangeIsAUsageError(String percent) {
            assertOneLineFailure(CommandRun.of("scan", dir.resolve("good.npz").toString(), "--top-percent", percent),
                    ExitCodes.USAGE, "--top-percent", percent);
            assertOneLineFailure(CommandRun.of("select", "x.json", "--top-percent", percent), ExitCodes.USAGE,
                    "--top-percent");
        }

        @Test
        void anUnknownRuleIsAUsageError() {
            assertOneLineFailure(CommandRun.of("scan", dir.resolve("good.npz").toString(), "--rule", "2023"),
                    ExitCodes.USAGE, "2023", "current or ref2024");
        }

        @Test
        void anUnknownSubcommandIsAUsageError() {
            assertOneLineFailure(CommandRun.of("frobnicate"), ExitCodes.USAGE, "frobnicate");
        }

        @Test
        void theBoundaryPercentIsAccepted() {
            CommandRun run = CommandRun.of("scan", dir.resolve("good.npz").toString(), "--top-percent", "100",
                    "--out", dir.resolve("full").toString());
            assertEquals(ExitCodes.OK, run.code(), run::toString);
            assertTrue(run.err().isEmpty(), run::toString);
        }
    }
}

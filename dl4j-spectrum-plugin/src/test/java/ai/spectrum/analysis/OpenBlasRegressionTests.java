package ai.spectrum.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenBLAS 0.3.19 bundled with ND4J 1.0.0-M2.1 returns wrong float64 singular values for non-square matrices
 * with its SkylakeX kernels (measured here: σ_max 1130.9 instead of 102.5 on 1024×4096). The build pins 0.3.21;
 * this guards the pin. Run with {@code -Dopenblas.version=0.3.19-1.5.7 -Djavacpp.version=1.5.7} to see it fail.
 */
class OpenBlasRegressionTests {

    /** Largest |gesvd − Gram| / σ_max over all singular values of a seeded 1024×4096 float64 matrix. */
    static double gesvdErrorOnWideMatrix() {
        Nd4j.getRandom().setSeed(20240611);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 1024, 4096);
        // raw LAPACK call, bypassing SingularValues' own Frobenius self-check, so a faulty build shows up here
        INDArray s = Nd4j.create(DataType.DOUBLE, 1024);
        Nd4j.getBlasWrapper().lapack().gesvd(w.dup('f'), s, null, null);
        double[] gesvd = s.toDoubleVector();
        java.util.Arrays.sort(gesvd);
        double[] gram = SingularValues.of(w, SvdMethod.GRAM);
        double worst = 0;
        for (int i = 0; i < gram.length; i++) {
            worst = Math.max(worst, Math.abs(gram[i] - gesvd[gesvd.length - 1 - i]) / gram[0]);
        }
        return worst;
    }

    /** Entry point of the child JVM: prints the error. */
    public static void main(String[] args) {
        System.out.println("gesvd_error=" + gesvdErrorOnWideMatrix());
    }

    @Test
    void float64GesvdOnAWideMatrixIsCorrectWithTheAmbientKernel() {
        assertEquals(0, gesvdErrorOnWideMatrix(), 1e-9);
    }

    /**
     * The fault appears only with OpenBLAS's SkylakeX (AVX-512) kernels; machines here may select another kernel
     * through OPENBLAS_CORETYPE, so a child JVM forces SkylakeX for this one check, where the CPU can run it.
     */
    @Test
    @EnabledIf("cpuHasAvx512")
    void float64GesvdOnAWideMatrixIsCorrectWithTheSkylakeXKernel() throws Exception {
        Path out = Files.createTempFile("gesvd-check", ".txt");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OpenBlasRegressionTests.class.getName())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("OPENBLAS_CORETYPE", "SkylakeX");
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child JVM did not finish");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        assertEquals(0, p.exitValue(), text);
        String line = text.lines().filter(l -> l.startsWith("gesvd_error=")).findFirst()
                .orElseThrow(() -> new AssertionError("no result from child JVM:\n" + text));
        assertEquals(0, Double.parseDouble(line.substring("gesvd_error=".length())), 1e-9, line);
    }

    static boolean cpuHasAvx512() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        return Files.isReadable(cpuinfo) && Files.readString(cpuinfo).contains(" avx512f");
    }
}

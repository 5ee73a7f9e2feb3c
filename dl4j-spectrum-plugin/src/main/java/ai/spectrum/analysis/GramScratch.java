package ai.spectrum.analysis;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * A thread's reusable float64 buffers for {@link SingularValues#gram}: slab blocks, Gram tiles and the assembled
 * Gram matrix. On these machines first-touch allocation of off-heap memory costs more than the arithmetic (about
 * 370 ms for 94 MB), so buffers grow to the largest matrix seen and are reused until {@link #release()}. Buffers are
 * outside any workspace and start at offset 0, as the BLAS calls of {@link Level3Blas} need.
 */
final class GramScratch {
    private static final ThreadLocal<GramScratch> CURRENT = ThreadLocal.withInitial(GramScratch::new);
    private final Map<String, INDArray> buffers = new HashMap<>();
    private double[] staging = new double[0];

    static GramScratch forCurrentThread() {
        return CURRENT.get();
    }

    static void release() {
        GramScratch s = CURRENT.get();
        for (INDArray a : s.buffers.values()) {
            a.close();
        }
        s.buffers.clear();
        CURRENT.remove();
    }

    /** A flat float64 buffer of at least {@code length} elements, offset 0, contents undefined. */
    INDArray buffer(String key, long length) {
        INDArray flat = buffers.get(key);
        if (flat == null || flat.length() < length) {
            if (flat != null) {
                flat.close();
            }
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                flat = Nd4j.createUninitialized(DataType.DOUBLE, Math.max(1, length));
            }
            buffers.put(key, flat);
        }
        return flat;
    }

    /** A heap array of at least {@code length} elements, contents undefined. */
    double[] staging(long length) {
        if (staging.length < length) {
            staging = new double[Math.toIntExact(length)];
        }
        return staging;
    }
}

package ai.spectrum.samples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes a safetensors checkpoint of a {@link CheckpointShape} whose weights look like trained ones to Spectrum:
 * each matrix W (n×m) is {@code 0.02·r_i·c_j·z_ij + Σ_q d_q·u_iq·v_jq}: standard normal noise z with log-normal
 * per-feature scales c (σ = 0.6 in log space) and row scales r (σ = 0.3), plus a rank-8 signal whose strengths d_q
 * run from 3× to 0.4× the noise's spectral edge. 1-D tensors are 1 + 0.05·z. Everything is a function of the seed
 * and the tensor's name. Streams row by row: memory stays at a few rows per thread, whatever the checkpoint size.
 */
public final class SyntheticCheckpoint {
    /** Rank of the low-rank signal. */
    static final int SIGNAL_RANK = 8;
    private static final double NOISE = 0.02;
    private static final int ROWS_PER_WRITE = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SyntheticCheckpoint() {
    }

    /**
     * Writes the checkpoint into {@code dir} (created if needed): {@code model.safetensors} for one shard, else
     * {@code model-0000i-of-0000n.safetensors} plus {@code model.safetensors.index.json}.
     *
     * @param threads tensors generated at once
     * @return the path to scan: the index, or the single file
     */
    public static Path write(CheckpointShape shape, Path dir, long seed, int threads) throws IOException {
        Files.createDirectories(dir);
        List<List<CheckpointShape.Tensor>> shards = split(shape);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        List<Path> files = new ArrayList<>();
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int s = 0; s < shards.size(); s++) {
                Path file = dir.resolve(shards.size() == 1 ? "model.safetensors" : String.format(Locale.ROOT,
                        "model-%05d-of-%05d.safetensors", s + 1, shards.size()));
                files.add(file);
                jobs.addAll(writeShard(shape, shards.get(s), file, seed, pool));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing " + dir, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IllegalStateException("writing " + dir + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        if (shards.size() == 1) {
            return files.get(0);
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", shape.dataBytes());
        ObjectNode map = index.putObject("weight_map");
        for (int s = 0; s < shards.size(); s++) {
            for (CheckpointShape.Tensor t : shards.get(s)) {
                map.put(t.name(), files.get(s).getFileName().toString());
            }
        }
        Path indexFile = dir.resolve("model.safetensors.index.json");
        Files.writeString(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
        return indexFile;
    }

    /** Consecutive runs of tensors (in name order) of about equal bytes. */
    static List<List<CheckpointShape.Tensor>> split(CheckpointShape shape) {
        long target = (shape.dataBytes() + shape.shards() - 1) / shape.shards();
        List<List<CheckpointShape.Tensor>> shards = new ArrayList<>();
        List<CheckpointShape.Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (CheckpointShape.Tensor t : shape.tensors()) {
            long b = t.elements() * shape.elementBytes();
            if (!current.isEmpty() && bytes + b > target && shards.size() < shape.shards() - 1) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(t);
            bytes += b;
        }
        shards.add(current);
        return shards;
    }

    private static List<Future<?>> writeShard(CheckpointShape shape, List<CheckpointShape.Tensor> tensors, Path file,
                                              long seed, ExecutorService pool) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt").put("generator", "spectrum make-checkpoint")
                .put("shape", shape.name()).put("seed", Long.toString(seed));
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            CheckpointShape.Tensor t = tensors.get(i);
            long bytes = t.elements() * shape.elementBytes();
            ObjectNode n = header.putObject(t.name());
            n.put("dtype", shape.dtype());
            var dims = n.putArray("shape");
            for (long d : t.shape()) {
                dims.add(d);
            }
            n.putArray("data_offsets").add(offset).add(offset + bytes);
            offsets[i] = offset;
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        long dataStart = 8L + padded;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (head.hasRemaining()) {
                ch.write(head);
            }
        }
        List<Future<?>> jobs = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            CheckpointShape.Tensor t = tensors.get(i);
            long at = dataStart + offsets[i];
            jobs.add(pool.submit(() -> {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    writeTensor(ch, at, t, shape.dtype().equals("BF16"), seed);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        return jobs;
    }

    private static void writeTensor(FileChannel ch, long at, CheckpointShape.Tensor t, boolean bf16, long seed)
            throws IOException {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + t.name().hashCode());
        long[] shape = t.shape();
        long n = shape.length == 1 ? 1 : shape[0];
        int m = (int) (t.elements() / n);
        int bytes = bf16 ? 2 : 4;
        int rowsPerWrite = (int) Math.max(1, Math.min(n, ROWS_PER_WRITE / ((long) m * bytes)));
        ByteBuffer out = ByteBuffer.allocate(rowsPerWrite * m * bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] row = new float[m];
        long pos = at;
        if (shape.length == 1) {
            for (int j = 0; j < m; j++) {
                row[j] = (float) (1 + 0.05 * rng.nextGaussian());
            }
            put(out, row, bf16);
            flush(ch, out, pos);
            return;
        }
        int rank = (int) Math.min(SIGNAL_RANK, Math.min(n, m));
        double[] colScale = new double[m];
        for (int j = 0; j < m; j++) {
            colScale[j] = NOISE * Math.exp(0.6 * rng.nextGaussian());
        }
        double edge = NOISE * (Math.sqrt(n) + Math.sqrt(m));
        double[] v = new double[rank * m]; // v[q*m + j] ~ N(0, 1/m)
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian() / Math.sqrt(m);
        }
        double[] strength = new double[rank];
        for (int q = 0; q < rank; q++) {
            strength[q] = edge * 3.0 / (1 + q * 0.9) / Math.sqrt(n); // u ~ N(0, 1) per row, scaled by 1/√n here
        }
        double[] u = new double[rank];
        for (long i = 0; i < n; i++) {
            double r = Math.exp(0.3 * rng.nextGaussian());
            for (int q = 0; q < rank; q++) {
                u[q] = strength[q] * rng.nextGaussian();
            }
            for (int j = 0; j < m; j++) {
                double w = r * colScale[j] * rng.nextGaussian();
                for (int q = 0; q < rank; q++) {
                    w += u[q] * v[q * m + j];
                }
                row[j] = (float) w;
            }
            put(out, row, bf16);
            if (!out.hasRemaining()) {
                pos = flush(ch, out, pos);
            }
        }
        flush(ch, out, pos);
    }

    private static void put(ByteBuffer out, float[] row, boolean bf16) {
        for (float f : row) {
            if (bf16) {
                out.putShort(toBf16(f));
            } else {
                out.putFloat(f);
            }
        }
    }

    /** Rounds a float to the nearest bfloat16 (ties to even), as PyTorch's {@code .to(torch.bfloat16)} does. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static long flush(FileChannel ch, ByteBuffer out, long pos) throws IOException {
        out.flip();
        long p = pos;
        while (out.hasRemaining()) {
            p += ch.write(out, p);
        }
        out.clear();
        return p;
    }
}

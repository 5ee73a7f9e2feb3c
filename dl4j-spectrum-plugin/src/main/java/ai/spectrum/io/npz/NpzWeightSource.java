package ai.spectrum.io.npz;

import ai.spectrum.analysis.ModuleTypes;
import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.ModelFormatException;
import ai.spectrum.io.TensorData;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The arrays of a numpy {@code .npz} archive (stored or deflated), each read from the archive only when loaded.
 * Every floating-point array (float16/32/64) of rank ≥ 1 is listed under its name without {@code .npy}, typed by
 * {@link ModuleTypes#fromPath}; 1-D arrays become 1×d matrices and N-D arrays {@code [shape[0], rest]}. The model
 * id is the file name without {@code .npz}.
 */
public final class NpzWeightSource implements WeightSource {
    private static final Logger LOG = LoggerFactory.getLogger(NpzWeightSource.class);

    private final Path path;
    private final ZipFile zip;
    private final String modelId;
    private final Map<String, Array> arrays;
    private final List<WeightInfo> weights;

    private record Array(ZipEntry entry, NpyHeader header, WeightInfo info) {
    }

    private NpzWeightSource(Path path, ZipFile zip, Map<String, Array> arrays) {
        this.path = path;
        this.zip = zip;
        String n = path.getFileName().toString();
        this.modelId = n.toLowerCase(java.util.Locale.ROOT).endsWith(".npz") ? n.substring(0, n.length() - 4) : n;
        this.arrays = arrays;
        this.weights = arrays.values().stream().map(Array::info).toList();
    }

    /**
     * Opens an archive and reads every array's header.
     *
     * @throws ModelFormatException if the file is not a zip archive, or an array header is truncated or corrupt
     */
    public static NpzWeightSource open(Path path) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new ModelFormatException(path, "not a valid .npz (zip) archive, truncated or corrupt: "
                    + e.getMessage(), e);
        }
        try {
            Map<String, Array> arrays = new LinkedHashMap<>();
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) {
                    continue;
                }
                String name = e.getName().substring(0, e.getName().length() - 4);
                NpyHeader h;
                try (InputStream in = zip.getInputStream(e)) {
                    h = NpyHeader.read(in, path, name);
                } catch (ZipException ze) {
                    throw new ModelFormatException(path, "array '" + name + "': corrupt zip entry: "
                            + ze.getMessage(), ze);
                }
                long[] shape = h.shape();
                if (h.floatType().isEmpty() || shape.length == 0 || TensorData.elementCount(path, name, shape) == 0) {
                    LOG.debug("skipping array {} ({}, shape {}) of {}", name, h.descr(), shape, path);
                    continue;
                }
                long expected = h.headerBytes() + (long) TensorData.elementCount(path, name, shape)
                        * h.floatType().get().bytes();
                if (e.getSize() >= 0 && e.getSize() != expected) {
                    throw new ModelFormatException(path, "array '" + name + "' holds " + e.getSize()
                            + " bytes but its header (" + h.descr() + ", shape " + java.util.Arrays.toString(shape)
                            + ") needs " + expected);
                }
                arrays.put(name, new Array(e, h, new WeightInfo(name, ModuleTypes.fromPath(name), shape)));
            }
            if (arrays.isEmpty()) {
                throw new ModelFormatException(path, "no floating-point arrays in this .npz archive");
            }
            return new NpzWeightSource(path, zip, arrays);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public List<WeightInfo> weights() {
        return weights;
    }

    @Override
    public INDArray load(WeightInfo info) throws IOException {
        Array a = arrays.get(info.name());
        if (a == null) {
            throw new IllegalArgumentException("no array named '" + info.name() + "' in " + path);
        }
        NpyHeader h = a.header();
        try (InputStream in = zip.getInputStream(a.entry())) {
            in.skipNBytes(h.headerBytes());
            return TensorData.read(TensorData.sequential(Channels.newChannel(in)), h.floatType().orElseThrow(),
                    h.byteOrder(), h.shape(), h.fortranOrder() ? 'f' : 'c', path, info.name());
        } catch (ZipException | java.io.EOFException e) {
            throw new ModelFormatException(path, "array '" + info.name() + "': corrupt or truncated data: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public boolean loadsFreshArrays() {
        return true;
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}

package ai.spectrum.io;

import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.dl4j.Dl4jModelWeightSource;
import ai.spectrum.io.npz.NpzWeightSource;
import ai.spectrum.io.onnx.OnnxFormatException;
import ai.spectrum.io.onnx.OnnxWeightSource;
import ai.spectrum.io.safetensors.SafetensorsWeightSource;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Opens a model file with the reader its name calls for:
 * <ul>
 *   <li>{@code *.safetensors} — one safetensors file;</li>
 *   <li>{@code *.safetensors.index.json} — a sharded safetensors model;</li>
 *   <li>a directory — its {@code model.safetensors.index.json}, else its only {@code .safetensors} file;</li>
 *   <li>{@code *.npz} — a numpy archive;</li>
 *   <li>{@code *.zip} — a DL4J {@code ModelSerializer} archive;</li>
 *   <li>{@code *.onnx} — an ONNX model's floating-point initializers (1-D ones only when vectors are included).</li>
 * </ul>
 *
 * <pre>{@code
 * try (WeightSource source = ModelFiles.open(Path.of("model.safetensors"), false)) {
 *     ScanResult r = SpectrumAnalyzer.builder().build().scan(source, ScanProgress.NOOP);
 * }
 * }</pre>
 */
public final class ModelFiles {
    /** The formats this class can open, for messages. */
    public static final String SUPPORTED = ".onnx, .safetensors, model.safetensors.index.json (or its directory), "
            + ".npz, DL4J .zip";
    private static final String INDEX = "model.safetensors.index.json";

    private ModelFiles() {
    }

    /**
     * Opens a model.
     *
     * @param path           a model file or a directory holding a safetensors model
     * @param includeVectors whether the 1-D tensors of a safetensors or ONNX model are analysed (as 1×d matrices);
     *                       an {@code .npz} archive's 1-D arrays always are
     * @throws ModelFormatException if the path does not exist, its format is unknown, or the file is corrupt
     * @throws IOException          if it cannot be read
     */
    public static WeightSource open(Path path, boolean includeVectors) throws IOException {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path, "no such file or directory");
        }
        if (Files.isDirectory(path)) {
            return openDirectory(path, includeVectors);
        }
        if (!Files.isReadable(path)) {
            throw new ModelFormatException(path, "file is not readable");
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors.index.json")) {
            return SafetensorsWeightSource.openIndex(path, includeVectors);
        }
        if (name.endsWith(".safetensors")) {
            return SafetensorsWeightSource.openFile(path, includeVectors);
        }
        if (name.endsWith(".npz")) {
            return NpzWeightSource.open(path);
        }
        if (name.endsWith(".zip")) {
            return Dl4jModelWeightSource.open(path);
        }
        if (name.endsWith(".onnx")) {
            OnnxWeightSource onnx;
            try {
                onnx = OnnxWeightSource.read(path);
            } catch (OnnxFormatException | IllegalArgumentException e) {
                throw new ModelFormatException(path, e.getMessage(), e);
            }
            return includeVectors ? onnx : new View(onnx.modelId(), onnx,
                    onnx.weights().stream().filter(w -> w.shape().length > 1).toList());
        }
        throw new ModelFormatException(path, "unknown model format; expected one of: " + SUPPORTED);
    }

    private static WeightSource openDirectory(Path dir, boolean includeVectors) throws IOException {
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            return SafetensorsWeightSource.openIndex(index, includeVectors);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
            ds.forEach(files::add);
        }
        if (files.size() != 1) {
            throw new ModelFormatException(dir, "directory holds no " + INDEX + " and " + files.size()
                    + " .safetensors files; expected exactly one");
        }
        SafetensorsWeightSource single = SafetensorsWeightSource.openFile(files.get(0), includeVectors);
        String id = dir.toAbsolutePath().normalize().getFileName().toString();
        return new View(id, single, single.weights());
    }

    /** A source under another model id, or with some of its weights left out. */
    private record View(String modelId, WeightSource delegate, List<ai.spectrum.analysis.WeightInfo> weights)
            implements WeightSource {
        View {
            weights = List.copyOf(weights);
        }

        @Override
        public org.nd4j.linalg.api.ndarray.INDArray load(ai.spectrum.analysis.WeightInfo info) throws IOException {
            return delegate.load(info);
        }

        @Override
        public boolean loadsFreshArrays() {
            return delegate.loadsFreshArrays();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}

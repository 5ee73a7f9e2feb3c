package ai.spectrum.io;

import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.dl4j.Dl4jModelWeightSource;
import ai.spectrum.io.npz.NpzWeightSource;
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
 *   <li>{@code *.zip} — a DL4J {@code ModelSerializer} archive.</li>
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
    public static final String SUPPORTED = ".safetensors, model.safetensors.index.json (or its directory), .npz, "
            + "DL4J .zip";
    private static final String INDEX = "model.safetensors.index.json";

    private ModelFiles() {
    }

    /**
     * Opens a model.
     *
     * @param path           a model file or a directory holding a safetensors model
     * @param includeVectors whether a safetensors model's 1-D tensors are analysed (as 1×d matrices)
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
        return new RenamedSource(id, single);
    }

    /** A source reported under another model id (a directory's name). */
    private record RenamedSource(String modelId, WeightSource delegate) implements WeightSource {
        @Override
        public List<ai.spectrum.analysis.WeightInfo> weights() {
            return delegate.weights();
        }

        @Override
        public org.nd4j.linalg.api.ndarray.INDArray load(ai.spectrum.analysis.WeightInfo info) throws IOException {
            return delegate.load(info);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}

package ai.spectrum.io;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.ScanProgress;
import ai.spectrum.analysis.SpectralStats;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Keeps each module's score in a file as soon as it is known, so that an interrupted scan continues where it
 * stopped. Line 1 is the fingerprint of the scan (model files' names, sizes and modification times, and the
 * analyzer settings that change results); every further line is one module's statistics, doubles written exactly.
 * A journal whose fingerprint differs, or that cannot be parsed, is started over; a last line cut short by a crash
 * is ignored. Use as the scan's {@link ScanProgress} (alone or after another), then {@link #delete()} it once the
 * results are written.
 *
 * <pre>{@code
 * try (ScanJournal journal = ScanJournal.open(out.resolve("scan.journal"), ScanJournal.fingerprint(model, settings))) {
 *     ScanResult r = analyzer.scan(source, journal, journal.completed());
 *     ...write results...
 *     journal.delete();
 * }
 * }</pre>
 */
public final class ScanJournal implements ScanProgress, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScanJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORMAT = "spectrum-scan-journal/1";

    private final Path file;
    private final Map<String, ModuleScore> completed;
    private final BufferedWriter writer;

    private ScanJournal(Path file, Map<String, ModuleScore> completed, BufferedWriter writer) {
        this.file = file;
        this.completed = Collections.unmodifiableMap(completed);
        this.writer = writer;
    }

    /**
     * The fingerprint of a scan: the model path, the name, size and modification time of every file that makes up
     * the model (the file itself; for a directory or a {@code .safetensors.index.json}, every {@code .safetensors}
     * and {@code .json} file beside it), and the given settings.
     */
    public static Map<String, String> fingerprint(Path model, Map<String, String> settings) throws IOException {
        Map<String, String> f = new TreeMap<>(settings);
        Path abs = model.toAbsolutePath().normalize();
        f.put("model", abs.toString());
        Path dir = Files.isDirectory(abs) ? abs
                : abs.getFileName().toString().endsWith(".index.json") ? abs.getParent() : null;
        List<Path> files;
        if (dir == null) {
            files = List.of(abs);
        } else {
            try (var s = Files.list(dir)) {
                files = s.filter(p -> {
                    String n = p.getFileName().toString();
                    return Files.isRegularFile(p) && (n.endsWith(".safetensors") || n.endsWith(".json"));
                }).sorted().toList();
            }
        }
        for (Path p : files) {
            f.put("file:" + p.getFileName(), Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
        }
        return f;
    }

    /**
     * Opens a journal: reads the modules it holds when its fingerprint equals {@code fingerprint}, else starts it
     * over. The file's directory is created if needed.
     *
     * @throws IOException if the journal cannot be read or written
     */
    public static ScanJournal open(Path file, Map<String, String> fingerprint) throws IOException {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Map<String, ModuleScore> done = new LinkedHashMap<>();
        boolean resume = false;
        if (Files.isRegularFile(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            resume = !lines.isEmpty() && matches(lines.get(0), fingerprint);
            if (resume) {
                for (String line : lines.subList(1, lines.size())) {
                    ModuleScore s = parse(line);
                    if (s == null) {
                        break; // cut short by a crash
                    }
                    done.put(s.name(), s);
                }
                LOG.debug("resuming from {}: {} modules already scored", file, done.size());
            } else {
                LOG.debug("journal {} belongs to another model or settings; starting over", file);
            }
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BufferedWriter w;
        if (resume) {
            // rewrite the intact lines, dropping a partial last one
            w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            w.write(header(fingerprint));
            w.newLine();
            for (ModuleScore s : done.values()) {
                w.write(line(s));
                w.newLine();
            }
        } else {
            w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            w.write(header(fingerprint));
            w.newLine();
        }
        w.flush();
        return new ScanJournal(file, done, w);
    }

    /** The scores of modules finished by earlier runs, by module name; never null. */
    public Map<String, ModuleScore> completed() {
        return completed;
    }

    /** The journal file. */
    public Path file() {
        return file;
    }

    /** Appends the score and flushes it to the operating system. */
    @Override
    public void moduleDone(ModuleScore score, int done, int total) {
        try {
            writer.write(line(score));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the scan journal " + file, e);
        }
    }

    /** Closes and deletes the journal (after the results are safely written). */
    public void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    private static String header(Map<String, String> fingerprint) throws JsonProcessingException {
        ObjectNode n = JSON.createObjectNode().put("format", FORMAT);
        ObjectNode f = n.putObject("fingerprint");
        new TreeMap<>(fingerprint).forEach(f::put);
        return JSON.writeValueAsString(n);
    }

    private static boolean matches(String headerLine, Map<String, String> fingerprint) {
        try {
            return headerLine.equals(header(fingerprint));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static String line(ModuleScore s) throws JsonProcessingException {
        SpectralStats st = s.stats().orElseThrow(() -> new IllegalArgumentException("module '" + s.name()
                + "' has no statistics to journal"));
        ObjectNode n = JSON.createObjectNode().put("name", s.name()).put("type", s.type()).put("rows", st.rows())
                .put("cols", st.cols()).put("sigmaMax", exact(st.sigmaMax())).put("sigmaNoise", exact(st.sigmaNoise()))
                .put("tau", exact(st.tau())).put("nSignal", st.nSignal()).put("snr", exact(st.snr()));
        return JSON.writeValueAsString(n);
    }

    /** A double as the hex of its bits: exact, NaN and infinities included. */
    private static String exact(double v) {
        return Long.toHexString(Double.doubleToRawLongBits(v));
    }

    private static double exact(JsonNode n) {
        return Double.longBitsToDouble(Long.parseUnsignedLong(n.asText(), 16));
    }

    private static ModuleScore parse(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            SpectralStats st = new SpectralStats(n.get("rows").asLong(), n.get("cols").asLong(),
                    exact(n.get("sigmaMax")), exact(n.get("sigmaNoise")), exact(n.get("tau")),
                    n.get("nSignal").asInt(), exact(n.get("snr")));
            return ModuleScore.computed(n.get("name").asText(), n.get("type").asText(), st);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

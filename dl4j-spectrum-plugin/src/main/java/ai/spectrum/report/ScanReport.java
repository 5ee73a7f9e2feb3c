package ai.spectrum.report;

import ai.spectrum.analysis.ScanResult;
import ai.spectrum.selection.Selection;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The full record of one scan: every module's statistics, the selection made from them, and the provenance.
 * Written next to the original tool's files as {@code spectrum_scan_<slug>.json}; reads back to an equal value.
 *
 * @param scan      the scores with their statistics and provenance
 * @param selection the selection made from them
 */
public record ScanReport(ScanResult scan, Selection selection) {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule()).addModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public ScanReport {
        Objects.requireNonNull(scan, "scan");
        Objects.requireNonNull(selection, "selection");
    }

    /** The report as indented JSON (non-finite numbers as the strings {@code "NaN"}, {@code "Infinity"}). */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise scan report of " + scan.modelId(), e);
        }
    }

    /** Parses {@link #toJson()} output. */
    public static ScanReport fromJson(String json) throws IOException {
        try {
            return MAPPER.readValue(json, ScanReport.class);
        } catch (JsonProcessingException e) {
            throw new IOException("not a Spectrum scan report: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes {@code spectrum_scan_<slug>.json} into {@code dir} and returns its path. */
    public Path write(Path dir, String slug) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("spectrum_scan_" + slug + ".json"), toJson());
    }

    /** Reads a report file. */
    public static ScanReport read(Path file) throws IOException {
        try {
            return fromJson(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IOException("scan report not found: " + file, e);
        }
    }
}

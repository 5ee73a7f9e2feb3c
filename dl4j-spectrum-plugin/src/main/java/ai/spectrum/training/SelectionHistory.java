package ai.spectrum.training;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes and reads {@link SelectionEvent}s as JSON lines (one object per line). Non-finite scores are written as the
 * strings {@code "Infinity"}, {@code "-Infinity"} and {@code "NaN"}, which {@link #read} turns back into doubles.
 */
public final class SelectionHistory {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private SelectionHistory() {
    }

    /** Writes one line per event. */
    public static void write(List<SelectionEvent> events, Writer out) throws IOException {
        for (SelectionEvent e : events) {
            out.write(MAPPER.writeValueAsString(e));
            out.write('\n');
        }
        out.flush();
    }

    /** Writes (replacing) a JSON-lines file. */
    public static void write(List<SelectionEvent> events, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            write(events, w);
        }
    }

    /** Reads events written by {@link #write}; blank lines are skipped. */
    public static List<SelectionEvent> read(Reader in) throws IOException {
        List<SelectionEvent> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(in);
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(MAPPER.readValue(line, SelectionEvent.class));
            } catch (IOException e) {
                throw new IOException("selection history line " + n + " is not a selection event: "
                        + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Reads a JSON-lines file. */
    public static List<SelectionEvent> read(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r);
        }
    }

}

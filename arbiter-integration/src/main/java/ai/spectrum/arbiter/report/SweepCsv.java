package ai.spectrum.arbiter.report;

import ai.spectrum.arbiter.SweepResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes a sweep as RFC 4180 CSV: a header, then one row per candidate in index order with its status, score (the
 * column is named after the score), every setting, iterations, last training loss, wall-clock milliseconds, peak
 * heap and native bytes and the failure reason. Numbers are written with {@link Double#toString} so they read back
 * exactly; the score of a failed candidate is empty.
 */
public final class SweepCsv {
    private SweepCsv() {
    }

    /** The CSV text. */
    public static String toCsv(SweepResult result) {
        SweepTable t = SweepTable.of(result);
        StringBuilder sb = new StringBuilder();
        line(sb, t.header());
        t.rows().forEach(r -> line(sb, r));
        return sb.toString();
    }

    /** Writes {@link #toCsv} to {@code file} in UTF-8. */
    public static void write(SweepResult result, Path file) {
        try {
            Files.writeString(file, toCsv(result), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sweep CSV to " + file, e);
        }
    }

    private static void line(StringBuilder sb, List<String> cells) {
        sb.append(cells.stream().map(SweepCsv::quote).collect(Collectors.joining(","))).append("\r\n");
    }

    static String quote(String cell) {
        if (cell.contains(",") || cell.contains("\"") || cell.contains("\n") || cell.contains("\r")) {
            return '"' + cell.replace("\"", "\"\"") + '"';
        }
        return cell;
    }
}

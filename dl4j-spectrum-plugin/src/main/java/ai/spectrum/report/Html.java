package ai.spectrum.report;

import ai.spectrum.Provenance;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The pieces every Spectrum HTML page shares (the experiment report {@link HtmlReport} and Arbiter's sweep page):
 * escaping and the provenance rows.
 */
public final class Html {
    private Html() {
    }

    /** Escapes text for HTML content and double-quoted attributes. */
    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /**
     * The provenance as key/value rows: plugin, DL4J/ND4J and backend, Java, OS / arch, time, then the configuration
     * sorted by key. Unescaped.
     */
    public static List<List<String>> provenanceRows(Provenance p) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("plugin", p.pluginVersion()));
        rows.add(List.of("DL4J/ND4J", p.dl4jVersion()));
        rows.add(List.of("backend", p.backend()));
        rows.add(List.of("Java", p.javaVersion()));
        rows.add(List.of("OS / arch", p.os() + " / " + p.arch()));
        rows.add(List.of("time", p.timestamp().toString()));
        new TreeMap<>(p.configuration()).forEach((k, v) -> rows.add(List.of(k, v)));
        return rows;
    }
}

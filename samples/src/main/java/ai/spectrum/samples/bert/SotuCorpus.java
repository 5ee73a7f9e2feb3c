package ai.spectrum.samples.bert;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The State of the Union passages shipped in {@code corpus/sotu-passages.tsv.gz} (public domain; recipe in
 * {@code samples/scripts/make-sotu-corpus.sh}): every fifth address is held out for validation.
 */
public final class SotuCorpus {
    /** The class-path resource. */
    public static final String RESOURCE = "/corpus/sotu-passages.tsv.gz";

    /**
     * One passage.
     *
     * @param year       year of the address
     * @param president  who gave it
     * @param validation whether it belongs to the held-out addresses
     * @param text       about 90 words cut at sentence ends
     */
    public record Passage(int year, String president, boolean validation, String text) {
    }

    private SotuCorpus() {
    }

    /** Every passage in file (year) order. */
    public static List<Passage> load() throws IOException {
        InputStream raw = SotuCorpus.class.getResourceAsStream(RESOURCE);
        if (raw == null) {
            throw new IOException("corpus resource " + RESOURCE + " is not on the class path");
        }
        List<Passage> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw),
                StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                String[] f = line.split("\t", 4);
                if (f.length != 4 || !(f[2].equals("train") || f[2].equals("validation"))) {
                    throw new IOException(RESOURCE + " line " + lineNo + " is not year, president, split, passage");
                }
                try {
                    out.add(new Passage(Integer.parseInt(f[0]), f[1], f[2].equals("validation"), f[3]));
                } catch (NumberFormatException e) {
                    throw new IOException(RESOURCE + " line " + lineNo + ": bad year '" + f[0] + "'", e);
                }
            }
        }
        return out;
    }
}

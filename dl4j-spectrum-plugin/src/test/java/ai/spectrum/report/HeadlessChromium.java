package ai.spectrum.report;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a local page in Debian's headless Chromium and reads back the DOM after its scripts ran. Public, and published
 * in this module's test-jar, so that other modules' report tests use the same check.
 */
public final class HeadlessChromium {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private HeadlessChromium() {
    }

    /**
     * Skips the calling test when Chromium is absent, except under CI ({@code CI=true}), where .ci/run installs it
     * and its absence is a failure.
     */
    public static void requireChromium() {
        boolean present = Files.isExecutable(CHROMIUM);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + CHROMIUM + " is missing: .ci/run should apt-get install chromium");
        }
        Assumptions.assumeTrue(present, "headless Chromium not installed (apt-get install chromium)");
    }

    /** The page's {@code body[data-rendered]} count after load, or -1 when the attribute is missing. */
    public static int renderedMarks(Path page) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("chromium-profile");
        Path dom = Files.createTempFile("dom", ".html");
        try {
            Process p = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom",
                    page.toUri().toString()))
                    .redirectOutput(dom.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish within 120 s on " + page);
            }
            String html = Files.readString(dom, StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("<body[^>]*data-rendered=\"(\\d+)\"").matcher(html);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } finally {
            Files.deleteIfExists(dom);
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}

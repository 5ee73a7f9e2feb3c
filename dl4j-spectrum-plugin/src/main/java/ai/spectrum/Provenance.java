package ai.spectrum;

import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Where and how a result was produced: library versions, backend, platform, time and the full configuration.
 *
 * @param pluginVersion this library's version
 * @param dl4jVersion   the Deeplearning4j/ND4J version it was built against
 * @param backend       the ND4J backend in use (e.g. {@code CpuBackend})
 * @param javaVersion   {@code java.version}
 * @param os            {@code os.name}
 * @param arch          {@code os.arch}
 * @param timestamp     when the result was produced
 * @param configuration the producing component's configuration, including any seed; unmodifiable
 */
public record Provenance(String pluginVersion, String dl4jVersion, String backend, String javaVersion, String os,
                         String arch, Instant timestamp, Map<String, String> configuration) {
    private static final Properties VERSIONS = loadVersions();

    public Provenance {
        Objects.requireNonNull(timestamp, "timestamp");
        configuration = Map.copyOf(configuration);
    }

    /** Captures the current environment with the given configuration. */
    public static Provenance capture(Map<String, String> configuration) {
        return new Provenance(VERSIONS.getProperty("plugin.version", "unknown"),
                VERSIONS.getProperty("dl4j.version", "unknown"),
                Nd4j.getBackend().getClass().getSimpleName(),
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.arch"),
                Instant.now(), configuration);
    }

    private static Properties loadVersions() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("spectrum-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spectrum-version.properties", e);
        }
        return p;
    }
}

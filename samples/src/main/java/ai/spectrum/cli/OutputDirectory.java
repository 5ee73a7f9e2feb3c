package ai.spectrum.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The {@code --out DIR} option shared by the commands that write files, as a picocli mixin; each command sets its
 * own default:
 *
 * <pre>{@code
 * @Mixin
 * OutputDirectory out = new OutputDirectory("spectrum-demo");
 * }</pre>
 */
public final class OutputDirectory {
    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    private Path dir;

    /** The option with {@code defaultDir} as its default. */
    public OutputDirectory(String defaultDir) {
        this.dir = Path.of(defaultDir);
    }

    /** The directory given, or the default. */
    public Path dir() {
        return dir;
    }
}

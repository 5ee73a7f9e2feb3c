package ai.spectrum.cli;

import picocli.CommandLine.Option;

/** The {@code --progress auto|always|never} option shared by long-running commands, as a picocli mixin. */
public final class ProgressOption {
    @Option(names = "--progress", paramLabel = "auto|always|never", defaultValue = "auto",
            description = "Progress bar on standard error: auto (when a console is attached), always or never.")
    private ProgressMode mode = ProgressMode.AUTO;

    /** The mode given; default {@link ProgressMode#AUTO}. */
    public ProgressMode mode() {
        return mode;
    }
}

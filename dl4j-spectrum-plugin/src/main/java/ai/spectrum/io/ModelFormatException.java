package ai.spectrum.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file that cannot be read: unknown format, truncated, or with a corrupt header. The message names the file
 * and the problem; the cause, if any, is kept.
 */
public final class ModelFormatException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    /** A problem with {@code file}, described by {@code problem} (e.g. "header length 9e18 exceeds file size 120"). */
    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** A problem with {@code file} caused by {@code cause}. */
    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}

package ai.spectrum.cli;

import ai.spectrum.analysis.DegenerateWeightsException;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Every exit code of {@code spectrum}, and which failure maps to which. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /**
     * An unexpected internal error (a bug or a broken native library); the message says "internal error, please
     * report". An {@code IllegalArgumentException} that is not a {@link BadInput} is one: the command passed a library
     * an argument it did not check.
     */
    public static final int INTERNAL_ERROR = 1;
    /** Invalid command line: unknown option, missing argument, value out of range. */
    public static final int USAGE = 2;
    /** Unusable input: missing, truncated or corrupt file, unknown format, NaN/infinite or all-zero weights. */
    public static final int BAD_INPUT = 3;
    /** The input was fine but an output file could not be written. */
    public static final int OUTPUT_ERROR = 4;
    /** The benchmark ran but its baseline (python3 with numpy) could not. */
    public static final int BASELINE_UNAVAILABLE = 5;

    private ExitCodes() {
    }

    /** The exit code for a failure thrown by a subcommand. */
    public static int of(Throwable e) {
        if (e instanceof OutputException) {
            return OUTPUT_ERROR;
        }
        if (e instanceof BaselineException) {
            return BASELINE_UNAVAILABLE;
        }
        if (e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof DegenerateWeightsException || e instanceof BadInput) {
            return BAD_INPUT;
        }
        return INTERNAL_ERROR;
    }

    /**
     * The user's file or flag is unusable (as opposed to a bug): thrown by commands, with the library's exception as
     * cause where there is one.
     */
    public static final class BadInput extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        /** Bad input described by {@code message}. */
        public BadInput(String message) {
            super(message);
        }

        /** Bad input described by {@code message}, found by {@code cause}. */
        public BadInput(String message, Throwable cause) {
            super(message, cause);
        }

        /** Bad input found by a library check whose message names the problem. */
        public BadInput(IllegalArgumentException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** The exception's message, or its class and its cause's message when it has none. */
    public static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + m;
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + m;
        }
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName() + (e.getCause() != null ? ": " + describe(e.getCause()) : "");
        }
        return m;
    }

    /** An output file or directory could not be written; the cause is kept. */
    public static final class OutputException extends IOException {
        private static final long serialVersionUID = 1L;

        /** Wraps a write failure with a message naming what could not be written. */
        public OutputException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A benchmark baseline could not run; the cause, if any, is kept. */
    public static final class BaselineException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        /** A baseline failure described by {@code message}. */
        public BaselineException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

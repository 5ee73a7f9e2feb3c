package ai.spectrum.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;

/**
 * Turns every failure into exactly one line on the command's error writer, {@code spectrum <sub>: <problem>}, and an
 * exit code from {@link ExitCodes}. Stack traces are never printed; the full exception goes to the debug log.
 */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ErrorHandler.class);

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        print(cmd, ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        return ExitCodes.USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        LOG.debug("command failed", ex);
        Throwable e = unwrap(ex);
        int code = ExitCodes.of(e);
        String message = ExitCodes.describe(e);
        print(cmd, code == ExitCodes.INTERNAL_ERROR ? "internal error, please report: " + message : message);
        return code;
    }

    private static Throwable unwrap(Throwable ex) {
        Throwable e = ex;
        while ((e instanceof UncheckedIOException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** The exception's message, as {@link ExitCodes#describe(Throwable)}. */
    static String describe(Throwable e) {
        return ExitCodes.describe(e);
    }

    private static void print(CommandLine cmd, String message) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip());
        err.flush();
    }
}

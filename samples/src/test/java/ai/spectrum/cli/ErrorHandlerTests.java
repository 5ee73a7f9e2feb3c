package ai.spectrum.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The user's bad input and a library bug end differently: exit code and message say which. */
class ErrorHandlerTests {

    @Command(name = "fail")
    static final class Failing implements Callable<Integer> {
        private final RuntimeException failure;

        Failing(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        public Integer call() {
            throw failure;
        }
    }

    private static String[] run(RuntimeException failure) {
        ErrorHandler handler = new ErrorHandler();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new Failing(failure)).setExecutionExceptionHandler(handler)
                .setParameterExceptionHandler(handler).setErr(new PrintWriter(err)).execute();
        return new String[]{Integer.toString(code), err.toString().strip()};
    }

    @Test
    @DisplayName("an unchecked IllegalArgumentException from a library is an internal error to be reported")
    void libraryBugIsInternal() {
        String[] r = run(new IllegalArgumentException("top percent must be in (0, 100], got 0.0"));
        assertEquals(Integer.toString(ExitCodes.INTERNAL_ERROR), r[0]);
        assertEquals("fail: internal error, please report: top percent must be in (0, 100], got 0.0", r[1]);
    }

    @Test
    @DisplayName("bad input a command recognised is the user's, with its own exit code and the plain message")
    void badInputIsTheUsers() {
        String[] r = run(new ExitCodes.BadInput("model 'x' has no matrices to benchmark"));
        assertEquals(Integer.toString(ExitCodes.BAD_INPUT), r[0]);
        assertEquals("fail: model 'x' has no matrices to benchmark", r[1]);
    }
}

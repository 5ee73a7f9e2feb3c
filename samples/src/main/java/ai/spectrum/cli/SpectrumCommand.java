package ai.spectrum.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;

/**
 * {@code spectrum}: the command-line entry point. Its own subcommands are {@code scan}, {@code select} and
 * {@code bench-svd}; demos and benchmarks ({@code demo}, {@code experiment}, {@code bench-train}, {@code sweep})
 * register from their side through {@link #newCommandLine(Object...)} (see {@code ai.spectrum.samples.SpectrumSamples},
 * the jar's main class). Every failure ends with one line on standard error and an exit code from {@link ExitCodes}.
 *
 * <pre>{@code
 * java -jar samples/target/spectrum.jar scan model.safetensors --top-percent 25 --out results/
 * }</pre>
 */
@Command(name = "spectrum", mixinStandardHelpOptions = true, versionProvider = SpectrumCommand.Version.class,
        description = "Spectrum for Deeplearning4j: score weight matrices by signal-to-noise ratio and select the "
                + "modules to train.",
        subcommands = {ScanCommand.class, SelectCommand.class, BenchSvdCommand.class, CommandLine.HelpCommand.class})
public final class SpectrumCommand implements Runnable {
    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits the JVM with its exit code. */
    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /**
     * A command line with the one-line error handler installed, writing to the process's standard streams;
     * tests replace the writers with {@link CommandLine#setOut} and {@link CommandLine#setErr}.
     *
     * @param moreSubcommands further subcommands ({@code @Command}-annotated objects), e.g. demos and benchmarks;
     *                        they get the same error handling and parsing settings
     */
    public static CommandLine newCommandLine(Object... moreSubcommands) {
        ErrorHandler handler = new ErrorHandler();
        CommandLine cl = new CommandLine(new SpectrumCommand());
        for (Object sub : moreSubcommands) {
            cl.addSubcommand(sub);
        }
        return cl
                .setExecutionExceptionHandler(handler)
                .setParameterExceptionHandler(handler)
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Where progress bars are drawn: the process's standard error. */
    public static PrintStream progressStream() {
        return System.err;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /** The version from the plugin's build properties. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SpectrumCommand.class.getPackage().getImplementationVersion();
            return new String[]{"spectrum " + (v == null ? "(development build)" : v)};
        }
    }
}

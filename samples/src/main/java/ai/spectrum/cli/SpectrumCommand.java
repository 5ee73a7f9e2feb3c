package ai.spectrum.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code spectrum}: the command-line entry point. Its own subcommands are {@code scan}, {@code select} and
 * {@code bench-svd}; demos and benchmarks ({@code demo}, {@code experiment}, {@code bench-train}, {@code sweep})
 * register from their side through {@link #newCommandLine(Object...)} or, from a main method,
 * {@link #execute(String[], Map)} (see {@code ai.spectrum.samples.SpectrumSamples}, the jar's main class). Every
 * failure ends with one line on standard error and an exit code from {@link ExitCodes}.
 *
 * <pre>{@code
 * java -jar samples/target/spectrum.jar scan model.safetensors --top-percent 25 --out results/
 * }</pre>
 */
@Command(name = "spectrum", mixinStandardHelpOptions = true, versionProvider = SpectrumCommand.Version.class,
        description = "Spectrum for Deeplearning4j: score weight matrices by signal-to-noise ratio and select the "
                + "modules to train.")
public final class SpectrumCommand implements Runnable {
    /** Subcommands whose run starts ND4J's backend on a background thread (see {@link #execute}). */
    static final Set<String> BACKEND_COMMANDS = Set.of("scan");
    private static final String HELP = "help";

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits the JVM with its exit code. */
    public static void main(String[] args) {
        System.exit(execute(args, Map.of()));
    }

    /**
     * The product's own subcommands by name, in the order of {@code spectrum --help}, each created on demand. Every
     * key is its command's {@code @Command} name.
     */
    static Map<String, Supplier<Object>> ownSubcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("scan", ScanCommand::new);
        m.put("select", SelectCommand::new);
        m.put("bench-svd", BenchSvdCommand::new);
        m.put(HELP, CommandLine.HelpCommand::new);
        return m;
    }

    /**
     * Runs one command line as a process's main method does, and returns its exit code. Start-up is kept short:
     * when the first argument names a subcommand (other than {@code help}), only that subcommand is built (picocli
     * reflects over every registered command, which for the jar's dozen costs more than half a second), and a
     * {@code scan} starts ND4J's backend (native libraries, about half a second of CPU) on a background thread
     * while the command line is parsed and the model's header is read.
     *
     * @param args            the process's arguments
     * @param moreSubcommands further subcommands by their {@code @Command} name, created on demand
     */
    public static int execute(String[] args, Map<String, Supplier<Object>> moreSubcommands) {
        BackendStart backend = args.length > 0 && BACKEND_COMMANDS.contains(args[0]) ? BackendStart.begin()
                : BackendStart.NONE;
        try {
            return newCommandLine(args, moreSubcommands).execute(args);
        } finally {
            backend.awaitQuietly(); // never exit while the backend's native libraries are being loaded
        }
    }

    /**
     * The command line for {@code args}: only the subcommand {@code args[0]} names when it names one other than
     * {@code help}, otherwise every subcommand (as {@link #newCommandLine(Object...)}). Parsing and running
     * {@code args} gives the same result either way.
     */
    static CommandLine newCommandLine(String[] args, Map<String, Supplier<Object>> moreSubcommands) {
        Map<String, Supplier<Object>> all = ownSubcommands();
        for (Map.Entry<String, Supplier<Object>> e : moreSubcommands.entrySet()) {
            if (all.putIfAbsent(e.getKey(), e.getValue()) != null) {
                throw new IllegalArgumentException("subcommand '" + e.getKey() + "' is registered twice");
            }
        }
        Supplier<Object> only = args.length > 0 && !args[0].equals(HELP) ? all.get(args[0]) : null;
        if (only != null) {
            return configure(new CommandLine(new SpectrumCommand()).addSubcommand(only.get()));
        }
        CommandLine cl = new CommandLine(new SpectrumCommand());
        for (Supplier<Object> sub : all.values()) {
            cl.addSubcommand(sub.get());
        }
        return configure(cl);
    }

    /**
     * A command line with the one-line error handler installed, writing to the process's standard streams;
     * tests replace the writers with {@link CommandLine#setOut} and {@link CommandLine#setErr}.
     *
     * @param moreSubcommands further subcommands ({@code @Command}-annotated objects), e.g. demos and benchmarks;
     *                        they get the same error handling and parsing settings
     */
    public static CommandLine newCommandLine(Object... moreSubcommands) {
        CommandLine cl = new CommandLine(new SpectrumCommand());
        for (Supplier<Object> sub : ownSubcommands().values()) {
            cl.addSubcommand(sub.get());
        }
        for (Object sub : moreSubcommands) {
            cl.addSubcommand(sub);
        }
        return configure(cl);
    }

    private static CommandLine configure(CommandLine cl) {
        ErrorHandler handler = new ErrorHandler();
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

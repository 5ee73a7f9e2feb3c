package ai.spectrum.samples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A class's {@code main} run in a fresh JVM of this JVM's class path, for measurements that must not share a
 * process (peak memory: one JVM per configuration). Its standard output is read as lines and the lines with a
 * result prefix are returned; its standard error is captured (its last lines quoted when it fails) or inherited.
 * A child that exits non-zero or prints no result line is an {@link IllegalStateException} naming it, its exit code
 * and its last standard-error lines.
 *
 * <pre>{@code
 * List<String> lines = ChildJvm.builder().setMainClass(Probe.class).optArguments(List.of("--method", "FULL"))
 *         .build().run("memory of FULL", "probe-result ");
 * }</pre>
 */
public final class ChildJvm {
    /** Standard-error lines quoted when a child fails. */
    static final int TAIL_LINES = 25;

    private final List<String> command;
    private final Map<String, String> environment;
    private final boolean inheritErrors;

    private ChildJvm(Builder b) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(b.jvmOptions);
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add(b.mainClass.getName());
        c.addAll(b.arguments);
        this.command = List.copyOf(c);
        this.environment = Map.copyOf(b.environment);
        this.inheritErrors = b.inheritErrors;
    }

    /** A builder with the defaults documented on its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * This JVM's options that bound its memory ({@code -Xmx}, {@code -Xms}, {@code -XX:MaxRAMPercentage},
     * {@code -XX:MaxDirectMemorySize} and JavaCPP's {@code -Dorg.bytedeco.javacpp.*} limits), in the order given, so
     * that a child has the same limits; empty when none was given (the child then gets the same defaults).
     */
    public static List<String> memoryOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-XX:MaxRAMPercentage")
                        || a.startsWith("-XX:MaxDirectMemorySize") || a.startsWith("-Dorg.bytedeco.javacpp."))
                .toList();
    }

    /** The command line the child runs with (java, options, class path, main class, arguments). */
    public List<String> command() {
        return command;
    }

    /**
     * Runs the child to its end.
     *
     * @param what     the child's name in error messages, e.g. "the memory run of FULL"
     * @param prefixes result-line prefixes
     * @return the lines of its standard output that start with one of {@code prefixes}, in order (never empty)
     * @throws IOException           if the JVM cannot be started or its output read
     * @throws IllegalStateException if it exits non-zero or prints no result line (or this thread is interrupted,
     *                               which ends the child)
     */
    public List<String> run(String what, String... prefixes) throws IOException {
        Path errors = inheritErrors ? null : Files.createTempFile("spectrum-child-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(errors == null
                    ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.to(errors.toFile()));
            pb.environment().putAll(environment);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new IOException("cannot start a JVM for " + what + " (" + command.get(0) + "): "
                        + e.getMessage(), e);
            }
            try {
                List<String> results = new ArrayList<>();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        for (String prefix : prefixes) {
                            if (line.startsWith(prefix)) {
                                results.add(line);
                                break;
                            }
                        }
                    }
                }
                int code = p.waitFor();
                if (code != 0 || results.isEmpty()) {
                    throw new IllegalStateException(what + " failed in its own JVM: " + (code != 0
                            ? "exit code " + code : "exit code 0 but no result line") + describeErrors(errors));
                }
                return List.copyOf(results);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            } finally {
                p.destroyForcibly();
            }
        } finally {
            if (errors != null) {
                Files.deleteIfExists(errors);
            }
        }
    }

    private static String describeErrors(Path errors) throws IOException {
        if (errors == null) {
            return "; see its standard error above";
        }
        List<String> lines = Files.readAllLines(errors, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return "; its standard error is empty";
        }
        List<String> tail = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        return "; last lines of its standard error:\n  " + String.join("\n  ", tail);
    }

    /** Validating builder for {@link ChildJvm}. */
    public static final class Builder {
        private Class<?> mainClass;
        private List<String> arguments = List.of();
        private List<String> jvmOptions = memoryOptions();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private boolean inheritErrors;

        private Builder() {
        }

        /** The class whose {@code main} the child runs; required. */
        public Builder setMainClass(Class<?> mainClass) {
            this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
            return this;
        }

        /** Arguments of its {@code main}; default none. */
        public Builder optArguments(List<String> arguments) {
            this.arguments = List.copyOf(arguments);
            return this;
        }

        /** JVM options; default this JVM's memory options ({@link #memoryOptions()}). */
        public Builder optJvmOptions(List<String> options) {
            this.jvmOptions = List.copyOf(options);
            return this;
        }

        /** Sets an environment variable of the child (it inherits this JVM's environment); default none set. */
        public Builder optEnvironment(String name, String value) {
            environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Whether the child writes its standard error to this JVM's; default false: captured, and its last
         * {@value #TAIL_LINES} lines quoted if it fails.
         */
        public Builder optInheritErrors(boolean inherit) {
            this.inheritErrors = inherit;
            return this;
        }

        /**
         * The child, not yet started.
         *
         * @throws IllegalStateException if the main class is missing
         */
        public ChildJvm build() {
            if (mainClass == null) {
                throw new IllegalStateException("the child's main class is required (setMainClass)");
            }
            return new ChildJvm(this);
        }
    }
}

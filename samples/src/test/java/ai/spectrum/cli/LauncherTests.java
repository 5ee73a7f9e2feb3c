package ai.spectrum.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The launcher {@code samples/target/spectrum} (from {@code src/main/sh/spectrum}) runs the jar next to it, with the
 * class-data-sharing archive next to it when there is one. A stand-in {@code java} that prints its arguments shows the
 * command it runs.
 */
@DisabledOnOs(OS.WINDOWS)
class LauncherTests {
    @TempDir
    Path dir;
    private Path target;
    private Path javaHome;

    @BeforeEach
    void layOut() throws IOException {
        target = Files.createDirectories(dir.resolve("target")).toRealPath();
        Files.copy(Path.of("src/main/sh/spectrum"), target.resolve("spectrum"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(target.resolve("spectrum.jar"), "");
        javaHome = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Path java = javaHome.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private List<String> run(Path launcher, String javaOpts, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().putAll(Map.of("JAVA_HOME", javaHome.toString(), "JAVA_OPTS", javaOpts));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().toList();
    }

    @Test
    void runsTheJarNextToItWithTheOptionsAndArguments() throws Exception {
        assertEquals(List.of("-Xmx1g", "-XX:+UseSerialGC", "-jar", target.resolve("spectrum.jar").toString(), "scan",
                "model dir"), run(target.resolve("spectrum"), "-Xmx1g -XX:+UseSerialGC", "scan", "model dir"));
    }

    @Test
    void addsTheArchiveNextToItSilencingTheJvmIfItCannotUseIt() throws Exception {
        Files.writeString(target.resolve("spectrum.jsa"), "");
        assertEquals(List.of("-XX:SharedArchiveFile=" + target.resolve("spectrum.jsa"), "-Xlog:cds=off",
                        "-Xlog:cds+dynamic=off", "-Xmx1g", "-jar", target.resolve("spectrum.jar").toString(), "--help"),
                run(target.resolve("spectrum"), "-Xmx1g", "--help"));
    }

    @Test
    void findsTheJarThroughASymbolicLink() throws Exception {
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("bin")).resolve("spectrum"),
                target.resolve("spectrum"));
        assertEquals(List.of("-jar", target.resolve("spectrum.jar").toString(), "scan"), run(link, "", "scan"));
    }
}

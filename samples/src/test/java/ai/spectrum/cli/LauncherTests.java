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
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher {@code samples/target/spectrum} (from {@code src/main/sh/spectrum}) runs the jar next to it with the
 * class-data-sharing archive next to it, and a scan writes that archive when there is none for these jars and this
 * Java. A stand-in {@code java} prints its arguments (and writes the archive file it is asked to dump, as the JVM
 * does at exit), so the tests see the command the launcher runs.
 */
@DisabledOnOs(OS.WINDOWS)
class LauncherTests {
    @TempDir
    Path dir;
    private Path target;
    private Path javaHome;

    private record Run(int code, List<String> javaArgs) {
    }

    @BeforeEach
    void layOut() throws IOException {
        target = Files.createDirectories(dir.resolve("target")).toRealPath();
        Files.copy(Path.of("src/main/sh/spectrum"), target.resolve("spectrum"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(target.resolve("spectrum.jar"), "jar");
        Files.writeString(Files.createDirectories(target.resolve("lib")).resolve("dep.jar"), "dep");
        javaHome = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Path java = javaHome.resolve("bin/java");
        Files.writeString(java, """
                #!/bin/sh
                for a; do case $a in -XX:ArchiveClassesAtExit=*) echo archive > "${a#*=}";; esac; done
                printf '%s\\n' "$@"
                exit "${FAKE_EXIT:-0}"
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Run run(Path launcher, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().put("JAVA_OPTS", "-Xmx1g");
        pb.environment().remove("SPECTRUM_CDS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out.lines().toList());
    }

    private Run run(String... args) throws Exception {
        return run(target.resolve("spectrum"), Map.of(), args);
    }

    private List<String> jar(String... args) {
        List<String> l = new ArrayList<>(List.of("-Xmx1g", "-jar", target.resolve("spectrum.jar").toString()));
        l.addAll(List.of(args));
        return l;
    }

    private List<String> withArchive(String... args) {
        List<String> l = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + target.resolve("spectrum.jsa"),
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        l.addAll(jar(args));
        return l;
    }

    @Test
    void runsTheJarNextToItWithTheOptionsAndArgumentsWhenItHasNoArchive() throws Exception {
        assertEquals(new Run(0, jar("select", "results dir")), run("select", "results dir"));
        assertFalse(Files.exists(target.resolve("spectrum.jsa")));
    }

    @Test
    void aScanWritesTheArchiveThatLaterRunsUse() throws Exception {
        Run first = run("scan", "model");
        assertEquals(0, first.code());
        assertTrue(first.javaArgs().get(0).startsWith("-XX:ArchiveClassesAtExit=" + target.resolve("spectrum.jsa.")),
                first.javaArgs()::toString);
        assertEquals(List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off"), first.javaArgs().subList(1, 3));
        assertEquals(jar("scan", "model"), first.javaArgs().subList(3, first.javaArgs().size()));
        assertTrue(Files.exists(target.resolve("spectrum.jsa")));
        assertEquals(new Run(0, withArchive("scan", "model")), run("scan", "model"));
        assertEquals(new Run(0, withArchive("--help")), run("--help"));
    }

    @Test
    void aChangedJarMakesTheArchiveStaleUntilTheNextScanRewritesIt() throws Exception {
        run("scan", "model");
        Files.setLastModifiedTime(target.resolve("lib/dep.jar"), FileTime.fromMillis(0));
        assertEquals(new Run(0, jar("select")), run("select"));
        Run rewrite = run("scan", "model");
        assertTrue(rewrite.javaArgs().get(0).startsWith("-XX:ArchiveClassesAtExit="), rewrite.javaArgs()::toString);
        assertEquals(new Run(0, withArchive("select")), run("select"));
    }

    @Test
    void theSameJavaThroughAnotherPathKeepsTheArchive() throws Exception {
        run("scan", "model");
        Path linkedHome = Files.createDirectories(dir.resolve("linked-jdk/bin")).getParent();
        Files.createSymbolicLink(linkedHome.resolve("bin/java"), javaHome.resolve("bin/java"));
        assertEquals(new Run(0, withArchive("select")), run(target.resolve("spectrum"),
                Map.of("JAVA_HOME", linkedHome.toString()), "select"));
    }

    @Test
    void aFailedScanKeepsNoArchiveAndItsExitCode() throws Exception {
        Run failed = run(target.resolve("spectrum"), Map.of("FAKE_EXIT", "3"), "scan", "missing");
        assertEquals(3, failed.code());
        try (var files = Files.list(target)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("spectrum.jsa")).toList());
        }
    }

    @Test
    void cdsOffNeitherUsesNorWritesTheArchive() throws Exception {
        assertEquals(new Run(0, jar("scan", "model")), run(target.resolve("spectrum"), Map.of("SPECTRUM_CDS", "off"),
                "scan", "model"));
        assertFalse(Files.exists(target.resolve("spectrum.jsa")));
    }

    @Test
    void findsTheJarThroughASymbolicLink() throws Exception {
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("bin")).resolve("spectrum"),
                target.resolve("spectrum"));
        assertEquals(new Run(0, jar("select")), run(link, new HashMap<>(), "select"));
    }
}

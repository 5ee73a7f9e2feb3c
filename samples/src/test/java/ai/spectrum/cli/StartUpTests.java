package ai.spectrum.cli;

import ai.spectrum.samples.bench.CheckpointShape;
import ai.spectrum.samples.bench.SyntheticCheckpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code main} does to start quickly changes nothing the user sees. */
class StartUpTests {
    private static final Map<String, Supplier<Object>> MORE = Map.of("extra", Extra::new);

    @CommandLine.Command(name = "extra")
    static final class Extra implements Runnable {
        @Override
        public void run() {
        }
    }

    private static Set<String> built(String... args) {
        return SpectrumCommand.newCommandLine(args, MORE).getSubcommands().keySet();
    }

    @Nested
    @DisplayName("the command line of main")
    class CommandLineOfMain {
        @Test
        void buildsOnlyTheSubcommandItsFirstArgumentNames() {
            assertEquals(Set.of("scan"), built("scan", "model.safetensors", "--threads", "2"));
            assertEquals(Set.of("extra"), built("extra"));
        }

        @Test
        void buildsEverySubcommandForHelpOptionsOrAnUnknownName() {
            Set<String> all = Set.of("scan", "select", "bench-svd", "help", "extra");
            assertEquals(all, built());
            assertEquals(all, built("help", "scan"));
            assertEquals(all, built("--help"));
            assertEquals(all, built("scna"));
        }

        @Test
        void namesEachOwnSubcommandAsItsAnnotationDoes() {
            SpectrumCommand.ownSubcommands().forEach((name, supplier) ->
                    assertEquals(name, new CommandLine(supplier.get()).getCommandName()));
        }

        @Test
        void rejectsASubcommandRegisteredTwice() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SpectrumCommand.newCommandLine(new String[]{"scan"}, Map.of("scan", Extra::new)));
            assertTrue(e.getMessage().contains("'scan' is registered twice"), e.getMessage());
        }

        @Test
        void printsTheSameHelpAsTheFullCommandLine() {
            assertEquals(CommandRun.of("scan", "--help").out(), run(List.of("scan", "--help")));
            assertEquals(CommandRun.of("select", "--help").out(), run(List.of("select", "--help")));
        }

        private String run(List<String> args) {
            StringWriter out = new StringWriter();
            String[] a = args.toArray(String[]::new);
            SpectrumCommand.newCommandLine(a, Map.of()).setOut(new PrintWriter(out)).execute(a);
            return out.toString();
        }
    }

    @Nested
    @DisplayName("the backend started in the background")
    class BackgroundStart {
        @TempDir
        Path dir;
        private BackendStart started = BackendStart.NONE;

        @AfterEach
        void finish() {
            started.awaitQuietly();
        }

        @Test
        void isWaitedForBeforeTheCommandGoesOn() throws InterruptedException {
            CountDownLatch running = new CountDownLatch(1);
            AtomicBoolean finished = new AtomicBoolean();
            started = BackendStart.begin(() -> {
                running.countDown();
                sleep(200);
                finished.set(true);
            });
            running.await();
            BackendStart.awaitReady();
            assertTrue(finished.get());
        }

        @Test
        void rethrowsItsFailureToTheCommandUnchanged() {
            IllegalStateException failure = new IllegalStateException("no ND4J backend found");
            started = BackendStart.begin(() -> {
                throw failure;
            });
            assertSame(failure, assertThrows(IllegalStateException.class, BackendStart::awaitReady));
        }

        @Test
        void failsAScanWithItsOwnMessage() {
            started = BackendStart.begin(() -> {
                throw new IllegalStateException("no ND4J backend found");
            });
            Path npz = TestResources.copy("/reference/vectors_a.npz", dir);
            CommandRun run = CommandRun.of("scan", npz.toString(), "--out", dir.toString());
            assertEquals(ExitCodes.INTERNAL_ERROR, run.code(), run::toString);
            assertEquals(List.of("spectrum scan: internal error, please report: no ND4J backend found"),
                    run.errLines());
        }

        @Test
        void failsASafetensorsScanAfterReadingTheHeaderAndLeavesNoJournal() throws Exception {
            Path model = SyntheticCheckpoint.write(CheckpointShape.named("llama-tiny"), dir.resolve("llama-tiny"), 1,
                    1);
            started = BackendStart.begin(() -> {
                throw new IllegalStateException("no ND4J backend found");
            });
            Path out = dir.resolve("out");
            CommandRun run = CommandRun.of("scan", model.toString(), "--out", out.toString());
            assertEquals(ExitCodes.INTERNAL_ERROR, run.code(), run::toString);
            assertEquals(List.of("spectrum scan: internal error, please report: no ND4J backend found"),
                    run.errLines());
            if (Files.exists(out)) {
                try (var files = Files.list(out)) {
                    assertEquals(List.of(), files.toList());
                }
            }
        }

        @Test
        void isNothingToWaitForWhenNoneWasBegun() {
            BackendStart.NONE.awaitQuietly();
            BackendStart.awaitReady(); // returns at once
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

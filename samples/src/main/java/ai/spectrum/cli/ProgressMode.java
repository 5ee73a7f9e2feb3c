package ai.spectrum.cli;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.ScanProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressState;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;

/** When the scan shows a progress bar on the process's standard error. */
public enum ProgressMode {
    /** Only when a console is attached (default). */
    AUTO,
    /** Always, also when standard error is redirected. */
    ALWAYS,
    /** Never. */
    NEVER;

    /** A progress listener drawing a bar on {@code stream} in this mode; close it after the scan. */
    Bar open(String task, PrintStream stream) {
        return new Bar(task, shows() ? stream : null);
    }

    /** Whether a bar is drawn in this mode. */
    public boolean shows() {
        return this == ALWAYS || (this == AUTO && System.console() != null);
    }

    /**
     * A {@link ScanProgress} that draws a progress bar, or nothing. The bar advances by each module's share of the
     * estimated arithmetic (a 128,256×2048 embedding counts ~500 times a 2048×2048 matrix), so its percentage and
     * ETA stay honest while one large matrix takes minutes; the module count and the last module finished follow.
     */
    static final class Bar implements ScanProgress, AutoCloseable {
        private final String task;
        private final PrintStream stream;
        private ProgressBar bar;
        private long workDone;

        private Bar(String task, PrintStream stream) {
            this.task = task;
            this.stream = stream;
        }

        @Override
        public void started(int total) {
            started(total, total);
        }

        @Override
        public void started(int total, long totalWork) {
            if (stream != null) {
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(1, totalWork))
                        .setUpdateIntervalMillis(250).setConsumer(new ConsoleProgressBarConsumer(stream))
                        .setUnit("%", Math.max(1, totalWork / 100)).setEtaFunction(Bar::eta).build();
                bar.setExtraMessage(" 0/" + total + " modules");
            }
        }

        @Override
        public void moduleDone(ModuleScore score, int done, int total) {
            moduleDone(score, done, total, 1);
        }

        @Override
        public void moduleDone(ModuleScore score, int done, int total, long work) {
            workDone += work;
            if (bar != null) {
                bar.stepTo(workDone);
                bar.setExtraMessage(" " + done + "/" + total + " modules, last: " + score.name());
            }
        }

        /** Remaining work at the average rate so far: elapsed × (max − current) / current. */
        static Optional<Duration> eta(ProgressState s) {
            if (s.getCurrent() <= 0 || s.getMax() <= 0) {
                return Optional.empty();
            }
            double perUnit = (double) s.getElapsedAfterStart().toMillis() / s.getCurrent();
            return Optional.of(Duration.ofMillis(Math.round(perUnit * Math.max(0, s.getMax() - s.getCurrent()))));
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}

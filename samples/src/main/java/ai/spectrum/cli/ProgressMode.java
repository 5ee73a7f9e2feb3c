package ai.spectrum.cli;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.ScanProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintStream;

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

    /** A {@link ScanProgress} that draws a progress bar, or nothing. */
    static final class Bar implements ScanProgress, AutoCloseable {
        private final String task;
        private final PrintStream stream;
        private ProgressBar bar;

        private Bar(String task, PrintStream stream) {
            this.task = task;
            this.stream = stream;
        }

        @Override
        public void started(int total) {
            if (stream != null) {
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUpdateIntervalMillis(250)
                        .setConsumer(new ConsoleProgressBarConsumer(stream)).showSpeed().setUnit(" modules", 1)
                        .build();
            }
        }

        @Override
        public void moduleDone(ModuleScore score, int done, int total) {
            if (bar != null) {
                bar.stepTo(done);
                bar.setExtraMessage(score.name());
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}

/**
 * The {@code spectrum} command line: a thin picocli shell over {@code ai.spectrum.io}, {@code analysis},
 * {@code selection} and {@code report}. {@link ai.spectrum.cli.SpectrumCommand} is the entry point; exit codes live
 * in {@link ai.spectrum.cli.ExitCodes}, and {@link ai.spectrum.cli.ErrorHandler} turns every failure into one line on
 * the command's error writer. The only package allowed to use the standard streams.
 */
package ai.spectrum.cli;

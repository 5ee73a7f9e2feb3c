/**
 * The {@code spectrum} command line: a thin picocli shell over {@code ai.spectrum.io}, {@code analysis},
 * {@code selection} and {@code report}. {@link ai.spectrum.cli.SpectrumCommand} is the entry point for its own
 * subcommands ({@code scan}, {@code select}, {@code bench-svd}); it imports no sample class: demos and benchmarks
 * register as further subcommands from their side through {@code SpectrumCommand.newCommandLine(Object...)}. Exit
 * codes live in {@link ai.spectrum.cli.ExitCodes}, and {@link ai.spectrum.cli.ErrorHandler} turns every failure into
 * one line on the command's error writer. The repeated {@code --out} and {@code --progress} options are the mixins
 * {@link ai.spectrum.cli.OutputDirectory} and {@link ai.spectrum.cli.ProgressOption}.
 */
package ai.spectrum.cli;

/**
 * Hyperparameter sweeps over Spectrum's settings with Arbiter (1.0.0-beta7 core, running on DL4J 1.0.0-M2.1).
 *
 * <p>{@link ai.spectrum.arbiter.SweepSpace} combines Spectrum's own settings ({@link ai.spectrum.arbiter.SpectrumSpace})
 * with the user's hyperparameter spaces as one Arbiter {@code ParameterSpace}; Arbiter's grid or random
 * {@code CandidateGenerator} proposes candidates and its {@code LocalOptimizationRunner} schedules them;
 * {@link ai.spectrum.arbiter.SpectrumTaskCreator} trains each candidate under a {@link ai.spectrum.arbiter.TrainingBudget}
 * and scores it with a {@link ai.spectrum.arbiter.SweepScore}. {@link ai.spectrum.arbiter.SpectrumSweep} wires these
 * together and returns an immutable {@link ai.spectrum.arbiter.SweepResult}; {@code ai.spectrum.arbiter.report} writes
 * it as CSV and HTML.
 */
package ai.spectrum.arbiter;

/**
 * Hyperparameter sweeps over Spectrum's settings with Arbiter (1.0.0-beta7 core, running on DL4J 1.0.0-M2.1).
 *
 * <p>{@link ai.spectrum.arbiter.SweepSpace} combines Spectrum's own settings ({@link ai.spectrum.arbiter.SpectrumSpace})
 * with the user's hyperparameter spaces as one Arbiter {@code ParameterSpace}; Arbiter's grid or random
 * {@code CandidateGenerator} proposes candidates and its {@code LocalOptimizationRunner} schedules them;
 * {@link ai.spectrum.arbiter.SpectrumTaskCreator} trains each candidate under a {@link ai.spectrum.arbiter.TrainingBudget}
 * and scores it with a {@link ai.spectrum.arbiter.SweepScore}. {@link ai.spectrum.arbiter.SpectrumSweep} wires these
 * together and returns an immutable {@link ai.spectrum.arbiter.SweepResult}; {@code ai.spectrum.arbiter.report} writes
 * it as CSV, HTML and JSON.
 *
 * <h2>Arbiter 1.0.0-beta7 beside DL4J 1.0.0-M2.1</h2>
 * Only {@code arbiter-core} is used, with its {@code org.nd4j} and {@code org.deeplearning4j} dependencies and its
 * {@code commons-lang3} 3.6 excluded (M2.1 needs 3.11); everything it needs from ND4J (shaded Guava and Jackson,
 * {@code org.nd4j.common}) exists unchanged in M2.1. Parameter spaces, grid and random generators, the local runner,
 * termination conditions and status listeners work as shipped. What this package works around, all in Arbiter's own
 * code rather than in the M2.1 pairing:
 * <ul>
 *   <li>the runner does not count candidates that fail during generation, so {@code MaxCandidatesCondition} never
 *       fires for a grid containing one: the sweep terminates on its own recorded-candidate count;</li>
 *   <li>a task that throws is only logged by the runner and its status stays {@code Created}: the task creator never
 *       throws and returns a {@code Failed} result with the reason instead;</li>
 *   <li>a NaN score would stick as the runner's best score (NaN comparisons are false): non-finite losses and scores
 *       are failures, and {@link ai.spectrum.arbiter.SweepResult#best()} picks the best itself;</li>
 *   <li>grid search misindexes a one-valued {@code DiscreteParameterSpace}: {@link ai.spectrum.arbiter.Spaces} turns
 *       one value into a {@code FixedValue} and the builders reject the other form;</li>
 *   <li>the runner never shuts down the executor relaying task completions (one idle thread per sweep):
 *       {@code SweepRunner} does;</li>
 *   <li>the runner polls once for a second before its first candidate, so every sweep takes at least a second.</li>
 * </ul>
 * {@code arbiter-deeplearning4j} ({@code MultiLayerSpace}, its task creators and score functions) is not used: it is
 * compiled against beta7's network classes; a {@link ai.spectrum.arbiter.ModelFactory} builds the user's network.
 */
package ai.spectrum.arbiter;

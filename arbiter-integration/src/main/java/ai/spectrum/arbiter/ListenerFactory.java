package ai.spectrum.arbiter;

import org.deeplearning4j.optimize.api.TrainingListener;

/** Turns a candidate's Spectrum settings into the listener attached to that candidate's network. */
@FunctionalInterface
public interface ListenerFactory {
    /**
     * @param settings the candidate's Spectrum settings
     * @param seed     the sweep seed (for strategies that draw random numbers)
     */
    TrainingListener create(SpectrumSettings settings, long seed);

    /** The Spectrum listener itself: {@link SpectrumSettings#toListener(long)}. The sweep's default. */
    static ListenerFactory spectrum() {
        return SpectrumSettings::toListener;
    }
}

package ai.spectrum.samples.transformer;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** GELU as BERT defines it: {@code 0.5·x·(1 + erf(x/√2))} (not the tanh or sigmoid approximations). */
public final class Gelu {
    private Gelu() {
    }

    /** GELU of {@code x}. */
    public static SDVariable exact(SameDiff sd, SDVariable x) {
        return x.mul(0.5).mul(sd.math.erf(x.div(Math.sqrt(2.0))).add(1.0));
    }
}

package ai.spectrum.samples.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A SameDiff layer of the port without parameters and with explicit sizes (pooling, the attention core): it declares
 * no parameters, initialises none and takes no input size from DL4J. Subclasses define the function and the output
 * type.
 */
abstract class ParameterFreeLayer extends SameDiffLayer {
    @Override
    public final void defineParameters(SDLayerParams params) {
        params.clear();
    }

    @Override
    public final void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public final void setNIn(InputType inputType, boolean override) {
        // sizes are explicit
    }
}

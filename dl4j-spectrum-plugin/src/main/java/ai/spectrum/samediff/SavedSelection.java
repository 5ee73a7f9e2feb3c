package ai.spectrum.samediff;

import ai.spectrum.training.SelectionEvent;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The Spectrum state saved next to a SameDiff graph (see {@link SpectrumSameDiffTrainer#save}): what the graph file
 * cannot tell, because a frozen variable is saved as an ordinary constant.
 *
 * @param format          the file format version, {@value #FORMAT}
 * @param managed         every variable Spectrum manages (trainable or frozen by it), in graph order
 * @param selected        the modules trained at saving time
 * @param lastScores      each module's score at the last selection (reused for modules frozen since)
 * @param gradientNorms   the last observed gradient norms (gradient-norm strategy)
 * @param activationNorms the last observed activation norms (activation-norm strategy)
 * @param iteration       the graph's iteration count at saving time
 * @param epoch           the graph's epoch count at saving time
 * @param history         every selection so far
 */
record SavedSelection(int format, List<String> managed, List<String> selected, Map<String, Double> lastScores,
                      Map<String, Double> gradientNorms, Map<String, Double> activationNorms, int iteration,
                      int epoch, List<SelectionEvent> history) {
    static final int FORMAT = 1;
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    void write(Path file) throws IOException {
        MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
    }

    static SavedSelection read(Path file) throws IOException {
        SavedSelection s;
        try {
            s = MAPPER.readValue(file.toFile(), SavedSelection.class);
        } catch (IOException e) {
            throw new IOException("'" + file + "' is not a Spectrum SameDiff state file: " + e.getMessage(), e);
        }
        if (s.format() != FORMAT || s.managed() == null || s.selected() == null) {
            throw new IOException("'" + file + "' is not a Spectrum SameDiff state file of format " + FORMAT);
        }
        return s;
    }
}

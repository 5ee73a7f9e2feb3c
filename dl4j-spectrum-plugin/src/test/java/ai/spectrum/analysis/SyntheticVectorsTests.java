package ai.spectrum.analysis;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The synthetic reference vectors (1-D, 2-D, 4-D conv kernel, tall, equal spectrum), whose expected statistics were
 * computed independently in float64 with LAPACK, under both rules and with every SVD method.
 */
@DisplayName("synthetic reference vectors")
class SyntheticVectorsTests {
    private static final double REL = 1e-9;
    private static Map<String, INDArray> arrays;
    private static JsonNode expected;

    @BeforeAll
    static void load() throws Exception {
        arrays = Nd4j.createFromNpzFile(resource("vectors_a.npz"));
        expected = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build()
                .readTree(resource("vectors_a.expected.json"));
    }

    private static File resource(String name) throws URISyntaxException {
        return new File(SyntheticVectorsTests.class.getResource("/reference/" + name).toURI());
    }

    static Stream<Arguments> cases() throws Exception {
        load();
        List<Arguments> out = new ArrayList<>();
        for (String name : (Iterable<String>) expected::fieldNames) {
            for (SnrRule rule : SnrRule.values()) {
                for (SvdMethod m : SvdMethod.values()) {
                    out.add(Arguments.of(name, rule, m));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void statisticsMatchTheReferenceTo1e9Relative(String name, SnrRule rule, SvdMethod method) {
        JsonNode want = expected.get(name).get(rule == SnrRule.CURRENT ? "current" : "ref2024");
        SpectrumAnalyzer analyzer = SpectrumAnalyzer.builder().optRule(rule).optMethod(method).build();
        SpectralStats got = analyzer.score(name, ModuleTypes.fromPath(name), arrays.get(name)).stats().orElseThrow();

        double sMax = want.get("sigma_max").doubleValue();
        assertEquals(want.get("rows").longValue(), got.rows(), "rows");
        assertEquals(want.get("cols").longValue(), got.cols(), "cols");
        assertEquals(want.get("n_signal").intValue(), got.nSignal(), "n_signal");
        assertEquals(sMax, got.sigmaMax(), REL * sMax, "sigma_max");
        // σ̂ and τ can be tiny (equal spectrum: rounding noise), so they are compared on the scale of σ_max
        assertEquals(want.get("sigma_noise").doubleValue(), got.sigmaNoise(), REL * sMax, "sigma_noise");
        assertEquals(want.get("tau").doubleValue(), got.tau(), REL * sMax, "tau");
        double snr = want.get("snr").doubleValue();
        if (Double.isInfinite(snr)) {
            assertEquals(snr, got.snr(), "snr");
        } else {
            assertEquals(snr, got.snr(), REL * Math.abs(snr), "snr");
        }
    }
}

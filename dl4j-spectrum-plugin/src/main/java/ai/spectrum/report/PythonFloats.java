package ai.spectrum.report;

import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;

import java.math.BigDecimal;

/** Formats doubles exactly as Python's {@code repr(float)} and {@code json.dump} do. */
final class PythonFloats {
    private PythonFloats() {
    }

    /**
     * Python's repr: the shortest string that round-trips, fixed notation for decimal exponents in [-4, 16),
     * scientific ({@code 1e-05}, {@code 1.5e+16}) otherwise; {@code Infinity}, {@code -Infinity}, {@code NaN} as
     * json.dump writes them.
     */
    static String repr(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(DoubleToDecimal.toString(v)).stripTrailingZeros();
        String sign = shortest.signum() < 0 ? "-" : "";
        String digits = shortest.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - shortest.scale(); // decimal exponent of the leading digit
        if (exp >= -4 && exp < 16) {
            String fixed = shortest.abs().toPlainString();
            return sign + (fixed.contains(".") ? fixed : fixed + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String e = Integer.toString(Math.abs(exp));
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
    }
}

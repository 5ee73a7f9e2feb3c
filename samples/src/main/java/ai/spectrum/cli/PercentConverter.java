package ai.spectrum.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses a top percentage and rejects values outside (0, 100]. */
final class PercentConverter implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
        double p;
        try {
            p = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
        if (!(p > 0 && p <= 100)) {
            throw new TypeConversionException(value + " is outside (0, 100]");
        }
        return p;
    }
}

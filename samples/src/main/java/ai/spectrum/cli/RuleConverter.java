package ai.spectrum.cli;

import ai.spectrum.analysis.SnrRule;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code current} or {@code ref2024}. */
final class RuleConverter implements ITypeConverter<SnrRule> {
    @Override
    public SnrRule convert(String value) {
        try {
            return SnrRule.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "' is not a rule; expected current or ref2024");
        }
    }
}

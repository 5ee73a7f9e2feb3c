package ai.spectrum.samples;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The command line stands apart from the demos: it imports no sample, samples register with it. */
class SamplesArchitectureTests {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("ai.spectrum.cli", "ai.spectrum.samples");
    }

    @Test
    void theCommandLineImportsNoSample() {
        noClasses().that().resideInAPackage("ai.spectrum.cli..").should().dependOnClassesThat()
                .resideInAPackage("ai.spectrum.samples..").check(classes);
    }

    @Test
    void reusableLayersDependOnNoDemo() {
        noClasses().that().resideInAPackage("ai.spectrum.samples.transformer..").should().dependOnClassesThat()
                .resideInAnyPackage("ai.spectrum.samples.bert..", "ai.spectrum.samples.bench..",
                        "ai.spectrum.samples.sweep..", "ai.spectrum.cli..")
                .check(classes);
    }
}

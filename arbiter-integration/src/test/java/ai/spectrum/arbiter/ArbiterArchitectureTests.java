package ai.spectrum.arbiter;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The sweep core does not know its reports; the module writes no standard streams and throws no generic errors. */
class ArbiterArchitectureTests {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("ai.spectrum.arbiter");
    }

    @Test
    void theSweepCoreDoesNotDependOnReports() {
        noClasses().that().resideInAPackage("ai.spectrum.arbiter").should().dependOnClassesThat()
                .resideInAPackage("ai.spectrum.arbiter.report..").check(classes);
    }

    @Test
    void neverWritesToStandardStreams() {
        noClasses().should().accessField(System.class, "out").orShould().accessField(System.class, "err")
                .check(classes);
    }

    @Test
    void usesSlf4jAndThrowsNoGenericExceptions() {
        noClasses().should().dependOnClassesThat().resideInAPackage("java.util.logging..").check(classes);
        noClasses().should().callConstructor(RuntimeException.class, String.class)
                .orShould().callConstructor(RuntimeException.class, Throwable.class)
                .orShould().callConstructor(Exception.class, String.class)
                .check(classes);
    }
}

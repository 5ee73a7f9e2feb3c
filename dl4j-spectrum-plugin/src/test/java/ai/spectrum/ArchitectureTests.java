package ai.spectrum;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package tree is the architecture: analysis → selection → dl4j / training (dl4j is the one boundary to DL4J's
 * networks, training uses it), with io and report at the edge (they may use the core, the core never uses them).
 */
class ArchitectureTests {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("ai.spectrum");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("ai.spectrum.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void analysisDependsOnNoOtherSpectrumPackage() {
        noClasses().that().resideInAPackage("ai.spectrum.analysis..").should().dependOnClassesThat()
                .resideInAnyPackage("ai.spectrum.selection..", "ai.spectrum.training..", "ai.spectrum.io..",
                        "ai.spectrum.report..", "ai.spectrum.dl4j..")
                .check(classes);
    }

    @Test
    void selectionDoesNotReachIntoTrainingIoOrReport() {
        noClasses().that().resideInAPackage("ai.spectrum.selection..").should().dependOnClassesThat()
                .resideInAnyPackage("ai.spectrum.training..", "ai.spectrum.io..", "ai.spectrum.report..",
                        "ai.spectrum.dl4j..")
                .check(classes);
    }

    @Test
    void theDl4jBoundaryKnowsOnlyTheAnalysis() {
        noClasses().that().resideInAPackage("ai.spectrum.dl4j..").should().dependOnClassesThat()
                .resideInAnyPackage("ai.spectrum.selection..", "ai.spectrum.training..", "ai.spectrum.io..",
                        "ai.spectrum.report..")
                .check(classes);
    }

    @Test
    void trainingDoesNotReachIntoIoOrReport() {
        noClasses().that().resideInAPackage("ai.spectrum.training..").should().dependOnClassesThat()
                .resideInAnyPackage("ai.spectrum.io..", "ai.spectrum.report..")
                .check(classes);
    }

    @Test
    void theFreezeIsPublicOnlyThroughItsEntry() {
        classes().that().resideInAPackage("ai.spectrum.training.freeze").and().arePublic()
                .should().haveNameMatching("ai\\.spectrum\\.training\\.freeze\\.(NetworkFreeze(\\$Applied|\\$NormLayers"
                        + "|\\$UserFrozenLayers)?|SelectiveFreezeLayer|SelectiveFreezeLayerImpl|SpectrumFrozenLayer)")
                .because("the freeze's public surface is NetworkFreeze; DL4J must see the layer classes it "
                        + "deserializes and returns from getLayer()")
                .check(classes);
    }

    @Test
    void privateDl4jFieldsAreReachedOnlyThroughDl4jFields() {
        noClasses().that().doNotHaveSimpleName("DeclaredField").should()
                .callMethod(Class.class, "getDeclaredField", String.class)
                .check(classes);
    }

    @Test
    void libraryCodeNeverWritesToStandardStreams() {
        noClasses().should().accessField(System.class, "out").orShould().accessField(System.class, "err")
                .check(classes);
    }

    @Test
    void libraryCodeUsesSlf4jNotJavaUtilLogging() {
        noClasses().should().dependOnClassesThat().resideInAPackage("java.util.logging..").check(classes);
    }

    @Test
    void libraryCodeThrowsNoGenericExceptions() {
        noClasses().should().callConstructor(RuntimeException.class, String.class)
                .orShould().callConstructor(RuntimeException.class, Throwable.class)
                .orShould().callConstructor(Exception.class, String.class)
                .check(classes);
    }
}

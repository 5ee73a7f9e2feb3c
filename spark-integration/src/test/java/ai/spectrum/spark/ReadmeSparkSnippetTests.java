package ai.spectrum.spark;

import ai.spectrum.ReadmeSnippetsTests;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The README's {@code ```java spark-integration} blocks compile against this module (the plugin's README test
 * compiles the plain {@code ```java} blocks against the plugin alone).
 */
class ReadmeSparkSnippetTests {
    private static final String HEADER = String.join("\n",
            "import ai.spectrum.spark.*;",
            "import org.apache.spark.api.java.JavaRDD;",
            "import org.apache.spark.api.java.JavaSparkContext;",
            "import org.deeplearning4j.nn.graph.ComputationGraph;",
            "import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;",
            "import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;",
            "import org.deeplearning4j.util.ModelSerializer;",
            "import org.nd4j.linalg.dataset.DataSet;",
            "class Snippet {",
            "  void run(JavaSparkContext sc, ComputationGraph net, JavaRDD<DataSet> trainingRdd) throws Exception {",
            "");

    @TestFactory
    Stream<DynamicTest> everySparkSnippetCompiles() throws IOException {
        List<ReadmeSnippetsTests.Snippet> snippets =
                ReadmeSnippetsTests.snippets(Files.readAllLines(Path.of("..", "README.md")), "java spark-integration");
        assertFalse(snippets.isEmpty(), "the README has no ```java spark-integration block");
        return snippets.stream().map(s -> DynamicTest.dynamicTest("README.md line " + s.line(),
                () -> ReadmeSnippetsTests.compile(s, HEADER)));
    }
}

package ai.spectrum;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every {@code ```java} block of the README compiles against the library: each is wrapped in a method whose
 * parameters are the variables the README's prose assumes ({@code graph}, {@code net}, {@code trainIterator},
 * {@code path}), with the library's packages imported, and compiled with the system Java compiler on the test class
 * path. A failure names the README line.
 */
public class ReadmeSnippetsTests {
    private static final Path README = Path.of("..", "README.md");
    private static final String HEADER = String.join("\n",
            "import ai.spectrum.samediff.*;",
            "import org.nd4j.autodiff.samediff.SameDiff;",
            "import ai.spectrum.analysis.*;",
            "import ai.spectrum.dl4j.*;",
            "import ai.spectrum.io.*;",
            "import ai.spectrum.report.*;",
            "import ai.spectrum.selection.*;",
            "import ai.spectrum.training.*;",
            "import ai.spectrum.training.freeze.*;",
            "import java.nio.file.Path;",
            "import java.util.*;",
            "import org.deeplearning4j.nn.graph.ComputationGraph;",
            "import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;",
            "import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;",
            "class Snippet {",
            "  void run(ComputationGraph graph, MultiLayerNetwork net, SameDiff sd, DataSetIterator trainIterator,",
            "      Path path)",
            "      throws Exception {",
            "");
    private static final String FOOTER = "\n  }\n}\n";

    /** One fenced block: its first code line in the README (1-based) and its text. */
    public record Snippet(int line, String code) {
    }

    /**
     * The fenced blocks whose info string is exactly {@code info}: {@code "java"} for the library's own snippets,
     * {@code "java <module>"} for a snippet that needs another module's class path (that module compiles it).
     */
    public static List<Snippet> snippets(List<String> lines, String info) {
        List<Snippet> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("```" + info)) {
                int start = i + 1;
                StringBuilder code = new StringBuilder();
                for (i = start; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                    code.append(lines.get(i)).append('\n');
                }
                out.add(new Snippet(start + 1, code.toString()));
            }
        }
        return out;
    }

    @Test
    void theReadmeHasJavaSnippets() throws IOException {
        assertFalse(snippets(Files.readAllLines(README), "java").isEmpty(), "no ```java block found in " + README);
    }

    @TestFactory
    Stream<DynamicTest> everySnippetCompiles() throws IOException {
        return snippets(Files.readAllLines(README), "java").stream()
                .map(s -> DynamicTest.dynamicTest("README.md line " + s.line(), () -> compile(s, HEADER)));
    }

    /**
     * Compiles a snippet wrapped after {@code header} (imports, a class and an open method whose parameters the
     * snippet uses) on the test class path; fails naming the README lines of the errors.
     */
    public static void compile(Snippet s, String header) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler (run the tests on a JDK)");
        String source = header + s.code() + FOOTER;
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///Snippet.java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Path out;
        try {
            out = Files.createTempDirectory("readme-snippet");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary directory", e);
        }
        boolean ok = javac.getTask(null, null, diagnostics,
                List.of("-classpath", classPath, "-d", out.toString(), "-proc:none"), null, List.of(file)).call();
        if (!ok) {
            int headerLines = (int) header.chars().filter(c -> c == '\n').count();
            StringBuilder msg = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    long readmeLine = s.line() + d.getLineNumber() - 1 - headerLines;
                    msg.append("README.md line ").append(readmeLine).append(": ").append(d.getMessage(null))
                            .append('\n');
                }
            }
            fail("a README snippet does not compile:\n" + msg);
        }
    }
}

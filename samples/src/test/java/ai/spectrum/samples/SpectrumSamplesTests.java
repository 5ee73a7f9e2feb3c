package ai.spectrum.samples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The jar's main builds only the subcommand it is asked for, so each name must be the one picocli would use. */
class SpectrumSamplesTests {
    @Test
    void namesEachSubcommandAsItsAnnotationDoes() {
        List<String> annotated = new ArrayList<>();
        SpectrumSamples.subcommands().forEach((name, supplier) -> {
            annotated.add(new CommandLine(supplier.get()).getCommandName());
        });
        assertEquals(List.copyOf(SpectrumSamples.subcommands().keySet()), annotated);
    }

    @Test
    void listsEverySubcommandInTheFullHelp() {
        List<String> names = new ArrayList<>(SpectrumSamples.newCommandLine().getSubcommands().keySet());
        assertEquals(List.of("scan", "select", "bench-svd", "help", "experiment", "demo", "bench-train", "sweep",
                "bench-samediff", "bench-scan", "make-checkpoint"), names);
    }
}

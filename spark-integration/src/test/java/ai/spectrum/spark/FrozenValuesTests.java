package ai.spectrum.spark;

import ai.spectrum.selection.SelectionStrategy;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static ai.spectrum.spark.TestNets.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrozenValuesTests {

    @Test
    void averagingThreeEqualCopiesCanMoveFrozenValuesAndRestoringPutsThemBack() {
        ComputationGraph net = TestNets.graph(6);
        DriverSelection selection = new DriverSelection(SelectionStrategy.firstK(), 50, Double.NEGATIVE_INFINITY,
                List.of(), 1);
        selection.ensureSelected(net); // trains d1, d2; freezes d3, d4, out
        Map<String, INDArray> before = TestNets.paramCopies(net);
        FrozenValues frozen = DriverSelection.snapshotFrozen(net);
        assertEquals(2 * (TestNets.HIDDEN * TestNets.HIDDEN + TestNets.HIDDEN)
                + TestNets.HIDDEN * TestNets.OUT + TestNets.OUT, frozen.elements());

        // what DL4J's driver does with three identical worker results: sum, then divide by the count
        INDArray p = net.params().dup();
        net.setParams(p.add(p).addi(p).divi(3));
        long moved = 0;
        for (String key : List.of("d3_W", "d3_b", "d4_W", "d4_b", "out_W", "out_b")) {
            moved += net.getParam(key).neq(before.get(key)).castTo(org.nd4j.linalg.api.buffer.DataType.INT64)
                    .sumNumber().longValue();
        }
        assertTrue(moved > 0, "(x + x + x) / 3 rounds away from x for some float x");

        assertEquals(moved, frozen.restore());
        for (String key : List.of("d3_W", "d3_b", "d4_W", "d4_b", "out_W", "out_b")) {
            assertBitIdentical(before.get(key), net.getParam(key), key);
        }
    }
}

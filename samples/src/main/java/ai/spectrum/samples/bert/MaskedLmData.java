package ai.spectrum.samples.bert;

import ai.spectrum.cli.ExitCodes;
import org.nd4j.linalg.dataset.MultiDataSet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The masked-language-model data of every MLM run: State of the Union passages tokenized with all-MiniLM-L6-v2's
 * tokenizer, split into training and validation passages, held-out batches with fixed masks (the same validation set
 * for every method), and a stream of training batches. Everything is drawn from one seed: training passages are
 * shuffled by {@code Random(seed)} (which also draws the training masks and reshuffles after each pass), validation
 * passages by {@code Random(seed + 1)}, validation masks by {@code Random(seed + 2)}.
 */
public final class MaskedLmData {
    private final MaskedLmBatches batches;
    private final List<long[]> train;
    private final List<MultiDataSet> heldOut;
    private final int validationPassages;
    private final int batchSize;
    private final Random random;
    private int cursor;

    private MaskedLmData(MaskedLmBatches batches, List<long[]> train, List<MultiDataSet> heldOut,
                         int validationPassages, int batchSize, Random random) {
        this.batches = batches;
        this.train = train;
        this.heldOut = Collections.unmodifiableList(heldOut);
        this.validationPassages = validationPassages;
        this.batchSize = batchSize;
        this.random = random;
    }

    /**
     * Tokenizes the corpus and prepares the held-out batches.
     *
     * @param trainPassages      training passages to use, 0 for all
     * @param validationPassages validation passages to hold out (at most all)
     * @throws ExitCodes.BadInput if the batch size exceeds the training passages (the user's flags)
     * @throws IOException              if the corpus cannot be read from the class path
     */
    public static MaskedLmData load(MaskedLmBatches batches, long seed, int trainPassages, int validationPassages,
                             int batchSize) throws IOException {
        List<long[]> train = new ArrayList<>();
        List<long[]> validation = new ArrayList<>();
        for (SotuCorpus.Passage p : SotuCorpus.load()) {
            (p.validation() ? validation : train).add(batches.tokens(p.text()));
        }
        Random random = new Random(seed);
        Collections.shuffle(train, random);
        Collections.shuffle(validation, new Random(seed + 1));
        if (trainPassages > 0) {
            train = new ArrayList<>(train.subList(0, Math.min(trainPassages, train.size())));
        }
        if (train.size() < batchSize) {
            throw new ExitCodes.BadInput("batch size " + batchSize + " exceeds the " + train.size()
                    + " training passages");
        }
        List<MultiDataSet> heldOut = new ArrayList<>();
        Random maskRandom = new Random(seed + 2); // fixed masks: the same validation set for every method
        List<long[]> val = validation.subList(0, Math.min(validationPassages, validation.size()));
        for (int i = 0; i < val.size(); i += batchSize) {
            heldOut.add(batches.batch(val.subList(i, Math.min(val.size(), i + batchSize)), maskRandom));
        }
        return new MaskedLmData(batches, train, heldOut, val.size(), batchSize, random);
    }

    /** The batch builder (sequence length, predictions per sequence). */
    public MaskedLmBatches batches() {
        return batches;
    }

    /** The next training batch, reshuffling the training passages after each pass. */
    public MultiDataSet nextTrainBatch() {
        if (cursor + batchSize > train.size()) {
            Collections.shuffle(train, random);
            cursor = 0;
        }
        MultiDataSet batch = batches.batch(train.subList(cursor, cursor + batchSize), random);
        cursor += batchSize;
        return batch;
    }

    /** The held-out validation batches, fixed masks. */
    public List<MultiDataSet> heldOut() {
        return heldOut;
    }

    /** Number of training passages. */
    public int trainPassages() {
        return train.size();
    }

    /** Number of held-out validation passages. */
    public int validationPassages() {
        return validationPassages;
    }
}

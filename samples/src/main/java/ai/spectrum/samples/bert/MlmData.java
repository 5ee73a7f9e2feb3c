package ai.spectrum.samples.bert;

import org.nd4j.linalg.dataset.MultiDataSet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The masked-language-model data of {@link MlmFineTuning}: State of the Union passages split into training and
 * held-out ones, the held-out batches with fixed masks, and the training minibatches in a seeded order (reshuffled
 * after each pass). Two instances built with the same arguments yield the same batches, so models trained on them
 * see the same data.
 */
public final class MlmData {
    private final MaskedLmBatches batches;
    private final List<long[]> train;
    private final List<MultiDataSet> heldOut;
    private final int batchSize;
    private final Random random;
    private final int validationPassages;
    private int cursor;

    /**
     * @param tokenizer          the all-MiniLM-L6-v2 tokenizer
     * @param vocabSize          the model's vocabulary size
     * @param sequenceLength     tokens per passage
     * @param batchSize          passages per batch
     * @param validationPassages held-out passages (at most as many as the corpus has)
     * @param seed               seed of the order and the masks
     */
    public MlmData(BertTokenizer tokenizer, int vocabSize, int sequenceLength, int batchSize, int validationPassages,
                   long seed) throws IOException {
        this.batches = new MaskedLmBatches(tokenizer, sequenceLength, vocabSize, 0.15,
                Math.max(1, (int) Math.ceil(sequenceLength * 0.15)) + 1);
        this.batchSize = batchSize;
        List<long[]> trainPassages = new ArrayList<>();
        List<long[]> validation = new ArrayList<>();
        for (SotuCorpus.Passage p : SotuCorpus.load()) {
            (p.validation() ? validation : trainPassages).add(batches.tokens(p.text()));
        }
        this.train = trainPassages;
        this.random = new Random(seed);
        Collections.shuffle(train, random);
        Collections.shuffle(validation, new Random(seed + 1));
        this.heldOut = new ArrayList<>();
        Random maskRandom = new Random(seed + 2); // fixed masks: the same validation set for every mode
        List<long[]> val = validation.subList(0, Math.min(validationPassages, validation.size()));
        this.validationPassages = val.size();
        for (int i = 0; i < val.size(); i += batchSize) {
            heldOut.add(batches.batch(val.subList(i, Math.min(val.size(), i + batchSize)), maskRandom));
        }
    }

    /** The batch builder (sequence length, predictions per sequence). */
    public MaskedLmBatches batches() {
        return batches;
    }

    /** The held-out batches, with fixed masks. */
    public List<MultiDataSet> heldOut() {
        return Collections.unmodifiableList(heldOut);
    }

    /** Training passages. */
    public int trainPassages() {
        return train.size();
    }

    /** Held-out passages. */
    public int validationPassages() {
        return validationPassages;
    }

    /** The next training minibatch (freshly masked). */
    public MultiDataSet next() {
        if (cursor + batchSize > train.size()) {
            Collections.shuffle(train, random);
            cursor = 0;
        }
        MultiDataSet batch = batches.batch(train.subList(cursor, cursor + batchSize), random);
        cursor += batchSize;
        return batch;
    }
}

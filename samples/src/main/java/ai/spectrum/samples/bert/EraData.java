package ai.spectrum.samples.bert;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The era task: date a State of the Union passage ({@link SotuCorpus}) to one of {@link #ERAS eight eras} of about
 * thirty years. Classes are balanced by down-sampling every era to the smallest one (a fixed, seed-independent
 * subset); validation passages come only from the held-out addresses, {@code validationPerClass} per era. Training
 * batches follow a seeded shuffle, reshuffled every epoch, so a seed fixes the data order of every method.
 *
 * <pre>{@code
 * EraData data = EraData.load(tokenizer, 128, 16, 16, 0, 42);
 * MultiDataSet batch = data.trainBatch(0);
 * }</pre>
 */
public final class EraData {
    /**
     * An era: years {@code from} to {@code to} inclusive.
     *
     * @param label short name, e.g. {@code 1790-1819}
     * @param from  first year
     * @param to    last year
     */
    public record Era(String label, int from, int to) {
    }

    /** The eight eras (boundaries close to the octiles of the corpus's passage years). */
    public static final List<Era> ERAS = List.of(era(1790, 1819), era(1820, 1849), era(1850, 1879),
            era(1880, 1909), era(1910, 1939), era(1940, 1964), era(1965, 1994), era(1995, 2030));

    private static final long SUBSET_SEED = 20_251_129L;

    private final INDArray[] trainInputs;
    private final int[] trainLabels;
    private final List<MultiDataSet> validation;
    private final int[] validationLabels;
    private final int batchSize;
    private final long seed;
    private final List<int[]> epochs = new ArrayList<>();

    private EraData(INDArray[] trainInputs, int[] trainLabels, List<MultiDataSet> validation,
                    int[] validationLabels, int batchSize, long seed) {
        this.trainInputs = trainInputs;
        this.trainLabels = trainLabels;
        this.validation = List.copyOf(validation);
        this.validationLabels = validationLabels;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    private static Era era(int from, int to) {
        return new Era(from + "-" + Math.min(to, 2021), from, to);
    }

    /** The era index of a year. */
    public static int eraOf(int year) {
        for (int i = 0; i < ERAS.size(); i++) {
            if (year >= ERAS.get(i).from() && year <= ERAS.get(i).to()) {
                return i;
            }
        }
        throw new IllegalArgumentException("year " + year + " lies in no era");
    }

    /**
     * Loads and tokenizes the corpus.
     *
     * @param tokenizer          the encoder's tokenizer
     * @param sequenceLength     tokens per passage (padded/truncated)
     * @param batchSize          passages per training step
     * @param validationPerClass held-out passages per era (capped by the smallest era's held-out count)
     * @param trainPerClass      training passages per era; 0 = as many as the smallest era has
     * @param seed               seed of the training order
     * @throws IOException if the corpus cannot be read
     */
    public static EraData load(BertTokenizer tokenizer, int sequenceLength, int batchSize, int validationPerClass,
                               int trainPerClass, long seed) throws IOException {
        if (batchSize < 1 || validationPerClass < 1 || trainPerClass < 0) {
            throw new IllegalArgumentException("need batch ≥ 1, validation per class ≥ 1, train per class ≥ 0; got "
                    + batchSize + ", " + validationPerClass + ", " + trainPerClass);
        }
        List<List<String>> train = new ArrayList<>();
        List<List<String>> held = new ArrayList<>();
        for (int i = 0; i < ERAS.size(); i++) {
            train.add(new ArrayList<>());
            held.add(new ArrayList<>());
        }
        for (SotuCorpus.Passage p : SotuCorpus.load()) {
            (p.validation() ? held : train).get(eraOf(p.year())).add(p.text());
        }
        int trainN = train.stream().mapToInt(List::size).min().orElseThrow();
        int heldN = held.stream().mapToInt(List::size).min().orElseThrow();
        if (trainPerClass > trainN) {
            throw new IllegalArgumentException("train per class " + trainPerClass + " exceeds the smallest era's "
                    + trainN + " training passages");
        }
        trainN = trainPerClass == 0 ? trainN : trainPerClass;
        heldN = Math.min(heldN, validationPerClass);
        List<String> trainTexts = new ArrayList<>();
        List<Integer> trainY = new ArrayList<>();
        List<String> heldTexts = new ArrayList<>();
        List<Integer> heldY = new ArrayList<>();
        Random subset = new Random(SUBSET_SEED);
        for (int c = 0; c < ERAS.size(); c++) {
            List<String> t = new ArrayList<>(train.get(c));
            Collections.shuffle(t, subset);
            for (String s : t.subList(0, trainN)) {
                trainTexts.add(s);
                trainY.add(c);
            }
            List<String> h = new ArrayList<>(held.get(c));
            Collections.shuffle(h, subset);
            for (String s : h.subList(0, heldN)) {
                heldTexts.add(s);
                heldY.add(c);
            }
        }
        if (trainTexts.size() < batchSize) {
            throw new IllegalArgumentException("batch size " + batchSize + " exceeds the " + trainTexts.size()
                    + " training passages");
        }
        INDArray[] trainInputs = SentenceEncoder.inputs(tokenizer, sequenceLength, trainTexts);
        trainInputs[3] = trainInputs[3].reshape(trainTexts.size(), sequenceLength); // rows pulled per batch
        int[] validationLabels = heldY.stream().mapToInt(Integer::intValue).toArray();
        List<MultiDataSet> validation = new ArrayList<>();
        for (int from = 0; from < heldTexts.size(); from += batchSize) {
            int to = Math.min(heldTexts.size(), from + batchSize);
            validation.add(new MultiDataSet(SentenceEncoder.inputs(tokenizer, sequenceLength,
                    heldTexts.subList(from, to)), new INDArray[]{oneHot(validationLabels, from, to)}));
        }
        return new EraData(trainInputs, trainY.stream().mapToInt(Integer::intValue).toArray(), validation,
                validationLabels, batchSize, seed);
    }

    /** The same passages and batches with another training order. */
    public EraData withSeed(long newSeed) {
        return new EraData(trainInputs, trainLabels, validation, validationLabels, batchSize, newSeed);
    }

    /** Number of classes. */
    public int classes() {
        return ERAS.size();
    }

    /** Training passages (all eras). */
    public int trainPassages() {
        return trainLabels.length;
    }

    /** Held-out passages (all eras). */
    public int validationPassages() {
        return validationLabels.length;
    }

    /** The held-out batches (the last may be smaller). */
    public List<MultiDataSet> validation() {
        return validation;
    }

    /** The held-out labels in batch order. */
    public int[] validationLabels() {
        return validationLabels.clone();
    }

    /**
     * The training batch of a step (0-based): epochs of a seeded shuffle of all training passages, each epoch's
     * incomplete last batch dropped. The same step gives the same batch for the same seed.
     */
    public MultiDataSet trainBatch(int step) {
        int perEpoch = trainLabels.length / batchSize;
        int epoch = step / perEpoch;
        while (epochs.size() <= epoch) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < trainLabels.length; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(seed * 1_000_003L + epochs.size()));
            epochs.add(order.stream().mapToInt(Integer::intValue).toArray());
        }
        int[] order = epochs.get(epoch);
        int from = (step % perEpoch) * batchSize;
        int[] rows = new int[batchSize];
        int[] labels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            rows[i] = order[from + i];
            labels[i] = trainLabels[order[from + i]];
        }
        INDArray[] features = new INDArray[trainInputs.length];
        for (int k = 0; k < features.length; k++) {
            features[k] = Nd4j.pullRows(trainInputs[k], 1, rows);
        }
        features[3] = features[3].reshape(batchSize, trainInputs[3].size(1), 1);
        return new MultiDataSet(features, new INDArray[]{oneHot(labels, 0, batchSize)});
    }

    private static INDArray oneHot(int[] labels, int from, int to) {
        float[][] y = new float[to - from][ERAS.size()];
        for (int i = from; i < to; i++) {
            y[i - from][labels[i]] = 1;
        }
        return Nd4j.createFromArray(y);
    }
}

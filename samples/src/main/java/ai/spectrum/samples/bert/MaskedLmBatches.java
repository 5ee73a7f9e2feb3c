package ai.spectrum.samples.bert;

import ai.spectrum.samples.transformer.BertMlm;
import ai.spectrum.samples.transformer.MaskedLmOutput;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds masked-language-model minibatches for {@link BertMlm}: BERT's corruption rule (each ordinary token is
 * chosen with probability {@code maskProbability}; a chosen token becomes {@code [MASK]} 80 % of the time, a random
 * vocabulary id 10 %, and stays unchanged 10 %; at least one and at most {@code maxPredictions} tokens per sequence
 * are chosen), sequences truncated
 * (keeping the final {@code [SEP]}) and padded to a fixed length. Labels follow {@link MaskedLmOutput}.
 */
public final class MaskedLmBatches {
    private final BertTokenizer tokenizer;
    private final int sequenceLength;
    private final int vocabSize;
    private final double maskProbability;
    private final int maxPredictions;

    /**
     * BERT's masking for every MLM run of the samples: 15 % of the tokens chosen for prediction, at most
     * {@code ceil(0.15 · sequenceLength) + 1} per sequence.
     */
    public static MaskedLmBatches bert(BertTokenizer tokenizer, int sequenceLength, int vocabSize) {
        return new MaskedLmBatches(tokenizer, sequenceLength, vocabSize, 0.15,
                Math.max(1, (int) Math.ceil(sequenceLength * 0.15)) + 1);
    }

    /**
     * @param tokenizer       supplies the special ids
     * @param sequenceLength  padded length, ≥ 3
     * @param vocabSize       random replacements are drawn from {@code [0, vocabSize)} minus the special ids
     * @param maskProbability chance that a token is chosen for prediction, in (0, 1)
     * @param maxPredictions  most predictions per sequence (BERT: 20 for 128 tokens), ≥ 1
     */
    public MaskedLmBatches(BertTokenizer tokenizer, int sequenceLength, int vocabSize, double maskProbability,
                           int maxPredictions) {
        if (maxPredictions < 1) {
            throw new IllegalArgumentException("max predictions must be ≥ 1, got " + maxPredictions);
        }
        if (sequenceLength < 3) {
            throw new IllegalArgumentException("sequence length must be ≥ 3, got " + sequenceLength);
        }
        if (!(maskProbability > 0 && maskProbability < 1)) {
            throw new IllegalArgumentException("mask probability must be in (0, 1), got " + maskProbability);
        }
        this.tokenizer = tokenizer;
        this.sequenceLength = sequenceLength;
        this.vocabSize = vocabSize;
        this.maskProbability = maskProbability;
        this.maxPredictions = maxPredictions;
    }

    public int maxPredictions() {
        return maxPredictions;
    }

    public int sequenceLength() {
        return sequenceLength;
    }

    /** Token ids of a text, truncated to the sequence length with {@code [SEP]} kept last. */
    public long[] tokens(String text) {
        long[] ids = tokenizer.encode(text);
        if (ids.length <= sequenceLength) {
            return ids;
        }
        long[] cut = java.util.Arrays.copyOf(ids, sequenceLength);
        cut[sequenceLength - 1] = ids[ids.length - 1];
        return cut;
    }

    /**
     * One minibatch: features {@code input_ids, position_ids, token_type_ids, attention_mask}, labels
     * {@code [n, 3·maxPredictions]} as {@link MaskedLmOutput} reads them (position, target id, weight).
     */
    public MultiDataSet batch(List<long[]> sequences, Random random) {
        int n = sequences.size();
        int t = sequenceLength;
        float[][] ids = new float[n][t];
        float[][] positions = new float[n][t];
        float[][] types = new float[n][t];
        float[][] attention = new float[n][t];
        float[][] labels = new float[n][3 * maxPredictions];
        for (int i = 0; i < n; i++) {
            long[] seq = sequences.get(i);
            if (seq.length > t) {
                throw new IllegalArgumentException("sequence " + i + " has " + seq.length + " tokens, more than " + t);
            }
            List<Integer> eligible = new ArrayList<>();
            List<Integer> chosen = new ArrayList<>();
            for (int p = 0; p < t; p++) {
                positions[i][p] = p;
                if (p >= seq.length) {
                    ids[i][p] = tokenizer.padId();
                    continue;
                }
                attention[i][p] = 1;
                ids[i][p] = seq[p];
                if (!tokenizer.isSpecial(seq[p])) {
                    eligible.add(p);
                    if (random.nextDouble() < maskProbability) {
                        chosen.add(p);
                    }
                }
            }
            if (chosen.isEmpty() && !eligible.isEmpty()) { // at least one prediction per sequence
                chosen.add(eligible.get(random.nextInt(eligible.size())));
            }
            while (chosen.size() > maxPredictions) { // at most maxPredictions, dropped at random
                chosen.remove(random.nextInt(chosen.size()));
            }
            for (int c = 0; c < chosen.size(); c++) {
                int p = chosen.get(c);
                labels[i][c] = p;
                labels[i][maxPredictions + c] = seq[p];
                labels[i][2 * maxPredictions + c] = 1;
                corrupt(ids[i], p, random);
            }
        }
        return new MultiDataSet(
                new INDArray[]{Nd4j.createFromArray(ids), Nd4j.createFromArray(positions),
                        Nd4j.createFromArray(types), Nd4j.createFromArray(attention).reshape(n, t, 1)},
                new INDArray[]{Nd4j.createFromArray(labels)});
    }

    private void corrupt(float[] ids, int p, Random random) {
        double r = random.nextDouble();
        if (r < 0.8) {
            ids[p] = tokenizer.maskId();
        } else if (r < 0.9) {
            long id;
            do {
                id = random.nextInt(vocabSize);
            } while (tokenizer.isSpecial(id));
            ids[p] = id;
        } // else unchanged
    }
}

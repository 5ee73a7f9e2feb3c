package ai.spectrum.samples.bert;

import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

/**
 * Builds masked-language-model minibatches for {@link BertMlm}: BERT's corruption rule (each ordinary token is
 * chosen with probability {@code maskProbability}; a chosen token becomes {@code [MASK]} 80 % of the time, a random
 * vocabulary id 10 %, and stays unchanged 10 %; at least one token per sequence is chosen), sequences truncated
 * (keeping the final {@code [SEP]}) and padded to a fixed length. Labels follow {@link MaskedLmOutput}.
 */
public final class MaskedLmBatches {
    private final BertTokenizer tokenizer;
    private final int sequenceLength;
    private final int vocabSize;
    private final double maskProbability;

    /**
     * @param tokenizer       supplies the special ids
     * @param sequenceLength  padded length, ≥ 3
     * @param vocabSize       random replacements are drawn from {@code [0, vocabSize)} minus the special ids
     * @param maskProbability chance that a token is chosen for prediction, in (0, 1)
     */
    public MaskedLmBatches(BertTokenizer tokenizer, int sequenceLength, int vocabSize, double maskProbability) {
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
     * {@code [n, 2·length]} (target ids, then weights).
     */
    public MultiDataSet batch(List<long[]> sequences, Random random) {
        int n = sequences.size();
        int t = sequenceLength;
        float[][] ids = new float[n][t];
        float[][] positions = new float[n][t];
        float[][] types = new float[n][t];
        float[][] attention = new float[n][t];
        float[][] labels = new float[n][2 * t];
        for (int i = 0; i < n; i++) {
            long[] seq = sequences.get(i);
            if (seq.length > t) {
                throw new IllegalArgumentException("sequence " + i + " has " + seq.length + " tokens, more than " + t);
            }
            int chosen = 0;
            int eligible = 0;
            for (int p = 0; p < t; p++) {
                positions[i][p] = p;
                if (p >= seq.length) {
                    ids[i][p] = tokenizer.padId();
                    continue;
                }
                attention[i][p] = 1;
                ids[i][p] = seq[p];
                labels[i][p] = seq[p];
                if (!tokenizer.isSpecial(seq[p])) {
                    eligible++;
                    if (random.nextDouble() < maskProbability) {
                        corrupt(ids[i], labels[i], p, random);
                        chosen++;
                    }
                }
            }
            if (chosen == 0 && eligible > 0) { // force one prediction per sequence
                int k = random.nextInt(eligible);
                for (int p = 0; p < seq.length; p++) {
                    if (!tokenizer.isSpecial(seq[p]) && k-- == 0) {
                        corrupt(ids[i], labels[i], p, random);
                    }
                }
            }
        }
        return new MultiDataSet(
                new org.nd4j.linalg.api.ndarray.INDArray[]{Nd4j.createFromArray(ids), Nd4j.createFromArray(positions),
                        Nd4j.createFromArray(types), Nd4j.createFromArray(attention)},
                new org.nd4j.linalg.api.ndarray.INDArray[]{Nd4j.createFromArray(labels)});
    }

    private void corrupt(float[] ids, float[] labels, int p, Random random) {
        labels[sequenceLength + p] = 1;
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

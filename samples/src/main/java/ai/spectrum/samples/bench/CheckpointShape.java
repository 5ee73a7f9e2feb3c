package ai.spectrum.samples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The tensor names, shapes, element type and sharding of a model checkpoint, for {@link SyntheticCheckpoint}.
 *
 * @param name    the shape's name ({@code llama-3.2-1b}, ...)
 * @param dtype   {@code BF16} or {@code F32}
 * @param shards  how many {@code .safetensors} files; more than one adds a {@code model.safetensors.index.json}
 * @param tensors every tensor, sorted by name (the order of a Hugging Face index's {@code weight_map})
 */
public record CheckpointShape(String name, String dtype, int shards, List<Tensor> tensors) {
    /** The shapes {@link #named} knows. */
    public static final List<String> NAMES = List.of("llama-3.2-1b", "llama-small", "llama-tiny",
            "bge-small-en-v1.5");

    /** One tensor: its name and shape. */
    public record Tensor(String name, long[] shape) {
        public Tensor {
            Objects.requireNonNull(name, "name");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Elements of the tensor. */
        public long elements() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && name.equals(t.name) && Arrays.equals(shape, t.shape);
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(shape);
        }
    }

    public CheckpointShape {
        Objects.requireNonNull(name, "name");
        if (!dtype.equals("BF16") && !dtype.equals("F32")) {
            throw new IllegalArgumentException("dtype must be BF16 or F32, got " + dtype);
        }
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        }
        tensors = tensors.stream().sorted(Comparator.comparing(Tensor::name)).toList();
    }

    /** Bytes per element. */
    public int elementBytes() {
        return dtype.equals("BF16") ? 2 : 4;
    }

    /** Total data bytes. */
    public long dataBytes() {
        return tensors.stream().mapToLong(Tensor::elements).sum() * elementBytes();
    }

    /**
     * A shape by name: {@code llama-3.2-1b} (Llama-3.2-1B's exact tensors: 16 layers, hidden 2048, FFN 8192,
     * 32 query and 8 KV heads of dim 64, tied 128,256-token embedding; bf16, 3 shards, 2.47 GB),
     * {@code llama-small} (4 layers, hidden 512, FFN 2048, 8,000 tokens; for trial runs), {@code llama-tiny}
     * (2 layers, hidden 288, FFN 320; for tests: 2.2 MB, Gram tiles and slabs with partial ends) and {@code bge-small-en-v1.5} (BAAI/bge-small-en-v1.5's BERT tensors, F32,
     * one file).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static CheckpointShape named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "llama-3.2-1b" -> llama("llama-3.2-1b", 16, 2048, 8192, 8, 64, 128_256, 3);
            case "llama-small" -> llama("llama-small", 4, 512, 2048, 2, 64, 8_000, 2);
            case "llama-tiny" -> llama("llama-tiny", 2, 288, 320, 2, 16, 600, 3);
            case "bge-small-en-v1.5" -> bert("bge-small-en-v1.5", 12, 384, 1536, 30_522, 512);
            default -> throw new IllegalArgumentException("unknown checkpoint shape '" + name + "'; known: "
                    + String.join(", ", NAMES));
        };
    }

    private static CheckpointShape llama(String name, int layers, int hidden, int ffn, int kvHeads, int headDim,
                                         int vocab, int shards) {
        List<Tensor> t = new ArrayList<>();
        t.add(new Tensor("model.embed_tokens.weight", new long[]{vocab, hidden}));
        t.add(new Tensor("model.norm.weight", new long[]{hidden}));
        int kv = kvHeads * headDim;
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            t.add(new Tensor(p + "input_layernorm.weight", new long[]{hidden}));
            t.add(new Tensor(p + "post_attention_layernorm.weight", new long[]{hidden}));
            t.add(new Tensor(p + "self_attn.q_proj.weight", new long[]{hidden, hidden}));
            t.add(new Tensor(p + "self_attn.k_proj.weight", new long[]{kv, hidden}));
            t.add(new Tensor(p + "self_attn.v_proj.weight", new long[]{kv, hidden}));
            t.add(new Tensor(p + "self_attn.o_proj.weight", new long[]{hidden, hidden}));
            t.add(new Tensor(p + "mlp.gate_proj.weight", new long[]{ffn, hidden}));
            t.add(new Tensor(p + "mlp.up_proj.weight", new long[]{ffn, hidden}));
            t.add(new Tensor(p + "mlp.down_proj.weight", new long[]{hidden, ffn}));
        }
        return new CheckpointShape(name, "BF16", shards, t);
    }

    private static CheckpointShape bert(String name, int layers, int hidden, int ffn, int vocab, int positions) {
        List<Tensor> t = new ArrayList<>();
        t.add(new Tensor("embeddings.word_embeddings.weight", new long[]{vocab, hidden}));
        t.add(new Tensor("embeddings.position_embeddings.weight", new long[]{positions, hidden}));
        t.add(new Tensor("embeddings.token_type_embeddings.weight", new long[]{2, hidden}));
        t.add(new Tensor("embeddings.LayerNorm.weight", new long[]{hidden}));
        t.add(new Tensor("embeddings.LayerNorm.bias", new long[]{hidden}));
        for (int i = 0; i < layers; i++) {
            String p = "encoder.layer." + i + ".";
            for (String m : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense")) {
                t.add(new Tensor(p + m + ".weight", new long[]{hidden, hidden}));
                t.add(new Tensor(p + m + ".bias", new long[]{hidden}));
            }
            t.add(new Tensor(p + "attention.output.LayerNorm.weight", new long[]{hidden}));
            t.add(new Tensor(p + "attention.output.LayerNorm.bias", new long[]{hidden}));
            t.add(new Tensor(p + "intermediate.dense.weight", new long[]{ffn, hidden}));
            t.add(new Tensor(p + "intermediate.dense.bias", new long[]{ffn}));
            t.add(new Tensor(p + "output.dense.weight", new long[]{hidden, ffn}));
            t.add(new Tensor(p + "output.dense.bias", new long[]{hidden}));
            t.add(new Tensor(p + "output.LayerNorm.weight", new long[]{hidden}));
            t.add(new Tensor(p + "output.LayerNorm.bias", new long[]{hidden}));
        }
        t.add(new Tensor("pooler.dense.weight", new long[]{hidden, hidden}));
        t.add(new Tensor("pooler.dense.bias", new long[]{hidden}));
        return new CheckpointShape(name, "F32", 1, t);
    }
}

package ai.spectrum.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Minimal writers of safetensors and npz files, written from the format specifications, for round-trip tests. */
public final class TestModelFiles {
    private TestModelFiles() {
    }

    /** A tensor to write: dtype string, shape and the raw little-endian element bytes. */
    public record Raw(String dtype, long[] shape, byte[] data) {
    }

    /** Writes a safetensors file holding the tensors in map order. */
    public static void writeSafetensors(Path file, Map<String, Raw> tensors) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
            Raw r = e.getValue();
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(r.dtype())
                    .append("\",\"shape\":[")
                    .append(Arrays.stream(r.shape()).mapToObj(Long::toString).collect(Collectors.joining(",")))
                    .append("],\"data_offsets\":[").append(offset).append(',').append(offset + r.data().length)
                    .append("]}");
            offset += r.data().length;
            data.writeBytes(r.data());
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            out.write(data.toByteArray());
        }
    }

    /** The bytes of a .npy array (format 1.0). */
    public static byte[] npy(String descr, boolean fortran, long[] shape, byte[] data) {
        String dims = shape.length == 1 ? shape[0] + "," : Arrays.stream(shape).mapToObj(Long::toString)
                .collect(Collectors.joining(", "));
        StringBuilder dict = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': "
                + (fortran ? "True" : "False") + ", 'shape': (" + dims + "), }");
        while ((10 + dict.length() + 1) % 64 != 0) {
            dict.append(' ');
        }
        dict.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + dict.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) dict.length());
        b.put(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
        b.put(data);
        return b.array();
    }

    /** Writes a .npz archive of .npy entries (names without .npy), stored or deflated. */
    public static void writeNpz(Path file, Map<String, byte[]> arrays, boolean deflate) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, byte[]> e : arrays.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                if (!deflate) {
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(e.getValue().length);
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    /** Little-endian float32 bytes. */
    public static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** Float64 bytes in the given order. */
    public static byte[] f64(ByteOrder order, double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(order);
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    /** Little-endian 16-bit patterns. */
    public static byte[] u16(short... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (short x : v) {
            b.putShort(x);
        }
        return b.array();
    }

    /** An ordered map literal. */
    @SafeVarargs
    public static <V> Map<String, V> ordered(Map.Entry<String, V>... entries) {
        Map<String, V> m = new LinkedHashMap<>();
        for (Map.Entry<String, V> e : entries) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }
}

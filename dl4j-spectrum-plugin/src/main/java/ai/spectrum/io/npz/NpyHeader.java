package ai.spectrum.io.npz;

import ai.spectrum.io.ModelFormatException;
import ai.spectrum.io.TensorDType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of one {@code .npy} array (format versions 1–3): magic {@code \x93NUMPY}, version, a little-endian
 * header length (2 bytes in v1, 4 in v2/v3) and a Python dict literal with {@code descr}, {@code fortran_order} and
 * {@code shape}.
 *
 * @param descr        the numpy type string, e.g. {@code <f4}
 * @param fortranOrder whether the data is column-major
 * @param shape        the array shape (empty for a scalar)
 * @param headerBytes  total bytes before the data (magic, version, length field and dict)
 */
public record NpyHeader(String descr, boolean fortranOrder, long[] shape, long headerBytes) {
    /** Larger headers are rejected as corrupt; numpy itself writes a few hundred bytes. */
    static final int MAX_HEADER_BYTES = 1 << 20;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    public NpyHeader {
        shape = shape.clone();
    }

    /** A defensive copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Reads a header from the start of {@code in}, leaving the stream at the first data byte.
     *
     * @param file  the archive, for messages
     * @param array the array name, for messages
     * @throws ModelFormatException if the header is truncated or malformed
     */
    public static NpyHeader read(InputStream in, Path file, String array) throws IOException {
        String where = "array '" + array + "': ";
        byte[] pre = in.readNBytes(8);
        if (pre.length < 8 || !Arrays.equals(Arrays.copyOf(pre, 6), MAGIC)) {
            throw new ModelFormatException(file, where + "not a .npy array (bad magic or truncated)");
        }
        int major = pre[6];
        long len;
        int lenBytes;
        if (major == 1) {
            byte[] l = in.readNBytes(2);
            if (l.length < 2) {
                throw new ModelFormatException(file, where + "truncated .npy header");
            }
            len = (l[0] & 0xff) | ((l[1] & 0xff) << 8);
            lenBytes = 2;
        } else if (major == 2 || major == 3) {
            byte[] l = in.readNBytes(4);
            if (l.length < 4) {
                throw new ModelFormatException(file, where + "truncated .npy header");
            }
            len = (l[0] & 0xffL) | ((l[1] & 0xffL) << 8) | ((l[2] & 0xffL) << 16) | ((l[3] & 0xffL) << 24);
            lenBytes = 4;
        } else {
            throw new ModelFormatException(file, where + "unsupported .npy format version " + major);
        }
        if (len > MAX_HEADER_BYTES) {
            throw new ModelFormatException(file, where + "corrupt .npy header: header length " + len
                    + " exceeds " + MAX_HEADER_BYTES + " bytes");
        }
        byte[] dict = in.readNBytes((int) len);
        if (dict.length < len) {
            throw new ModelFormatException(file, where + "truncated .npy header: expected " + len + " bytes, got "
                    + dict.length);
        }
        String text = new String(dict, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(text);
        Matcher f = FORTRAN.matcher(text);
        Matcher s = SHAPE.matcher(text);
        if (!d.find() || !f.find() || !s.find()) {
            throw new ModelFormatException(file, where + "corrupt .npy header: expected descr, fortran_order and "
                    + "shape in " + text.strip());
        }
        String dims = s.group(1).strip();
        long[] shape;
        if (dims.isEmpty()) {
            shape = new long[0];
        } else {
            String[] parts = dims.split(",");
            int n = parts[parts.length - 1].isBlank() ? parts.length - 1 : parts.length;
            shape = new long[n];
            for (int i = 0; i < n; i++) {
                try {
                    shape[i] = Long.parseLong(parts[i].strip().replace("L", ""));
                } catch (NumberFormatException e) {
                    throw new ModelFormatException(file, where + "corrupt .npy header: bad shape (" + dims + ")", e);
                }
                if (shape[i] < 0) {
                    throw new ModelFormatException(file, where + "corrupt .npy header: negative dimension in ("
                            + dims + ")");
                }
            }
        }
        return new NpyHeader(d.group(1), f.group(1).equals("True"), shape, 8L + lenBytes + len);
    }

    /** The floating-point type, or empty for integer, boolean, complex and other types. */
    public Optional<TensorDType> floatType() {
        if (descr.length() != 3 || descr.charAt(1) != 'f') {
            return Optional.empty();
        }
        return switch (descr.charAt(2)) {
            case '2' -> Optional.of(TensorDType.F16);
            case '4' -> Optional.of(TensorDType.F32);
            case '8' -> Optional.of(TensorDType.F64);
            default -> Optional.empty();
        };
    }

    /** The byte order of the elements ({@code <}, {@code |} and {@code =} are read as little-endian). */
    public ByteOrder byteOrder() {
        return descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }
}

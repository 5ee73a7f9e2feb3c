package ai.spectrum.io.npz;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Writes an array as a {@code .npy} file (format 1.0, little-endian float64, C order), readable by
 * {@code numpy.load}. Unlike {@code Nd4j.writeAsNumpy}, correct for arrays of any ordering.
 */
public final class NpyWriter {
    private NpyWriter() {
    }

    /** Writes {@code array} (any floating-point type, any ordering) as float64. */
    public static void writeFloat64(Path file, INDArray array) throws IOException {
        long[] shape = array.shape();
        String dims = shape.length == 1 ? shape[0] + "," : Arrays.stream(shape).mapToObj(Long::toString)
                .collect(Collectors.joining(", "));
        StringBuilder dict = new StringBuilder("{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "), }");
        while ((10 + dict.length() + 1) % 64 != 0) {
            dict.append(' ');
        }
        dict.append('\n');
        double[] values = array.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
             DataOutputStream out = new DataOutputStream(os)) {
            out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.writeShort(Short.reverseBytes((short) dict.length()));
            out.write(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
            for (double v : values) {
                out.writeLong(Long.reverseBytes(Double.doubleToRawLongBits(v)));
            }
        }
    }
}

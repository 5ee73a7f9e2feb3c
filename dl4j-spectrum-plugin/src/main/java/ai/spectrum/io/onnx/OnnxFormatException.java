package ai.spectrum.io.onnx;

import java.io.IOException;

/** An ONNX file that cannot be decoded: truncated, corrupt, or using a feature this reader does not support. */
public final class OnnxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

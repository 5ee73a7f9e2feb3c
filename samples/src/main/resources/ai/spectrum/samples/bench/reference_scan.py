"""Spectrum's reference math over a safetensors model, one tensor at a time: the side-by-side baseline of
`spectrum bench-scan` and the source of the test reference values.

    python3 reference_scan.py MODEL [--dtype float32|float64] [--include-1d]

MODEL: a .safetensors file, a model.safetensors.index.json, or a directory holding either. Safetensors is parsed
by hand (8-byte little-endian header length, JSON header, raw little-endian data; bf16 widened to float32 by
shifting into the high 16 bits), so only numpy is needed. Per module (tensor name without ".weight", in the index's
weight_map order, or the header's): singular values from numpy.linalg.svd(compute_uv=False) in the chosen dtype
(float32 as the original tool's GPU scan), then in float64: sigma = IQR/1.349 with linearly interpolated quantiles,
tau = sigma*(1+sqrt(beta)), SNR = (sum s>tau / sum s<=tau) / s_max (noise := 1 when every value is signal, the
original tool's current rule). Prints one JSON object per module, then {"seconds": wall time of the loop}.
"""
import json
import os
import sys
import time

import numpy as np

FLOAT_TYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": None}


def shards(path):
    if os.path.isdir(path):
        index = os.path.join(path, "model.safetensors.index.json")
        if os.path.isfile(index):
            path = index
        else:
            files = sorted(f for f in os.listdir(path) if f.endswith(".safetensors"))
            if len(files) != 1:
                sys.exit("expected one .safetensors file or an index in " + path)
            path = os.path.join(path, files[0])
    if path.endswith(".index.json"):
        with open(path) as f:
            weight_map = json.load(f)["weight_map"]
        base = os.path.dirname(os.path.abspath(path))
        return [(name, os.path.join(base, shard)) for name, shard in weight_map.items()]
    return [(name, path) for name in header(path)[0] if name != "__metadata__"]


_headers = {}


def header(file):
    if file not in _headers:
        with open(file, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            _headers[file] = (json.loads(f.read(n)), 8 + n)
    return _headers[file]


def load(file, name):
    h, data_start = header(file)
    t = h[name]
    dtype = t["dtype"]
    shape = t["shape"]
    begin, end = t["data_offsets"]
    count = int(np.prod(shape)) if shape else 1
    if dtype == "BF16":
        raw = np.fromfile(file, dtype="<u2", count=count, offset=data_start + begin)
        values = (raw.astype(np.uint32) << 16).view(np.float32)
        del raw
    else:
        values = np.fromfile(file, dtype=np.dtype(FLOAT_TYPES[dtype]).newbyteorder("<"), count=count,
                             offset=data_start + begin)
    return values.reshape(shape)


def stats(s, rows, cols):
    s = np.sort(s.astype(np.float64))[::-1]
    s_max = s[0]
    q75, q25 = np.quantile(s, [0.75, 0.25])
    sigma = (q75 - q25) / 1.349
    beta = min(rows, cols) / max(rows, cols)
    tau = sigma * (1 + np.sqrt(beta))
    signal_mask = s > tau
    signal = s[signal_mask].sum()
    noise = s[~signal_mask].sum()
    if signal_mask.all():
        noise = 1.0
    ratio = signal / noise if noise != 0 else float("inf")
    return {"sigma_max": float(s_max), "sigma": float(sigma), "tau": float(tau),
            "n_signal": int(signal_mask.sum()), "snr": float(ratio / s_max)}


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    path = argv[0]
    dtype = np.float64 if "--dtype" in argv and argv[argv.index("--dtype") + 1] == "float64" else np.float32
    include_1d = "--include-1d" in argv
    start = time.perf_counter()
    for name, file in shards(path):
        h, _ = header(file)
        t = h[name]
        if t["dtype"] not in FLOAT_TYPES or len(t["shape"]) == 0 or 0 in t["shape"]:
            continue
        if len(t["shape"]) == 1 and not include_1d:
            continue
        w = load(file, name)
        w = w.reshape(1, -1) if w.ndim == 1 else w.reshape(w.shape[0], -1)
        rows, cols = w.shape
        s = np.linalg.svd(w.astype(dtype, copy=False), compute_uv=False)
        del w
        module = name[:-len(".weight")] if name.endswith(".weight") and len(name) > 7 else name
        out = {"name": module, "rows": rows, "cols": cols}
        out.update(stats(s, rows, cols))
        print(json.dumps(out), flush=True)
    print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Baseline for `spectrum bench-svd`: numpy.linalg.svd(compute_uv=False) on every .npy matrix of a directory.

Usage: python3 bench_svd.py DIR WARMUP REPS
Prints one JSON line: per-repetition wall times of one pass over all matrices (seconds), their median, and each
matrix's largest singular value (for the caller's consistency check).
"""
import json
import os
import sys
import time

import numpy as np


def main():
    directory, warmup, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    names = sorted(f for f in os.listdir(directory) if f.endswith(".npy"))
    mats = [np.load(os.path.join(directory, f)) for f in names]

    def one_pass():
        return [np.linalg.svd(m, compute_uv=False) for m in mats]

    for _ in range(warmup):
        one_pass()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        one_pass()
        times.append(time.perf_counter() - t0)
    sigma_max = {n[:-4]: float(s[0]) for n, s in zip(names, one_pass())}
    print(json.dumps({"numpy": np.__version__, "times_s": times, "median_s": float(np.median(times)),
                      "sigma_max": sigma_max}))


if __name__ == "__main__":
    main()

"""Baseline for `spectrum bench-svd`: numpy.linalg.svd(compute_uv=False) on every .npy matrix of a directory.

Usage: python3 bench_svd.py DIR
Loads the matrices (sorted by file name), prints "ready <numpy version>", then answers commands on stdin, one per
line, so the caller can interleave its own timed passes with these under the same machine load:
  pass  -> runs one pass over all matrices and prints its wall time in seconds
  sigma -> prints a JSON object {file stem: largest singular value} for the caller's consistency check
  quit  -> exits
"""
import json
import os
import sys
import time

import numpy as np


def main():
    directory = sys.argv[1]
    names = sorted(f for f in os.listdir(directory) if f.endswith(".npy"))
    mats = [np.load(os.path.join(directory, f)) for f in names]
    print("ready", np.__version__, flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "pass":
            t0 = time.perf_counter()
            for m in mats:
                np.linalg.svd(m, compute_uv=False)
            print(repr(time.perf_counter() - t0), flush=True)
        elif cmd == "sigma":
            print(json.dumps({n[:-4]: float(np.linalg.svd(m, compute_uv=False)[0]) for n, m in zip(names, mats)}),
                  flush=True)
        elif cmd == "quit":
            return
        else:
            print("unknown command " + cmd, file=sys.stderr, flush=True)
            sys.exit(2)


if __name__ == "__main__":
    main()

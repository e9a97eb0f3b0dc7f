#!/usr/bin/python3
"""Peer for bench/knn_bench.ts: exact cosine kNN in NumPy (BLAS matmul in
blocks of queries + argpartition), then 'sum' voting as lib/metrics does.

Usage: knn_peer.py DIR N T DIM K CLASSES
DIR holds queries.f32 (N x DIM), train.f32 (T x DIM), labels.i32 (T), raw
little-endian. Writes neighbours.i32 (N x K, nearest first) into DIR and
prints one JSON line: {"seconds": s, "numpy": version}.
Run with Debian's interpreter (/usr/bin/python3) for python3-numpy.
"""
import json
import sys
import time

import numpy as np

d, n, t, dim, k, classes = sys.argv[1], *map(int, sys.argv[2:7])
q = np.fromfile(f"{d}/queries.f32", dtype="<f4").reshape(n, dim)
tr = np.fromfile(f"{d}/train.f32", dtype="<f4").reshape(t, dim)
labels = np.fromfile(f"{d}/labels.i32", dtype="<i4")

start = time.perf_counter()
qn = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-30)
tn = tr / np.maximum(np.linalg.norm(tr, axis=1, keepdims=True), 1e-30)
neighbours = np.empty((n, k), dtype="<i4")
predicted = np.empty(n, dtype="<i4")
for q0 in range(0, n, 256):
    sims = qn[q0:q0 + 256] @ tn.T  # block x T
    part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(sims, part, 1), axis=1, kind="stable")
    idx = np.take_along_axis(part, order, 1)
    neighbours[q0:q0 + 256] = idx
    for row, nb in enumerate(idx):
        votes = np.bincount(labels[nb], weights=sims[row, nb], minlength=classes)
        predicted[q0 + row] = int(np.argmax(votes))
seconds = time.perf_counter() - start
neighbours.tofile(f"{d}/neighbours.i32")
print(json.dumps({"seconds": seconds, "numpy": np.__version__}))

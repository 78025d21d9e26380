#!/usr/bin/env python3
"""Writes `digits_knn10.edges`: the symmetric 10-nearest-neighbour graph of the
bundled UCI digits (the graph cells `sne_graph`, `tsne_graph`, `ncuts` read it).

Python standard library only, deterministic, no arguments:

    python3 methods/data/make_digits_knn.py

Input:  `data/digits-images-idx3-ubyte.gz` (1797 x 8 x 8, values 0..16), scaled
        by 1/16 and flattened to 64 features, exactly as `Digits` loads it.
Graph:  for each sample i, its k = 10 nearest other samples by squared
        euclidean distance (ties go to the lower index, as in the spec §6);
        the union of both directions is kept (i~j if j in knn(i) or i in
        knn(j)), every edge weight 1.
Output: one line `i j w` per directed entry of the symmetric W (both `i j 1`
        and `j i 1` are written), 0-based indices in the file order of the
        data set, sorted by (i, j). `Graph` indexes it with the `index` key.
"""
import gzip
import os
import struct

K = 10
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "data", "digits-images-idx3-ubyte.gz")
OUT = os.path.join(HERE, "digits_knn10.edges")


def load_digits(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, h, w = struct.unpack(">IIII", raw[:16])
    assert magic == 0x00000803, "not an IDX image file"
    f = h * w
    body = raw[16:]
    return [[body[i * f + j] / 16.0 for j in range(f)] for i in range(n)]


def main():
    xs = load_digits(SRC)
    n = len(xs)
    sq = [sum(v * v for v in x) for x in xs]
    edges = set()
    for i in range(n):
        xi = xs[i]
        # Squared euclidean distance to every other sample, expanded form.
        dists = []
        for j in range(n):
            if j == i:
                continue
            dot = sum(a * b for a, b in zip(xi, xs[j]))
            dists.append((max(sq[i] + sq[j] - 2.0 * dot, 0.0), j))
        dists.sort()  # ties broken by the lower index j
        for _, j in dists[:K]:
            edges.add((i, j))
            edges.add((j, i))
    with open(OUT, "w") as out:
        for i, j in sorted(edges):
            out.write(f"{i} {j} 1\n")
    print(f"wrote {len(edges)} directed entries for {n} nodes to {os.path.basename(OUT)}")


if __name__ == "__main__":
    main()

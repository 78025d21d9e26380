#!/usr/bin/env python3
"""scikit-learn baselines on the bundled MNIST-10k split iconc uses
(first 8000 samples train, last 2000 held out; pixels scaled to [0, 1]).

    python3 scripts/quality_baselines.py [--out docs/quality_baselines.md]

Prints library versions and writes a markdown section (`--out`) and the same
numbers as JSON (`--out` with `.json`), which `cargo run --release --example
quality` appends to docs/quality.md and checks the issue-5 targets against.
Metrics use iconc's settings: kNN (k=10, cosine, on the held-out 2k, fit on
the 8k train) and logistic regression on raw pixels; PCA(2), t-SNE(2) and
openTSNE(2) trustworthiness (k=10, as `eval = [trustworthiness]`) and kNN
accuracy in the 2-D map; KMeans(10) Hungarian accuracy and NMI.

openTSNE is run twice: fitted on the held-out 2k itself (transductive), and
fitted on the 8k train then `transform`ing the held-out 2k (inductive: the
protocol of a parametric t-SNE, which maps unseen points with its network).
"""
import argparse
import json
import gzip
import platform
import struct
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE, trustworthiness
from sklearn.metrics import normalized_mutual_info_score
from sklearn.neighbors import KNeighborsClassifier

try:  # optional: `pip install openTSNE`
    import openTSNE
except ImportError:
    openTSNE = None

ROOT = Path(__file__).resolve().parent.parent


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def hungarian_acc(y, pred):
    k = max(y.max(), pred.max()) + 1
    m = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(y, pred):
        m[p, t] += 1
    r, c = linear_sum_assignment(-m)
    return m[r, c].sum() / len(y)


K = 10  # iconc's kNN k and TRUST_K


def knn_acc(xtr, ytr, xte, yte, metric="cosine"):
    clf = KNeighborsClassifier(n_neighbors=K, metric=metric).fit(xtr, ytr)
    return clf.score(xte, yte)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "quality_baselines.md"))
    args = ap.parse_args()

    x = read_idx(ROOT / "data" / "mnist10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    y = read_idx(ROOT / "data" / "mnist10k-labels-idx1-ubyte.gz").astype(np.int64)
    xtr, ytr, xte, yte = x[:8000], y[:8000], x[8000:], y[8000:]
    versions = (
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"openTSNE {openTSNE.__version__ if openTSNE else 'not installed'}"
    )
    print(versions)
    rows = []
    values = {}  # key -> number, for the targets in the quality report

    def timed(name, key, fn, note):
        """Runs fn() -> {metric: value}; records `key.metric` values."""
        t = time.time()
        metrics = fn()
        dt = time.time() - t
        for m, v in metrics.items():
            values[f"{key}.{m}"] = float(v)
        text = ", ".join(f"{m} {v:.4f}" for m, v in metrics.items()) + f" ({note})"
        rows.append((name, key, text, dt))
        print(f"{name}: {text} ({dt:.1f} s)", flush=True)

    def map_scores(z, xs, ys):
        z = np.asarray(z)
        cut = int(0.8 * len(ys))
        return {
            "trustworthiness": trustworthiness(xs, z, n_neighbors=K),
            "knn2d": knn_acc(z[:cut], ys[:cut], z[cut:], ys[cut:], "euclidean"),
        }

    def sk_tsne(xs):
        return TSNE(perplexity=30, random_state=0, init="pca").fit_transform(xs)

    def open_tsne(xs):
        return openTSNE.TSNE(perplexity=30, random_state=0, n_jobs=2).fit(xs)

    def clusters(xs, ys):
        pred = KMeans(n_clusters=10, n_init=10, random_state=0).fit_predict(xs)
        return {"hungarian": hungarian_acc(ys, pred), "nmi": normalized_mutual_info_score(ys, pred)}

    timed("kNN on raw pixels (k=10, cosine)", "mnist_pixels_knn",
          lambda: {"knn": knn_acc(xtr, ytr, xte, yte)}, "test")
    timed("logistic regression on raw pixels", "mnist_logreg",
          lambda: {"linear_probe": LogisticRegression(max_iter=200).fit(xtr, ytr).score(xte, yte)}, "test")
    timed("PCA(2)", "mnist_pca",
          lambda: map_scores(PCA(n_components=2, random_state=0).fit(xtr).transform(xte), xte, yte),
          "fit on train 8k, test 2k")
    timed("t-SNE(2), perplexity 30", "mnist_tsne",
          lambda: map_scores(sk_tsne(xte), xte, yte),
          "fit on test 2k")
    if openTSNE is not None:
        timed("openTSNE(2), perplexity 30", "mnist_opentsne",
              lambda: map_scores(open_tsne(xte), xte, yte),
              "fit on test 2k")
        timed("openTSNE(2), perplexity 30, transform", "mnist_opentsne_transform",
              lambda: map_scores(open_tsne(xtr).transform(xte), xte, yte),
              "fit on train 8k, transform test 2k")
    timed("KMeans(10) on raw pixels", "mnist_kmeans", lambda: clusters(xte, yte), "test 2k")

    # UCI digits, the data of the neighbour-embedding and digits clustering
    # cells: all 1,797 for t-SNE (they embed the whole set), the last 297
    # (`holdout = 297`) for KMeans. Pixel scale does not change these metrics.
    dx = read_idx(ROOT / "data" / "digits-images-idx3-ubyte.gz").reshape(-1, 64).astype(np.float64)
    dy = read_idx(ROOT / "data" / "digits-labels-idx1-ubyte.gz").astype(np.int64)
    timed("digits: t-SNE(2), perplexity 30", "digits_tsne",
          lambda: map_scores(sk_tsne(dx), dx, dy),
          "all 1,797")
    if openTSNE is not None:
        timed("digits: openTSNE(2), perplexity 30", "digits_opentsne",
              lambda: map_scores(open_tsne(dx), dx, dy),
              "all 1,797")
    timed("digits: KMeans(10) on pixels", "digits_kmeans", lambda: clusters(dx[-297:], dy[-297:]), "last 297")

    lines = [
        "## Python baselines (MNIST-10k 8k train / 2k test; UCI digits)",
        "",
        f"`python3 scripts/quality_baselines.py` — {versions}. "
        f"kNN and trustworthiness use k = {K}, as iconc's `eval` does; knn2d is a euclidean "
        "kNN fitted on the first 80 % of the map and scored on the rest.",
        "",
        "| baseline | key | metrics | wall s |",
        "|---|---|---|---|",
    ]
    lines += [f"| {n} | `{k}` | {m} | {dt:.1f} |" for n, k, m, dt in rows]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps({"versions": versions, "values": values}, indent=1) + "\n")
    print(f"wrote {out} and {out.with_suffix('.json')}", file=sys.stderr)


if __name__ == "__main__":
    main()

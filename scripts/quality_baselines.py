#!/usr/bin/env python3
"""scikit-learn baselines on the bundled MNIST-10k split iconc uses
(first 8000 samples train, last 2000 held out; pixels scaled to [0, 1]).

    python3 scripts/quality_baselines.py [--out docs/quality_baselines.md]

Prints library versions and writes a markdown section that
`cargo run --release --example quality` appends to docs/quality.md.
Metrics use iconc's settings: kNN (k=10, cosine, on the held-out 2k, fit on
the 8k train) and logistic regression on raw pixels; PCA(2), t-SNE(2) and
openTSNE(2) trustworthiness (k=10, as `eval = [trustworthiness]`) and kNN
accuracy in the 2-D map; KMeans(10) Hungarian accuracy and NMI.

openTSNE is run twice: fitted on the held-out 2k itself (transductive), and
fitted on the 8k train then `transform`ing the held-out 2k (inductive: the
protocol of a parametric t-SNE, which maps unseen points with its network).
"""
import argparse
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

    def timed(name, fn):
        t = time.time()
        metrics = fn()
        dt = time.time() - t
        rows.append((name, metrics, dt))
        print(f"{name}: {metrics} ({dt:.1f} s)", flush=True)

    timed("kNN on raw pixels (k=10, cosine)", lambda: f"knn {knn_acc(xtr, ytr, xte, yte):.4f} (test)")

    def logreg():
        clf = LogisticRegression(max_iter=200).fit(xtr, ytr)
        return f"linear_probe {clf.score(xte, yte):.4f} (test)"

    timed("logistic regression on raw pixels", logreg)

    def pca():
        z = PCA(n_components=2, random_state=0).fit(xtr).transform(xte)
        tw = trustworthiness(xte, z, n_neighbors=K)
        return f"trustworthiness {tw:.4f}, knn2d {knn_acc(z[:1600], yte[:1600], z[1600:], yte[1600:], 'euclidean'):.4f} (test 2k)"

    timed("PCA(2)", pca)

    def map_scores(z, xs, ys):
        tw = trustworthiness(xs, z, n_neighbors=K)
        cut = int(0.8 * len(ys))
        return f"trustworthiness {tw:.4f}, knn2d {knn_acc(z[:cut], ys[:cut], z[cut:], ys[cut:], 'euclidean'):.4f}"

    def tsne():
        z = TSNE(n_components=2, perplexity=30, random_state=0, init="pca").fit_transform(xte)
        return map_scores(z, xte, yte) + " (fit on test 2k)"

    timed("t-SNE(2), perplexity 30", tsne)

    def otsne_transductive():
        z = openTSNE.TSNE(perplexity=30, random_state=0, n_jobs=2).fit(xte)
        return map_scores(np.asarray(z), xte, yte) + " (fit on test 2k)"

    def otsne_inductive():
        ref = openTSNE.TSNE(perplexity=30, random_state=0, n_jobs=2).fit(xtr)
        z = ref.transform(xte)
        return map_scores(np.asarray(z), xte, yte) + " (fit on train 8k, transform test 2k)"

    if openTSNE is not None:
        timed(f"openTSNE {openTSNE.__version__} (2), perplexity 30", otsne_transductive)
        timed(f"openTSNE {openTSNE.__version__} (2), perplexity 30, transform", otsne_inductive)

    def kmeans():
        pred = KMeans(n_clusters=10, n_init=10, random_state=0).fit_predict(xte)
        return f"hungarian {hungarian_acc(yte, pred):.4f}, nmi {normalized_mutual_info_score(yte, pred):.4f} (test)"

    timed("KMeans(10) on raw pixels", kmeans)

    # UCI digits, the data of the neighbour-embedding and digits clustering
    # cells: all 1,797 for t-SNE (they embed the whole set), the last 297
    # (`holdout = 297`) for KMeans. Pixel scale does not change these metrics.
    dx = read_idx(ROOT / "data" / "digits-images-idx3-ubyte.gz").reshape(-1, 64).astype(np.float64)
    dy = read_idx(ROOT / "data" / "digits-labels-idx1-ubyte.gz").astype(np.int64)

    def digits_tsne():
        z = TSNE(n_components=2, perplexity=30, random_state=0, init="pca").fit_transform(dx)
        return map_scores(z, dx, dy) + " (digits, all 1,797)"

    timed("digits: t-SNE(2), perplexity 30", digits_tsne)
    if openTSNE is not None:

        def digits_otsne():
            z = openTSNE.TSNE(perplexity=30, random_state=0, n_jobs=2).fit(dx)
            return map_scores(np.asarray(z), dx, dy) + " (digits, all 1,797)"

        timed("digits: openTSNE(2), perplexity 30", digits_otsne)

    def digits_kmeans():
        xs, ys = dx[-297:], dy[-297:]
        pred = KMeans(n_clusters=10, n_init=10, random_state=0).fit_predict(xs)
        return f"hungarian {hungarian_acc(ys, pred):.4f}, nmi {normalized_mutual_info_score(ys, pred):.4f} (digits, last 297)"

    timed("digits: KMeans(10) on pixels", digits_kmeans)

    lines = [
        "## Python baselines (MNIST-10k 8k train / 2k test; UCI digits)",
        "",
        f"`python3 scripts/quality_baselines.py` — {versions}.",
        "",
        "| baseline | metrics | wall s |",
        "|---|---|---|",
    ]
    lines += [f"| {n} | {m} | {dt:.1f} |" for n, m, dt in rows]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

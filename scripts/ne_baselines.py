#!/usr/bin/env python3
"""Neighbour-embedding benchmark of issue 11: iconc's non-parametric t-SNE
maps next to openTSNE and scikit-learn, with one protocol.

    python3 scripts/ne_baselines.py --threads 2 \
        [--iconc mnist10k=runs/tsne_mnist --iconc digits=runs/tsne] \
        [--iconc-seconds tsne_mnist=33.8] [--out docs/ne_baselines.json] \
        [--md docs/ne_benchmark.md] [--plot docs/quality]

Protocol (for every map of all n points): trustworthiness@10 (scikit-learn,
euclidean, on the input pixels scaled to [0, 1]) and kNN@10 accuracy by
5-fold stratified cross-validation on the 2-D map (shuffled, seed 0).
openTSNE runs with its defaults (perplexity 30, exact kNN up to its own
threshold, early exaggeration 12 for 250 iterations, 500 more, `n_jobs` =
--threads, seed 42) and scikit-learn's TSNE with its defaults (Barnes-Hut,
perplexity 30, seed 42). The iconc maps are read from a run directory's
`embeddings.npy`/`labels.npy` (several per data set may be given), which
must be in file order (checked against the labels). Wall times are measured
here for the Python libraries; iconc's come from --iconc-seconds, by method
name (the `iconc run` wall time, measured just before in the same session).
"""
import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.manifold import TSNE, trustworthiness
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

import openTSNE

from quality_baselines import read_idx

ROOT = Path(__file__).resolve().parent.parent


def load(name):
    images = read_idx(ROOT / "data" / f"{name}-images-idx3-ubyte.gz")
    labels = read_idx(ROOT / "data" / f"{name}-labels-idx1-ubyte.gz").astype(np.int64)
    x = images.reshape(len(images), -1).astype(np.float64)
    # iconc scales pixels to [0, 1] (MNIST /255, digits /16).
    return x / x.max(), labels


def scores(x, y, z):
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    knn = cross_val_score(KNeighborsClassifier(n_neighbors=10), z, y, cv=folds).mean()
    return {
        "trustworthiness": float(trustworthiness(x, z, n_neighbors=10)),
        "knn": float(knn),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iconc", action="append", default=[], help="DATASET=RUN_DIR")
    ap.add_argument("--iconc-seconds", action="append", default=[], help="METHOD=SECONDS")
    ap.add_argument("--datasets", default="digits,mnist10k")
    ap.add_argument("--skip-sklearn", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "docs" / "ne_baselines.json"))
    ap.add_argument("--md", default=None, help="markdown table (appended to docs/quality.md)")
    ap.add_argument("--plot", default=None, help="folder for <dataset>_maps.png")
    args = ap.parse_args()
    runs = [s.split("=", 1) for s in args.iconc]
    seconds = {k: float(v) for k, v in (s.split("=", 1) for s in args.iconc_seconds)}
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "openTSNE": openTSNE.__version__,
        "threads": args.threads,
        "date": time.strftime("%Y-%m-%d"),
        "cpu": platform.processor() or platform.machine(),
    }
    print(versions, flush=True)
    results = {"versions": versions, "rows": []}
    for dataset in args.datasets.split(","):
        x, y = load(dataset)
        maps = {}
        for name, run in ((d, Path(r)) for d, r in runs if d == dataset):
            z = np.load(run / "embeddings.npy").astype(np.float64)
            labels = np.load(run / "labels.npy")
            if len(z) != len(y) or not np.array_equal(labels, y):
                raise SystemExit(f"{run}: embeddings are not the {len(y)} {dataset} rows in file order")
            method = json.loads((run / "method.json").read_text())["method"]["name"]
            maps[f"iconc {method}"] = (z, seconds.get(method))
        t = time.time()
        z = np.asarray(openTSNE.TSNE(n_jobs=args.threads, random_state=42).fit(x))
        maps["openTSNE"] = (z, time.time() - t)
        if not args.skip_sklearn:
            t = time.time()
            z = TSNE(random_state=42, n_jobs=args.threads).fit_transform(x)
            maps["scikit-learn"] = (z, time.time() - t)
        for tool, (z, secs) in maps.items():
            row = {"dataset": dataset, "n": len(y), "tool": tool, "seconds": secs, **scores(x, y, z)}
            results["rows"].append(row)
            print(json.dumps(row), flush=True)
        if args.plot:
            plot(Path(args.plot) / f"{dataset}_maps.png", y, maps)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    if args.md:
        Path(args.md).write_text(markdown(results, args.plot))


def markdown(results, plot_dir):
    v = results["versions"]
    lines = [
        "## Neighbour embeddings: iconc, openTSNE and scikit-learn on all points",
        "",
        "Written by `scripts/ne_baselines.py` (issue 11). Every map embeds all n points;",
        "trustworthiness@10 (scikit-learn, on the pixels scaled to [0, 1]) and kNN@10",
        "accuracy by 5-fold stratified cross-validation on the 2-D map; wall time of",
        f"each tool in the same session, {v['threads']} threads each ({v['date']},",
        f"openTSNE {v['openTSNE']}, scikit-learn {v['scikit-learn']}, numpy {v['numpy']}).",
        "",
        "| data | n | tool | trustworthiness@10 | kNN@10 (5-fold) | wall s |",
        "|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        secs = f"{r['seconds']:.1f}" if r["seconds"] is not None else "-"
        lines.append(
            f"| {r['dataset']} | {r['n']} | {r['tool']} | {r['trustworthiness']:.4f} | {r['knn']:.4f} | {secs} |"
        )
    if plot_dir:
        lines += ["", "Maps coloured by label, side by side:"]
        for d in sorted({r["dataset"] for r in results["rows"]}):
            lines.append(f"![{d}](quality/{d}_maps.png)")
    return "\n".join(lines) + "\n"


def plot(path, y, maps):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(maps), figsize=(6 * len(maps), 6))
    for ax, (tool, (z, secs)) in zip(np.atleast_1d(axes), maps.items()):
        ax.scatter(z[:, 0], z[:, 1], c=y, cmap="tab10", s=1.5, linewidths=0)
        ax.set_title(f"{tool}" + (f" ({secs:.1f} s)" if secs else ""))
        ax.set_xticks([])
        ax.set_yticks([])
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()

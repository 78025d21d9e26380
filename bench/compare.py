"""Side-by-side benchmark of iconc and PyTorch on the issue-9 configs,
interleaved so machine noise hits both sides alike, with the same thread
count. Writes docs/performance.md (tables) and bench/results.json (raw).

    bash bench/setup.sh                      # once: the torch venv
    cargo build --release
    python3 bench/compare.py --rounds 3 --steps 30 --threads 2

Not part of CI: it takes minutes and its numbers depend on the machine."""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONFIGS = ["simclr_cnn", "ptsne_mlp", "supervised_ce_cnn"]

# Model FLOPs per training step: 3 × the forward pass's conv and linear
# multiply-adds × 2 (forward, input gradient, weight gradient; the usual
# convention, which counts the first layer's unneeded input gradient too).
# SimpleCNN on a 28×28 image: convs 1→16, 16→16 at 28², 16→16 ×2 at 14²,
# 16→32, 32→32 at 7², then 1568→128→128: 7,433,728 forward FLOPs.
SIMPLE_CNN_FWD = 2 * (16 * 9 * 784 + 16 * 144 * 784 + 2 * 16 * 144 * 196
                      + 32 * 144 * 49 + 32 * 288 * 49 + 1568 * 128 + 128 * 128)
MLP_FWD = 2 * (784 * 512 + 512 * 512 + 512 * 2000 + 2000 * 2)
FLOP_PER_STEP = {
    "simclr_cnn": 3 * SIMPLE_CNN_FWD * 512,  # 256 images × 2 views
    "ptsne_mlp": 3 * MLP_FWD * 512,
    "supervised_ce_cnn": 3 * SIMPLE_CNN_FWD * 256,
}

TORCH_SGEMM = """
import json, sys, time, torch
torch.set_num_threads(int(sys.argv[1])); n = 2048
a, b = torch.randn(n, n), torch.randn(n, n); a @ b
best = float("inf")
for _ in range(10):
    t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)
print(json.dumps({"n": n, "seconds": best, "gflops": 2 * n ** 3 / best / 1e9}))
"""


def iconc_bin():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "iconc")


def run_json(cmd, env):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    text = out.stdout.strip()
    return json.loads(text[text.index("{"):])


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--venv", default=os.path.expanduser("~/.cache/iconc-bench-venv"))
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    a = ap.parse_args()
    env = dict(os.environ, RAYON_NUM_THREADS=str(a.threads), OMP_NUM_THREADS=str(a.threads))
    py = os.path.join(a.venv, "bin", "python")
    configs = a.configs.split(",")
    rows = {c: {"iconc": [], "torch": [], "phases": None} for c in configs}
    sgemm = measure_sgemm(a, env, py)
    for r in range(a.rounds):
        for c in configs:
            ic = run_json([iconc_bin(), "bench", f"bench/configs/{c}.icon", "--steps", str(a.steps),
                           "--warmup", str(a.warmup), "--format", "json"], env)
            pt = run_json([py, os.path.join(HERE, "pytorch", "bench.py"), c, "--steps", str(a.steps),
                           "--warmup", str(a.warmup), "--threads", str(a.threads)], env)
            rows[c]["iconc"].append(ic["steps_per_s"])
            rows[c]["torch"].append(pt["steps_per_s"])
            rows[c]["phases"] = ic["phases"]
            rows[c]["peak_rss_bytes"] = ic.get("peak_rss_bytes")
            rows[c]["torch_version"] = pt["torch"]
            print(f"round {r + 1} {c}: iconc {ic['steps_per_s']:.2f} steps/s, "
                  f"torch {pt['steps_per_s']:.2f} steps/s", flush=True)
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({"configs": rows, "sgemm_gflops": sgemm}, f, indent=2)
    write_report(a, rows, sgemm)


def measure_sgemm(a, env, py):
    """Plain 2048³ SGEMM on each side, same thread count: the ceiling."""
    build = subprocess.run(["cargo", "build", "--release", "--example", "sgemm"],
                           capture_output=True, text=True, env=env, cwd=ROOT)
    if build.returncode != 0:
        sys.exit(f"failed: cargo build --release --example sgemm\n{build.stderr}")
    target = os.path.dirname(iconc_bin())
    ic = run_json([os.path.join(target, "examples", "sgemm")], env)
    pt = run_json([py, "-c", TORCH_SGEMM, str(a.threads)], env)
    print(f"SGEMM 2048³: iconc (Flex) {ic['gflops']:.0f}, torch {pt['gflops']:.0f} GFLOP/s",
          flush=True)
    return {"iconc": ic["gflops"], "torch": pt["gflops"]}


def write_report(a, rows, sgemm):
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                         cwd=ROOT).stdout.strip()
    lines = [
        "# Performance: iconc against PyTorch on the same work",
        "",
        f"Generated by `python3 bench/compare.py --rounds {a.rounds} --steps {a.steps} "
        f"--threads {a.threads}` on {datetime.date.today()} at commit {rev}.",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores; {a.threads} threads on both sides; "
        f"torch {next(iter(rows.values())).get('torch_version')}.",
        "Rounds are interleaved (iconc, PyTorch, next config, …). PyTorch's time excludes making "
        "the batch; iconc's includes waiting for its data thread.",
        "",
        "| config | PyTorch steps/s | iconc steps/s | iconc / PyTorch |",
        "|---|---|---|---|",
    ]
    for c, r in rows.items():
        ratios = [i / t for i, t in zip(r["iconc"], r["torch"])]
        lines.append(f"| {c} | {fmt_range(r['torch'])} | {fmt_range(r['iconc'])} | "
                     f"**{fmt_range(ratios)}** |")
    lines += [
        "",
        "## Against this machine's GEMM limit",
        "",
        f"Plain 2048³ SGEMM, same threads: Flex (iconc's `gemm`) {sgemm['iconc']:.0f} GFLOP/s, "
        f"PyTorch {sgemm['torch']:.0f} GFLOP/s. Model GFLOP/s = 3 × the forward pass's conv "
        "and linear FLOPs × steps/s (`FLOP_PER_STEP` in `bench/compare.py`).",
        "",
        "| config | GFLOP per step | PyTorch GFLOP/s | % of its SGEMM | iconc GFLOP/s | "
        "% of its SGEMM |",
        "|---|---|---|---|---|---|",
    ]
    for c, r in rows.items():
        gf = FLOP_PER_STEP[c] / 1e9
        pt, ic = [gf * v for v in r["torch"]], [gf * v for v in r["iconc"]]
        lines.append(
            f"| {c} | {gf:.2f} | {fmt_range(pt, 0)} | "
            f"{fmt_range([100 * v / sgemm['torch'] for v in pt], 0)} | {fmt_range(ic, 0)} | "
            f"{fmt_range([100 * v / sgemm['iconc'] for v in ic], 0)} |")
    lines += ["", "## iconc phase breakdown (last round, ms per step)", ""]
    lines.append("| config | " + " | ".join(p["phase"] for p in next(iter(rows.values()))["phases"])
                 + " | peak MiB |")
    lines.append("|---" * (len(next(iter(rows.values()))["phases"]) + 2) + "|")
    for c, r in rows.items():
        mib = (r.get("peak_rss_bytes") or 0) / 2**20
        lines.append(f"| {c} | " + " | ".join(f"{p['ms_per_step']:.1f}" for p in r["phases"])
                     + f" | {mib:.0f} |")
    notes = os.path.join(ROOT, "docs", "performance_notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            lines += ["", f.read().rstrip()]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {a.out}")


def fmt_range(v, digits=2):
    lo, hi = min(v), max(v)
    if round(lo, digits) == round(hi, digits):
        return f"{lo:.{digits}f}"
    return f"{lo:.{digits}f}–{hi:.{digits}f}"


if __name__ == "__main__":
    main()

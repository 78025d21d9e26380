"""Times one PyTorch config: `python bench.py CONFIG --steps N --warmup W
--threads T [--device cpu|cuda]`; prints one JSON line with steps/s and
samples/s. Batches are made before the clock starts (see configs.py)."""

import argparse
import json
import time

import torch

from configs import CONFIGS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config", choices=sorted(CONFIGS))
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    make, lr, rows = CONFIGS[a.config]
    model, batch, loss = make(a.device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    batches = [batch(s) for s in range(a.warmup + a.steps)]

    def step(b):
        opt.zero_grad(set_to_none=True)
        value = loss(*b)
        value.backward()
        opt.step()
        return value.item()

    for b in batches[: a.warmup]:
        step(b)
    if a.device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    last = None
    for b in batches[a.warmup :]:
        last = step(b)
    if a.device == "cuda":
        torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    print(json.dumps({
        "config": a.config, "steps": a.steps, "seconds": wall,
        "steps_per_s": a.steps / wall, "samples_per_s": a.steps * rows / wall,
        "loss_last": last, "threads": a.threads, "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()

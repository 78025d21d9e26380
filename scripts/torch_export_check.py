"""Checks the documented PyTorch layout of `Frozen(weights = …)` end to end:
a torch MLP saved with `safetensors.torch.save_file` under iconc's tensor
names (each nn.Linear weight transposed) loads into a frozen iconc pipeline
that computes the same outputs.

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch safetensors numpy
    cargo build --release
    /tmp/tv/bin/python scripts/torch_export_check.py [path/to/iconc]

Not part of CI (it needs torch). Prints the largest difference; exits 1 above 1e-5."""

import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHOD = """method "torch_export"
data = Npz(path = "data.npz", features = 64, classes = 2, batch = 16, holdout = 4)
g = Frozen(weights = "w.safetensors", of = embedding) -> MLP(hidden = [16], out = 4) -> Normalize() on x
embedding = MLP(hidden = [16], out = 4) -> Normalize() on x
p = Label() on label
q = Gaussian(sigma = 0.5, metric = cosine) on g, embedding
train = Train(steps = 1)
"""


def main():
    iconc = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "iconc")
    torch.manual_seed(0)
    l1, l2 = torch.nn.Linear(64, 16), torch.nn.Linear(16, 4)
    x = torch.rand(20, 64)
    with torch.no_grad():
        ref = l2(torch.relu(l1(x)))
        ref = (ref / ref.norm(dim=1, keepdim=True)).numpy()
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, ".iconc-root"), "w").close()
        # iconc's names: KEY.<stage>.<field path>; burn's Linear weight is [in, out].
        save_file({
            "embedding.0.hidden.0.linear.weight": l1.weight.detach().T.contiguous(),
            "embedding.0.hidden.0.linear.bias": l1.bias.detach().contiguous(),
            "embedding.0.last.weight": l2.weight.detach().T.contiguous(),
            "embedding.0.last.bias": l2.bias.detach().contiguous(),
        }, os.path.join(d, "w.safetensors"))
        np.savez(os.path.join(d, "data.npz"), x=x.numpy(), label=np.arange(20) % 2)
        with open(os.path.join(d, "m.icon"), "w") as f:
            f.write(METHOD)
        subprocess.run([iconc, "run", "m.icon", "--out", "run"], cwd=d, check=True,
                       capture_output=True)
        got = np.load(os.path.join(d, "run", "embeddings.npy"))  # the 4 held-out rows of g
    diff = float(np.abs(got - ref[16:]).max())
    print(f"max |iconc - torch| over the held-out rows: {diff:.3g}")
    sys.exit(0 if diff <= 1e-5 else 1)


if __name__ == "__main__":
    main()

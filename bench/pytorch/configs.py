"""The three issue-9 benchmark configs in PyTorch, written from the spec
(`methods.md` §2-§3), mirroring `bench/configs/*.icon`.

Each config is a model, a loss on a batch and a batch maker. The batch maker
is outside the timed loop (the issue's protocol: PyTorch's time excludes
making the batch; iconc's includes its data loading and augmentation)."""

import gzip
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data")


def load_mnist(n_train=8000):
    """The bundled MNIST-10k training split, 784-vectors scaled as iconc does
    (pixel / 255, then the MNIST mean/std normalization)."""
    with gzip.open(os.path.join(DATA, "mnist10k-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(DATA, "mnist10k-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (x.astype(np.float32) / 255.0 - 0.1307) / 0.3081
    return torch.from_numpy(x[:n_train].copy()), torch.from_numpy(y[:n_train].astype(np.int64))


class SimpleCNN(nn.Module):
    """§3 SimpleCNN: six 3x3 pad-1 convs with ReLU in three residual pairs
    (x = relu(conv(x)) + x on the second of each pair), max-pools after the
    first two pairs, flatten 1568 -> 128 -> ReLU -> out."""

    def __init__(self, out):
        super().__init__()
        ch = [(1, 16), (16, 16), (16, 16), (16, 16), (16, 32), (32, 32)]
        self.convs = nn.ModuleList(nn.Conv2d(i, o, 3, padding=1) for i, o in ch)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, out)

    def forward(self, x):
        x = x.view(-1, 1, 28, 28)
        for i, conv in enumerate(self.convs):
            y = F.relu(conv(x))
            x = y + x if i % 2 == 1 else y
            if i in (1, 3):
                x = F.max_pool2d(x, 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class MLP(nn.Module):
    def __init__(self, inp, hidden, out):
        super().__init__()
        dims = [inp] + hidden
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
        self.out = nn.Linear(dims[-1], out)

    def forward(self, x):
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.out(x)


def masked_ce(p, log_q):
    """§1.1 L_ce = -(1/R) sum_{p > 1e-10} p * log q."""
    mask = p > 1e-10
    return -(torch.where(mask, p * log_q, torch.zeros_like(p))).sum() / p.shape[0]


def eye_mask(b, device=None):
    return torch.eye(b, dtype=torch.bool, device=device)


def simclr_cnn(device):
    """SimCLR: 256 images x 2 views, Augmentation p, cosine Gaussian q (sigma 0.5)."""
    model = SimpleCNN(128).to(device)
    x_all, _ = load_mnist()
    n = 256

    def batch(step):
        g = torch.Generator().manual_seed(step)
        idx = torch.randint(0, x_all.shape[0], (n,), generator=g)
        v0 = x_all[idx]
        v1 = x_all[idx] + 0.1 * torch.randn(v0.shape, generator=g)
        return (torch.cat([v0, v1]).to(device),)

    def loss(x):
        f = F.normalize(model(x), dim=1, eps=1e-12)
        b = f.shape[0]
        d = 1.0 - f @ f.t()                          # cosine distance
        a = (-d / 0.5).masked_fill(eye_mask(b, f.device), float("-inf"))
        log_q = a.log_softmax(dim=1)
        r = torch.arange(b, device=f.device)
        p = torch.zeros(b, b, device=f.device)
        p[r, (r + n) % b] = 1.0                     # the other view of the same image
        return masked_ce(p, log_q)

    return model, batch, loss


def ptsne_mlp(device):
    """Parametric t-SNE: MLP 784 -> [512, 512, 2000] -> 2, batch 512,
    p = Gaussian(sigma 5) on x, q = Student-t (nu 1, gamma 1)."""
    model = MLP(784, [512, 512, 2000], 2).to(device)
    x_all, _ = load_mnist()
    bsz = 512

    def batch(step):
        g = torch.Generator().manual_seed(step)
        return (x_all[torch.randint(0, x_all.shape[0], (bsz,), generator=g)].to(device),)

    def loss(x):
        with torch.no_grad():
            sq = (x * x).sum(1)
            d = (sq[:, None] + sq[None, :] - 2 * x @ x.t()).clamp_min(0)
            a = (-d / (2 * 25.0)).masked_fill(eye_mask(bsz, x.device), float("-inf"))
            p = a.softmax(dim=1)
        e = model(x)
        sq = (e * e).sum(1)
        d = (sq[:, None] + sq[None, :] - 2 * e @ e.t()).clamp_min(0)
        logk = -torch.log1p(d)                      # (1 + d/(nu*gamma))^-(nu+1)/2, nu = gamma = 1
        logk = logk.masked_fill(eye_mask(bsz, x.device), float("-inf"))
        return masked_ce(p, logk.log_softmax(dim=1))

    return model, batch, loss


def supervised_ce_cnn(device):
    """Supervised CE: SimpleCNN -> 128 against a learnable 10 x 128 table,
    batch 256, dot q with sigma 1/sqrt(2) (raw logits)."""
    net = SimpleCNN(128)
    table = nn.Embedding(10, 128)
    model = nn.ModuleDict({"net": net, "table": table}).to(device)
    x_all, y_all = load_mnist()
    bsz = 256

    def batch(step):
        g = torch.Generator().manual_seed(step)
        idx = torch.randint(0, x_all.shape[0], (bsz,), generator=g)
        return x_all[idx].to(device), y_all[idx].to(device)

    def loss(x, y):
        f = model["net"](x)
        logits = f @ model["table"].weight.t() / (2 * 0.5)
        p = F.one_hot(y, 10).float()
        return masked_ce(p, logits.log_softmax(dim=1))

    return model, batch, loss


CONFIGS = {
    "simclr_cnn": (simclr_cnn, 1e-3, 512),
    "ptsne_mlp": (ptsne_mlp, 1e-3, 512),
    "supervised_ce_cnn": (supervised_ce_cnn, 2e-3, 256),
}

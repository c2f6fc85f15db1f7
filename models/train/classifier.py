"""A small CNN classifier per dataset, the independent judge of generated samples (evaluate.py).

    /usr/bin/python3 models/train/classifier.py --data mnist     # 8k train / 2k held out, ~3 min
    /usr/bin/python3 models/train/classifier.py --data fashion   # 60k train / 10k test, ~10 min
    /usr/bin/python3 models/train/classifier.py --data emoji     # Unicode emoji groups, held out by glyph

Writes models/train/runs/classifier_<data>.pt with the weights and the held-out accuracy. Images
are in [-1, 1], shape [N, C, S, S] (1×28×28 or 3×32×32), the same range the diffusion models generate.
Its penultimate layer (128 features) is also evaluate.py's feature space for Fréchet distances.

Emoji: the 9 groups of data.EMOJI_GROUPS. Held out by base emoji: per group, 20% of the base emoji
(at least 8) with all their skin tones, plus every glyph the diffusion model holds out, so no tone of
a held-out emoji is seen in training. Batches are drawn class-balanced (People & Body has 26 times the
glyphs of Activities) and shifted by up to 2 pixels (no mirroring: flags and text are not symmetric).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import data  # noqa: E402

RUNS = HERE / "runs"
EPOCHS = {"mnist": 8, "fashion": 4, "emoji": 30}  # near the held-out plateau of this small CNN, minutes on a CPU
EMOJI_HELD_OUT_FRACTION = 0.2
BATCH = 128
LR = 2e-3
CONFIDENT = 0.9  # evaluate.py's threshold for "confident"


SHAPES = {"mnist": (1, 28, 10), "fashion": (1, 28, 10), "emoji": (3, 32, len(data.EMOJI_GROUPS))}


class SmallCNN(nn.Module):
    """Two conv + pool layers and a two-layer head with dropout (LeNet-like)."""

    def __init__(self, classes: int = 10, in_channels: int = 1, size: int = 28):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64 * (size // 4) ** 2, 128)
        self.head = nn.Linear(128, classes)
        self.drop = nn.Dropout(0.3)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer: 128 features per image (Fréchet distances are measured here)."""
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return F.relu(self.fc(h.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.features(x)))


def build(name: str) -> SmallCNN:
    channels, size, classes = SHAPES[name]
    return SmallCNN(classes, channels, size)


def emoji_split(seed: int = 1) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Labelled emoji split by base emoji (see the module docstring), as [-1, 1] images and labels."""
    images, names = data.load_emoji()
    meta = data.emoji_labels(names)
    labels = meta["labels"]
    base = [" ".join(c for c in s.split() if not 0x1F3FB <= int(c, 16) <= 0x1F3FF and c not in ("FE0E", "FE0F"))
            for s in meta["sequences"]]
    held = meta["held_out"].copy()
    rng = np.random.default_rng(seed)
    for g in range(len(data.EMOJI_GROUPS)):
        bases = sorted({base[i] for i in np.flatnonzero(labels == g)})
        k = max(8, round(EMOJI_HELD_OUT_FRACTION * len(bases)))
        chosen = {bases[j] for j in rng.choice(len(bases), min(k, len(bases)), replace=False)}
        held |= np.asarray([labels[i] == g and base[i] in chosen for i in range(len(names))])
    x = data.to_model_images(images)
    train_idx, val_idx = np.flatnonzero((labels >= 0) & ~held), np.flatnonzero((labels >= 0) & held)
    return (x[train_idx], labels[train_idx]), (x[val_idx], labels[val_idx])


def shift(batch: np.ndarray, rng: np.random.Generator, most: int = 2) -> np.ndarray:
    """Each image moved by up to `most` pixels in x and y, the uncovered border white (1.0)."""
    n, c, h, w = batch.shape
    padded = np.pad(batch, ((0, 0), (0, 0), (most, most), (most, most)), constant_values=1.0)
    dy, dx = rng.integers(0, 2 * most + 1, (2, n))
    return np.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def split(name: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(train, held-out): MNIST's 10k package digits split 8k/2k at random; Fashion's own train/test;
    emoji by base emoji (emoji_split)."""
    if name == "emoji":
        return emoji_split()
    if name == "fashion":
        return data.load_fashion("train"), data.load_fashion("test")
    x, y = data.load_mnist()
    order = np.random.default_rng(0).permutation(len(x))
    return (x[order[2000:]], y[order[2000:]]), (x[order[:2000]], y[order[:2000]])


def probabilities(net: nn.Module, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """Softmax class probabilities for images in [-1, 1]."""
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(F.softmax(net(torch.from_numpy(np.ascontiguousarray(x[i:i + batch]))), dim=1).numpy())
    return np.concatenate(out)


def features(net: SmallCNN, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """Penultimate-layer features (float64 [N, 128]) for images in [-1, 1]."""
    net.eval()
    with torch.no_grad():
        return np.concatenate([net.features(torch.from_numpy(np.ascontiguousarray(x[i:i + batch]))).double().numpy()
                               for i in range(0, len(x), batch)])


def train_classifier(name: str, epochs: int, seed: int = 0, limit: int | None = None) -> dict:
    """Train, report held-out accuracy, save. `limit` keeps that many training and held-out images, drawn
    at random (smoke tests)."""
    (x, y), (x_val, y_val) = split(name)
    if limit:
        pick = np.random.default_rng(seed)
        keep, keep_val = pick.permutation(len(x))[:limit], pick.permutation(len(x_val))[:limit]
        x, y, x_val, y_val = x[keep], y[keep], x_val[keep_val], y_val[keep_val]
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = build(name)
    # class-balanced draws for emoji (its groups differ 26-fold in size); plain shuffles otherwise
    weights = None
    if name == "emoji":
        counts = np.bincount(y, minlength=SHAPES[name][2]).astype(np.float64)
        weights = 1.0 / counts[y]
        weights /= weights.sum()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=max(1, epochs * (len(x) // BATCH)))
    for epoch in range(epochs):
        net.train()
        order = rng.permutation(len(x)) if weights is None else rng.choice(len(x), len(x), p=weights)
        for i in range(len(x) // BATCH):
            idx = order[i * BATCH:(i + 1) * BATCH]
            batch = x[idx]
            if name == "emoji":
                batch = shift(batch, rng)
            if name == "fashion":  # the diffusion model trains on mirrored clothes too
                flip = rng.random(len(idx)) < 0.5
                batch = np.where(flip[:, None, None, None], batch[..., ::-1], batch)
            loss = F.cross_entropy(net(torch.from_numpy(np.ascontiguousarray(batch))), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        probs = probabilities(net, x_val)
        acc = float((probs.argmax(1) == y_val).mean())
        print(f"{name} epoch {epoch + 1}/{epochs} loss {loss.item():.4f} held-out accuracy {acc:.4f}", flush=True)
    pred = probs.argmax(1)
    confident = float(((pred == y_val) & (probs.max(1) >= CONFIDENT)).mean())
    report = {"data": name, "heldOut": len(x_val), "accuracy": acc, "confidentCorrect": confident, "epochs": epochs,
              "train": len(x)}
    if name == "emoji":  # balanced accuracy: the mean of per-group recalls (People & Body would dominate)
        report["balancedAccuracy"] = float(np.mean([(probs.argmax(1)[y_val == g] == g).mean()
                                                    for g in np.unique(y_val)]))
    RUNS.mkdir(parents=True, exist_ok=True)
    torch.save({"net": net.state_dict(), "report": report}, RUNS / f"classifier_{name}.pt")
    print(f"saved {RUNS / f'classifier_{name}.pt'}: {report}")
    return report


def load_classifier(name: str) -> tuple[SmallCNN, dict]:
    path = RUNS / f"classifier_{name}.pt"
    if not path.exists():
        raise SystemExit(f"{path} missing: run /usr/bin/python3 models/train/classifier.py --data {name}")
    state = torch.load(path)
    net = build(name)
    net.load_state_dict(state["net"])
    return net.eval(), state["report"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, choices=sorted(SHAPES))
    ap.add_argument("--epochs", type=int, help="default: 8 (MNIST), 4 (Fashion), 30 (emoji)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    train_classifier(args.data, args.epochs or EPOCHS[args.data])


if __name__ == "__main__":
    main()

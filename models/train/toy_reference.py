"""Fresh, independent data sets of a 2D toy, for measuring a learned toy without an exact reference.

    /usr/bin/python3 models/train/toy_reference.py --toy checkerboard --n 2000 --sets 6 --seed 1000 --out /tmp/ref.json

Draws from `data.toy_points`, the same generator training uses, and writes
`{"toy": name, "n": n, "sets": [[[x, y], ...], ...]}`. Set k comes from its own generator seeded with
(seed, k), so the sets are independent of each other, of `--sets`, and of the training stream (seed 0).
`src/cli/toy-quality.ts --data <toy>` runs this script.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data  # noqa: E402


def reference_sets(toy: str, n: int, sets: int, seed: int) -> list[np.ndarray]:
    return [data.toy_points(toy, n, np.random.default_rng([seed, k])) for k in range(sets)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--toy", required=True, help="eight_gaussians, swiss_roll, two_moons or checkerboard")
    ap.add_argument("--n", type=int, default=2000, help="points per set")
    ap.add_argument("--sets", type=int, default=6, help="number of independent sets")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--out", required=True, help="JSON file to write")
    args = ap.parse_args()
    if args.n < 1 or args.sets < 1:
        raise SystemExit("--n and --sets must be positive")
    sets = reference_sets(args.toy, args.n, args.sets, args.seed)
    doc = {"toy": args.toy, "n": args.n,
           "sets": [[[round(float(x), 6), round(float(y), 6)] for x, y in pts] for pts in sets]}
    Path(args.out).write_text(json.dumps(doc, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()

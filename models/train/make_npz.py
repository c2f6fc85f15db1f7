"""Write a prepared training set as an .npz, for a machine without the source (a GPU box without the font).

    /usr/bin/python3 models/train/make_npz.py --data emoji --out /tmp/emoji32.npz --preview /tmp/emoji.png
    /usr/bin/python3 models/train/train.py --model emoji --data-npz /tmp/emoji32.npz --device cuda --batch 512

The file holds `images` (uint8 [N, 32, 32, 3], RGB on white), `names` (the font's glyph names),
`sequences` (each glyph's code points, hex), `labels` (int64 index into `groups`, −1 for glyphs that are
no emoji group's: dropped from training), `how` (how the group was found), `held_out` (bool: kept out of
training, the "real examples"), `groups` (the class names) and `source` (where the pixels came from);
train.py --data-npz reads `images` (unconditional emoji) or all of them (emoji_groups). About 12 MB
uncompressed, ~6 MB compressed. --preview writes a 10×10 grid of random entries, 3× zoom, for a human to check.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data  # noqa: E402

SOURCES = {"emoji": lambda: data.load_emoji()}


def emoji_arrays(images: np.ndarray, names: list[str], seed: int = 0) -> dict[str, np.ndarray]:
    """Everything make_npz.py stores for emoji: pixels, names, sequences, group labels, the held-out split."""
    meta = data.emoji_labels(names, seed)
    return {"images": images, "names": np.asarray(names), "sequences": meta["sequences"], "labels": meta["labels"],
            "how": meta["how"], "held_out": meta["held_out"], "groups": np.asarray(data.EMOJI_GROUPS),
            "source": np.asarray(f"{data.EMOJI_FONT} (Debian fonts-noto-color-emoji), CBDT bitmaps; groups from "
                                 f"{data.EMOJI_TEST} (Debian unicode-data)")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, choices=sorted(SOURCES))
    ap.add_argument("--out", type=Path, help="the .npz to write")
    ap.add_argument("--preview", type=Path, help="also write a PNG grid of 100 random entries")
    ap.add_argument("--seed", type=int, default=0, help="the held-out draw (train.py's seed: keep them equal)")
    args = ap.parse_args()
    if not args.out and not args.preview:
        ap.error("give --out and/or --preview")
    images, names = SOURCES[args.data]()
    print(f"{args.data}: {len(images)} distinct images {images.shape[1:]}, uint8")
    if args.out:
        arrays = emoji_arrays(images, names, args.seed)
        counts = {g: int((arrays["labels"] == i).sum()) for i, g in enumerate(data.EMOJI_GROUPS)}
        print(f"groups {counts}, dropped {int((arrays['labels'] < 0).sum())}, held out {int(arrays['held_out'].sum())}")
        np.savez_compressed(args.out, **arrays)
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    if args.preview:
        data.emoji_preview(images, args.preview)
        print(f"wrote {args.preview}")


if __name__ == "__main__":
    main()

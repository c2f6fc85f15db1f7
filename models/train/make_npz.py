"""Write a prepared training set as an .npz, for a machine without the source (a GPU box without the font).

    /usr/bin/python3 models/train/make_npz.py --data emoji --out /tmp/emoji32.npz --preview /tmp/emoji.png
    /usr/bin/python3 models/train/train.py --model emoji --data-npz /tmp/emoji32.npz --device cuda --batch 512

The file holds `images` (uint8 [N, 32, 32, 3], RGB on white), `names` (the font's glyph names) and
`source` (where the pixels came from); train.py --data-npz reads `images` (about 12 MB uncompressed,
~6 MB compressed). --preview writes a 10×10 grid of random entries, 3× zoom, for a human to check.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data  # noqa: E402

SOURCES = {"emoji": lambda: data.load_emoji()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, choices=sorted(SOURCES))
    ap.add_argument("--out", type=Path, help="the .npz to write")
    ap.add_argument("--preview", type=Path, help="also write a PNG grid of 100 random entries")
    args = ap.parse_args()
    if not args.out and not args.preview:
        ap.error("give --out and/or --preview")
    images, names = SOURCES[args.data]()
    print(f"{args.data}: {len(images)} distinct images {images.shape[1:]}, uint8")
    if args.out:
        np.savez_compressed(args.out, images=images, names=np.asarray(names),
                            source=np.asarray(f"{data.EMOJI_FONT} (Debian fonts-noto-color-emoji), CBDT bitmaps"))
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    if args.preview:
        data.emoji_preview(images, args.preview)
        print(f"wrote {args.preview}")


if __name__ == "__main__":
    main()

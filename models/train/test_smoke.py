"""Smoke test of the training recipe and the export: tiny networks, two steps, ONNX == PyTorch.

The class-conditional MNIST path, and (when Debian's fonts-noto-color-emoji is installed) the emoji
data (a few glyphs: shape, range, white background, colour), its .npz route and an unconditional
RGB 32×32 network exported with inputs x, t only.

    /usr/bin/python3 models/train/test_smoke.py     # ~30 s; also run by test/models/python-smoke.test.ts

Exits 0 and prints "smoke test passed" when everything holds; any failure raises with a message.
"""
from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import classifier  # noqa: E402
import data  # noqa: E402
import evaluate  # noqa: E402
import export  # noqa: E402
import train  # noqa: E402


def perturb_ema(ckpt: Path) -> None:
    """Two steps leave the zero-initialised output layers near zero; perturb every weight so that the
    ONNX-vs-PyTorch comparison compares non-trivial outputs."""
    state = torch.load(ckpt)
    assert state["step"] == 2, f"tiny presets should stop after 2 steps, stopped at {state['step']}"
    gen = torch.Generator().manual_seed(5)
    state["ema"] = {k: v + 0.1 * torch.randn(v.shape, generator=gen) if v.is_floating_point() else v
                    for k, v in state["ema"].items()}
    torch.save(state, ckpt)


def check_tiny_export(tmp: Path) -> None:
    """Train 'tiny' for its 2 steps, export it, and check the card describes the graph."""
    ckpt = train.train("tiny", False, {}, run_dir=tmp / "run")
    perturb_ema(ckpt)
    # export_model raises if |ONNX - PyTorch| > 1e-4 on a batch of 5 (exported with a batch of 2,
    # so this also proves the batch axis is dynamic).
    card = export.export_model("tiny", ckpt, tmp / "models", latency=False)
    onnx_path = tmp / "models" / "tiny.onnx"
    assert card["onnxCheck"]["outputMaxAbs"] > 0.1, f"output too small to compare: {card['onnxCheck']}"
    assert card["bytes"] == onnx_path.stat().st_size, "card bytes differ from the file size"
    assert card["sha256"] == export.sha256_of(onnx_path), "card sha256 differs from the file's"
    assert card["inputs"] == {"x": "float32[N,1,28,28]", "t": "float32[N]", "y": "int64[N]"}, card["inputs"]
    assert card["shape"] == [1, 28, 28] and card["nullClass"] == 10 and len(card["classes"]) == 10
    assert card["parameterization"] == "eps" and card["timeInput"] == "t01" and card["opset"] == 17
    assert card["train"]["steps"] == 2 and card["train"]["params"] > 0
    written = json.loads((tmp / "models" / "tiny.json").read_text())
    assert written == card, "the card on disk differs from the one returned"


def check_resume(tmp: Path) -> None:
    """A run stopped and resumed (--resume) ends with the same weights as one that ran straight through."""
    straight = torch.load(train.train("tiny", False, {"steps": 4}, run_dir=tmp / "straight"))
    train.train("tiny", False, {"steps": 2}, run_dir=tmp / "resumed")
    resumed = torch.load(train.train("tiny", True, {"steps": 4}, run_dir=tmp / "resumed"))
    assert resumed["step"] == straight["step"] == 4
    for key in ("net", "ema"):
        for name, value in straight[key].items():
            assert torch.equal(value, resumed[key][name]), f"{key}.{name} differs after resuming"


def check_emoji_data(tmp: Path) -> Path | None:
    """A few emoji from the font: uint8 RGB 32×32 on white, in colour; written as a make_npz.py-style file."""
    if not data.EMOJI_FONT.exists():
        print(f"note: {data.EMOJI_FONT} not present (fonts-noto-color-emoji), emoji checks skipped")
        return None
    images, names = data.load_emoji(limit=40)  # digits, ©, arrows, ⌚, ⏩ …: ~0.1 s
    assert images.shape == (40, 32, 32, 3) and images.dtype == np.uint8, (images.shape, images.dtype)
    assert len(set(names)) == 40 and names[0] == "numbersign", names[:3]
    corners = images[:, [0, 0, -1, -1], [0, -1, 0, -1]]  # [40, 4, 3]
    white = (corners == 255).all(-1).mean()
    assert white >= 0.8, f"only {white:.0%} of corner pixels are white: is alpha composited on white?"
    assert images.min() < 64, "no dark pixels: outlines lost?"
    spread = images.max(-1).astype(int) - images.min(-1)
    assert spread.max() > 150, "no saturated colour in 40 emoji (⏩ is orange): channels lost?"
    distinct = len(np.unique(images.reshape(len(images), -1), axis=0))
    assert distinct == 40, f"{40 - distinct} identical emoji after deduplication"
    x = data.to_model_images(images)
    assert x.shape == (40, 3, 32, 32) and x.dtype == np.float32 and x.min() >= -1 and x.max() == 1.0
    npz = tmp / "emoji.npz"
    np.savez_compressed(npz, images=images, names=np.asarray(names))
    assert np.array_equal(train.load_npz_images(str(npz)), x), "the .npz route differs from the font route"
    return npz


def check_unconditional_export(tmp: Path, npz: Path) -> None:
    """'tiny_emoji' trained from the .npz (train.py --data-npz), exported: inputs x, t only, no classes."""
    ckpt = train.train("tiny_emoji", False, {"data_npz": str(npz)}, run_dir=tmp / "emoji_run")
    perturb_ema(ckpt)
    card = export.export_model("tiny_emoji", ckpt, tmp / "models", latency=False)
    assert card["onnxCheck"]["outputMaxAbs"] > 0.1, f"output too small to compare: {card['onnxCheck']}"
    assert card["inputs"] == {"x": "float32[N,3,32,32]", "t": "float32[N]"}, card["inputs"]
    assert card["shape"] == [3, 32, 32] and "classes" not in card and "nullClass" not in card, card["shape"]
    assert "fonts-noto-color-emoji" in card["train"]["data"] and "40 distinct" in card["train"]["data"]
    assert "SIL Open Font License 1.1" in card["license"], card["license"]
    assert len(card["denoiseMargins"]["measuredRatio"]) == 3


def check_null_class_from_config() -> None:
    """Label dropout writes the network's null class (its num_classes), whatever that number is."""
    cfg = train.TrainConfig(batch=64, label_dropout=1.0)
    batches = train.Batches.__new__(train.Batches)
    batches.cfg, batches.rng, batches.device = cfg, np.random.default_rng(0), torch.device("cpu")
    batches.x, batches.y, batches.null_class = np.zeros((5, 3, 32, 32), np.float32), np.arange(5), 9
    _, y = batches()
    assert (y == 9).all(), f"dropped labels should all be the null class 9, got {y.tolist()}"
    for name, preset in train.PRESETS.items():
        net = preset["net"]
        if getattr(net, "num_classes", 0) and preset["data"] == "emoji_groups":
            assert net.num_classes == len(data.EMOJI_GROUPS), f"{name}: {net.num_classes} classes"
    assert train.PRESETS["toy_checkerboard"]["train"]["steps"] == 40000
    assert train.PRESETS["toy_two_moons"]["train"]["steps"] == 6000


def check_emoji_groups() -> None:
    """Code-point sequences → Unicode emoji groups, including the cases the font needs: components
    stored in another order, sequences newer than emoji-test.txt, subdivision flags, non-emoji."""
    if not data.EMOJI_TEST.exists():
        print(f"note: {data.EMOJI_TEST} not present (unicode-data), emoji group checks skipped")
        return
    groups = data.emoji_test_groups()
    cases = {
        (0x1F600,): ("Smileys & Emotion", "exact"),                      # 😀
        (0x1F468, 0x1F3FD): ("People & Body", "exact"),                  # 👨🏽
        (0x2640, 0x200D, 0x26F9): ("People & Body", "reordered"),       # ⛹‍♀ stored permuted by the font
        (0x1F426, 0x200D, 0x1F525): ("Animals & Nature", "base"),       # phoenix (Emoji 15.1)
        (0x2194, 0x200D, 0x1F642): ("Smileys & Emotion", "base"),       # head shaking: ↔ is the qualifier
        (0x1F3F4, 0xE0075, 0xE0073, 0xE0074, 0xE0078, 0xE007F): ("Flags", "base"),  # 🏴 US-TX
        (0x1F1EF, 0x1F1F5): ("Flags", "exact"),                          # 🇯🇵
        (0x30,): (None, "none"),                                          # a bare digit
        (0x1F1E6,): (None, "none"),                                       # a lone regional indicator
    }
    for cps, want in cases.items():
        got = data.emoji_group(cps, groups)
        assert got == want, f"{[hex(c) for c in cps]}: {got}, expected {want}"
    if not data.EMOJI_FONT.exists():
        return
    images, names = data.load_emoji(limit=40)
    meta = data.emoji_labels(names)
    seqs = dict(zip(names, meta["sequences"]))
    assert seqs["numbersign"] == "0023" and meta["labels"][names.index("numbersign")] == -1
    watch = names.index("uni231A")  # ⌚ watch: Unicode files it under Travel & Places (subgroup "time")
    assert meta["labels"][watch] == data.EMOJI_GROUPS.index("Travel & Places"), meta["labels"][watch]


def check_frechet() -> None:
    """The Fréchet distance of two Gaussians: |μa − μb|² + tr(Σa + Σb − 2(ΣaΣb)^½) — zero for one set
    against itself, |δ|² for a shift by δ, and (√2 − 1)²·D between N(0, I) and N(0, 2I)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 4))
    assert abs(evaluate.frechet(a, a)) < 1e-9
    shift = np.array([1.0, 0.0, -2.0, 0.5])
    assert abs(evaluate.frechet(a, a + shift) - (shift ** 2).sum()) < 1e-6
    wide = rng.standard_normal((20000, 4)) * math.sqrt(2)
    want = 4 * (math.sqrt(2) - 1) ** 2
    assert abs(evaluate.frechet(a, wide) - want) < 0.05, (evaluate.frechet(a, wide), want)


def check_emoji_quality_tools(tmp: Path) -> None:
    """The emoji classifier trains (briefly) and the judge reads its figures; Fréchet distance of real
    glyphs is near its floor while blurred glyphs are far; the memorisation check flags copies."""
    if not (data.EMOJI_FONT.exists() and data.EMOJI_TEST.exists()):
        return
    classifier.RUNS = tmp  # the smoke test's classifier, not the real one in runs/
    report = classifier.train_classifier("emoji", epochs=1, limit=512)
    assert report["heldOut"] == 512 and 0 <= report["balancedAccuracy"] <= 1, report
    train_x = data.to_model_images(data.load_emoji_classes("train")[0])
    rng = np.random.default_rng(1)
    copies = train_x[rng.choice(len(train_x), 200, replace=False)]
    doc = {"model": "emoji_groups", "sampler": "test", "sde": "vp", "steps": 0, "seed": 0, "images": copies,
           "labels": np.zeros(200, np.int64)}
    judged = evaluate.judge(doc)
    assert len(judged["histogram"]) == len(data.EMOJI_GROUPS) and 0 <= judged["classEntropy"] <= 1, judged
    nn_copies = evaluate.nn_figures(copies, "emoji")
    assert nn_copies["samplesToTrainMedian"] < 1e-6 and nn_copies["ratio"] < 1e-3, nn_copies
    noisy = np.clip(copies + 0.3 * rng.standard_normal(copies.shape).astype(np.float32), -1, 1)
    assert evaluate.nn_figures(noisy, "emoji")["ratio"] > 0.5, "noisy copies should be far from the training set"
    real = train_x[rng.choice(len(train_x), 1000, replace=False)]
    blurred = (real + np.roll(real, 3, axis=-1) + np.roll(real, 3, axis=-2)) / 3
    fd_real, fd_blur = evaluate.fd_figures(real, "emoji", "test"), evaluate.fd_figures(blurred, "emoji", "test")
    assert fd_real["floor"] > 0 and fd_blur["ratio"] > fd_real["ratio"], (fd_real, fd_blur)


def check_time_inverse() -> None:
    """t(σ) inverts σ(t)² = exp(∫β) − 1 (closed form of the VP SDE)."""
    for t in (1e-3, 0.1, 0.5, 1.0):
        integral = 0.1 * t + 0.5 * (20 - 0.1) * t * t
        sigma = math.sqrt(math.expm1(integral))
        got = export.vp_time_of_sigma(sigma, 0.1, 20.0)
        assert abs(got - t) < 1e-9 * max(1, t), f"t(σ(t)) = {got}, expected {t}"


def check_ring8_in_sync() -> None:
    """The learned eight-Gaussians toy draws from the same mixture as the analytic card models/ring8.json."""
    card_path = export.MODELS / "ring8.json"
    if not card_path.exists():
        print(f"note: {card_path} not present, ring8 sync check skipped")
        return
    mixture = json.loads(card_path.read_text())["analytic"]
    means = np.asarray(mixture["means"], np.float64)
    expected = np.asarray([[2 * math.cos(2 * math.pi * k / 8), 2 * math.sin(2 * math.pi * k / 8)] for k in range(8)])
    order = lambda m: m[np.lexsort((np.round(m[:, 1], 6), np.round(m[:, 0], 6)))]
    assert np.allclose(order(means), order(expected), atol=1e-6), f"ring8 means {means} are not radius 2"
    covs = np.asarray(mixture["covs"], np.float64).reshape(8, -1)
    assert np.allclose(covs[:, 0], 0.01) and np.allclose(covs[:, -1], 0.01), "ring8 variances are not 0.1²"
    pts = data.toy_points("eight_gaussians", 4000, np.random.default_rng(0))
    assert abs(np.linalg.norm(pts, axis=1).mean() - 2) < 0.02, "toy eight_gaussians radius is not 2"


def main() -> None:
    torch.set_num_threads(2)
    check_time_inverse()
    check_ring8_in_sync()
    check_null_class_from_config()
    check_emoji_groups()
    with tempfile.TemporaryDirectory() as tmp:
        check_tiny_export(Path(tmp))
        check_resume(Path(tmp))
        npz = check_emoji_data(Path(tmp))
        if npz is not None:
            check_unconditional_export(Path(tmp), npz)
        check_frechet()
        check_emoji_quality_tools(Path(tmp))
    print("smoke test passed")


if __name__ == "__main__":
    main()

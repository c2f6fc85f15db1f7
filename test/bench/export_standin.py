"""Export a stand-in image network for the benchmark when no shipped ONNX model exists yet.

    /usr/bin/python3 test/bench/export_standin.py --model mnist --out out/bench/models

Same architecture and signature as the shipped models (models/train/networks.py, opset 17,
x float32[N,1,28,28], t float32[N], y int64[N] -> eps, dynamic batch). Uses the training
checkpoint's EMA weights when one exists, else a random initialisation: the timing of a network
does not depend on its weight values. Also writes <id>.fp16.onnx, the same graph with float16
weights cast back to float32 on load (half the download), to measure what fp16 weights cost.
Prints one JSON line describing what it wrote.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models" / "train"))
from train import PRESETS, RUNS, build_net  # noqa: E402

OPSET = 17


class EpsGraph(torch.nn.Module):
    """(x, t, y) -> eps, the signature of the model cards."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.net(x, t, y)


def load_network(name: str) -> tuple[torch.nn.Module, str]:
    """EMA weights of the training checkpoint if present, else a seeded random initialisation."""
    ckpt = RUNS / name / "ckpt.pt"
    net = build_net(PRESETS[name]["net"])
    if ckpt.exists():
        try:
            state = torch.load(ckpt)
            net.load_state_dict(state["ema"])
            return net.eval(), f"checkpoint at step {state['step']}"
        except (RuntimeError, KeyError, EOFError) as error:  # checkpoint being rewritten right now
            print(f"checkpoint unreadable ({error}); using random weights", file=sys.stderr)
    torch.manual_seed(0)
    return build_net(PRESETS[name]["net"]).eval(), "random weights (no checkpoint)"


def export(net: torch.nn.Module, path: Path) -> None:
    x, t, y = torch.randn(2, 1, 28, 28), torch.rand(2), torch.zeros(2, dtype=torch.int64)
    axes = {name: {0: "N"} for name in ("x", "t", "y", "eps")}
    with torch.no_grad():
        torch.onnx.export(EpsGraph(net), (x, t, y), str(path), opset_version=OPSET, input_names=["x", "t", "y"],
                          output_names=["eps"], dynamic_axes=axes, do_constant_folding=True)


def to_fp16_weights(src: Path, dst: Path) -> None:
    """Store every float32 initializer of ≥ 16 elements as float16, with a Cast back to float32."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    casts, kept = [], []
    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        if init.data_type != onnx.TensorProto.FLOAT or array.size < 16:
            kept.append(init)
            continue
        half = numpy_helper.from_array(array.astype(np.float16), init.name + "_fp16")
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="mnist", choices=["mnist", "fashion"])
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "bench" / "models")
    args = ap.parse_args()
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    net, source = load_network(args.model)
    path = args.out / f"{args.model}-standin.onnx"
    export(net, path)
    fp16 = args.out / f"{args.model}-standin.fp16.onnx"
    try:
        to_fp16_weights(path, fp16)
    except ImportError:
        fp16 = None
    params = sum(p.numel() for p in net.parameters())
    print(json.dumps({"onnx": str(path), "fp16": str(fp16) if fp16 else None, "params": params, "weights": source}))


if __name__ == "__main__":
    main()

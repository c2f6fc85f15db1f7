#!/usr/bin/env bash
# Ship a trained model: export + card, sample picture, quality figures, manifest entry.
#
#   bash models/train/ship.sh mnist            # image models: grid PNG + classifier quality
#   bash models/train/ship.sh toy_two_moons    # 2D toys: scatter PNG + sliced-W2 quality (src/cli/toy-quality.ts)
#
# Image models need their classifier first (models/train/classifier.py --data mnist|fashion).
# EVAL_N (default 200) samples per evaluation file; EVAL_STEPS (default 100) steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
id="$1"
n="${EVAL_N:-200}"
steps="${EVAL_STEPS:-100}"
/usr/bin/python3 models/train/export.py --model "$id" 2> >(grep -v -e Warning -e '^  ' >&2)
card="models/$id.json"
if grep -q '"task": "image"' "$card"; then
  npm run -s sample -- --model "$card" --sampler euler_maruyama --steps 200 --class all --n 80 --guidance 2 \
    --denoise-final --progress --seed 1 --out "models/$id.png"
  tmp="$(mktemp -d)"
  npm run -s sample -- --model "$card" --sampler euler_maruyama --steps "$steps" --class all --n "$n" --guidance 2 \
    --denoise-final --progress --seed 2 --out "$tmp/guided.json"
  npm run -s sample -- --model "$card" --sampler euler_maruyama --steps "$steps" --n "$n" \
    --denoise-final --progress --seed 3 --out "$tmp/unguided.json"
  /usr/bin/python3 models/train/evaluate.py "$tmp/guided.json" "$tmp/unguided.json" --guidance 2 --write-card
  rm -rf "$tmp"
else
  npm run -s sample -- --model "$card" --sampler euler_maruyama --steps 200 --n 2000 --seed 1 --out "models/$id.png"
  # Quality: against the exact ring8 mixture for eight_gaussians, else against fresh sets of the training data.
  toy="$(/usr/bin/python3 -c 'import sys; sys.path.insert(0, "models/train"); from train import PRESETS
print(PRESETS[sys.argv[1]]["data"])' "$id")"
  if [ "$toy" = eight_gaussians ]; then
    npx tsx src/cli/toy-quality.ts --model "$id" --reference ring8 --write-card
  else
    npx tsx src/cli/toy-quality.ts --model "$id" --data "$toy" --write-card
  fi
fi
node -e '
const fs = require("fs"), p = "models/manifest.json", id = process.argv[1];
const m = JSON.parse(fs.readFileSync(p, "utf8"));
if (!m.models.includes(id)) { m.models.push(id); fs.writeFileSync(p, JSON.stringify(m, null, 2) + "\n"); }' "$id"
echo "shipped $id: models/$id.onnx, models/$id.json, models/$id.png (commit them with models/manifest.json)"

#!/usr/bin/env bash
# Ship a trained model: export + card, sample picture, quality figures, manifest entry.
#
#   bash models/train/ship.sh mnist            # class-conditional images: grid PNG (a row per class), classifier
#   bash models/train/ship.sh emoji_groups     # the same for RGB (3×32×32)
#   bash models/train/ship.sh emoji            # unconditional images: grid PNG, class entropy of unguided samples
#   bash models/train/ship.sh toy_two_moons    # 2D toys: scatter PNG + sliced-W2 quality (src/cli/toy-quality.ts)
#
# Image models are judged by their data set's classifier (models/train/classifier.py --data
# mnist|fashion|emoji; evaluate.py's DATASET_OF says which). Every image model gets: guided samples
# (conditional models only, w = 2, every class equally often), unguided samples, the Fréchet distance
# of each to the reference set ÷ the real-vs-real floor (evaluate.py --fd-reference test; FD_N
# samples, default 1000) and the nearest-neighbour memorisation check (--nn). A model without a
# classifier ships with its grid only, and says so in its card.
# EVAL_N (default FD_N) guided samples; EVAL_STEPS (default 100) steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
id="$1"
fd_n="${FD_N:-1000}"
n="${EVAL_N:-$fd_n}"
steps="${EVAL_STEPS:-100}"
/usr/bin/python3 models/train/export.py --model "$id" 2> >(grep -v -e Warning -e '^  ' >&2)
card="models/$id.json"
# number of classes (0: unconditional) and whether a classifier judges this model
classes="$(node -e 'const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(c.classes ? c.classes.length : 0)' "$card")"
judge="$(/usr/bin/python3 -c 'import sys; sys.path.insert(0, "models/train"); from evaluate import DATASET_OF
print(DATASET_OF.get(sys.argv[1], ""))' "$id")"
sample=(npm run -s sample -- --model "$card" --sampler euler_maruyama --denoise-final --progress)
if grep -q '"task": "image"' "$card"; then
  # 64 real images for the page's forward process (export.py wrote a fresh card: add them again).
  /usr/bin/python3 models/train/make_examples.py --model "$id" ||
    echo "no real examples for $id: the page's Forward direction will say so" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if [ "$classes" -gt 0 ]; then
    "${sample[@]}" --steps 200 --class all --n $((classes * 8)) --guidance 2 --seed 1 --out "models/$id.png"
  else
    "${sample[@]}" --steps 200 --n 80 --seed 1 --out "models/$id.png"
  fi
  if [ -z "$judge" ]; then
    echo "no classifier for $id: its quality is the grid models/$id.png (look at it)" >&2
  else
    [ -f "models/train/runs/classifier_$judge.pt" ] || /usr/bin/python3 models/train/classifier.py --data "$judge"
    files=()
    if [ "$classes" -gt 0 ]; then
      per=$(((n + classes - 1) / classes))
      "${sample[@]}" --steps "$steps" --class all --n $((per * classes)) --guidance 2 --seed 2 --out "$tmp/guided.json"
      files+=("$tmp/guided.json")
    fi
    "${sample[@]}" --steps "$steps" --n "$fd_n" --seed 3 --out "$tmp/unguided.json"
    files+=("$tmp/unguided.json")
    guidance=()
    [ "$classes" -gt 0 ] && guidance=(--guidance 2)
    /usr/bin/python3 models/train/evaluate.py "${files[@]}" "${guidance[@]}" --fd-reference test --nn --write-card
  fi
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

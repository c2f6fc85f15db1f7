"""A short measured sweep for a CPU preset: images/s and loss after N steps, per candidate network.

    nice -n 19 /usr/bin/python3 models/train/sweep.py --steps 100 --threads 2

Each candidate trains the class-conditional emoji recipe (emoji_groups: 9 groups + null class, no
flips, label dropout 0.1) from the same seed for --steps steps, with a 50-step warm-up to lr 10⁻³ and no
decay, so the losses compare how far each got. Images/s leave out the first 10 steps (allocation).
Prints one Markdown table row per candidate, as README.md shows them.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data  # noqa: E402
from networks import UNet, UNetConfig, count_params  # noqa: E402
from train import Batches, TrainConfig, diffusion_loss  # noqa: E402

# (channels, blocks per level, emb_dim, batch)
CANDIDATES = [((56, 112), 1, 128, 64), ((48, 96), 1, 128, 64), ((40, 80), 1, 128, 64), ((32, 64), 2, 128, 64),
              ((48, 96), 1, 128, 128)]


def run(channels, blocks, emb, batch, steps: int, x, y) -> dict:
    torch.manual_seed(0)
    cfg = TrainConfig(steps=steps, batch=batch, warmup=50, label_dropout=0.1)
    net = UNet(UNetConfig(in_channels=3, image_size=32, channels=channels, blocks_per_level=blocks, emb_dim=emb,
                          num_classes=len(data.EMOJI_GROUPS)))
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=0.0)
    batches = Batches.__new__(Batches)  # the preloaded arrays, not a second font read per candidate
    batches.cfg, batches.rng, batches.source, batches.device = cfg, np.random.default_rng(0), "emoji_groups", torch.device("cpu")
    batches.x, batches.y, batches.null_class = x, y, len(data.EMOJI_GROUPS)
    losses, t_start = [], None
    for step in range(steps):
        if step % 20 == 0:
            print(f"  step {step}", file=sys.stderr, flush=True)
        if step == 10:
            t_start = time.time()
        for g in opt.param_groups:
            g["lr"] = cfg.lr * min(1.0, (step + 1) / cfg.warmup)
        x0, yb = batches()
        loss = diffusion_loss(net, x0, yb, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    elapsed = time.time() - t_start
    return {"params": count_params(net), "img_s": (steps - 10) * batch / elapsed,
            "loss": float(np.mean(losses[-25:])), "seconds": elapsed}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", type=int, nargs="*", help="candidate indices to run")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    images, labels, _ = data.load_emoji_classes("train")
    x = data.to_model_images(images)
    print(f"threads {args.threads}")
    print(f"| channels | blocks | batch | params | ONNX MiB (≈4.05 B/param) | img/s | loss, steps {args.steps - 24}–{args.steps} |")
    print("| --- | --- | --- | --- | --- | --- | --- |", flush=True)
    for i, (ch, blocks, emb, batch) in enumerate(CANDIDATES):
        if args.only and i not in args.only:
            continue
        r = run(ch, blocks, emb, batch, args.steps, x, labels)
        print(f"| {ch} | {blocks} | {batch} | {r['params']:,} | {r['params'] * 4.05 / 2**20:.1f} | "
              f"{r['img_s']:.0f} | {r['loss']:.4f} |", flush=True)


if __name__ == "__main__":
    main()

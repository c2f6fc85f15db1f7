"""Train an ε-prediction network on the VP SDE (Song et al. 2021; β_min 0.1, β_max 20).

    /usr/bin/python3 models/train/train.py --model mnist            # ~60 min on 2 CPU cores
    /usr/bin/python3 models/train/train.py --model mnist --resume   # continue from the checkpoint
    /usr/bin/python3 models/train/train.py --model toy_eight_gaussians
    /usr/bin/python3 models/train/train.py --model emoji --threads 2          # ~100 img/s per core: hours
    /usr/bin/python3 models/train/train.py --model emoji --data-npz emoji32.npz --device cuda --batch 512

Writes models/train/runs/<model>/{ckpt.pt,train.log}. A checkpoint is written every
`ckpt_every` steps and on Ctrl-C, so a run can stop anywhere and `--resume` picks it up.
"""
from __future__ import annotations

import argparse
import math
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import data
from networks import MLPConfig, ToyMLP, UNet, UNetConfig, count_params

RUNS = Path(__file__).resolve().parent / "runs"
ROOT = RUNS.parents[2]
EMOJI_CPU_CHANNELS, EMOJI_CPU_BATCH, EMOJI_CPU_STEPS = (48, 96), 64, 4000  # from the sweep (README.md)


@dataclass
class TrainConfig:
    steps: int = 5000           # MNIST: 64 epochs of the 10k digits, ~60 min on 2 cores
    batch: int = 128            # CPU throughput saturates around here
    lr: float = 1e-3            # small network + Adam: converges ~3× faster than DDPM's 2e-4
    lr_final: float = 5e-5      # cosine decay, sharper samples at the end
    warmup: int = 300           # avoids the early loss spike with zero-initialised outputs
    ema: float = 0.9995         # EMA of weights: what gets exported
    label_dropout: float = 0.1  # null class for classifier-free guidance (Ho & Salimans 2022)
    t_min: float = 1e-5         # smallest training t; VE σ_min 0.01 maps to t ≈ 1e-3
    beta_min: float = 0.1
    beta_max: float = 20.0
    hflip: bool = False         # mirror augmentation (Fashion-MNIST only: digits are not symmetric)
    ckpt_every: int = 500
    seed: int = 0
    data_npz: str | None = None  # images from an .npz (make_npz.py) instead of the source: a GPU box without the font
    init_onnx: str | None = None  # a fresh run starts from this exported model's weights (warmstart.py)


def _toy(data_name: str, steps: int = 6000) -> dict:
    return dict(data=data_name, net=MLPConfig(), train=dict(steps=steps, batch=512, lr=2e-3, ema=0.999,
                                                               label_dropout=0.0))


PRESETS: dict[str, dict] = {
    "mnist": dict(data="mnist", net=UNetConfig(in_channels=1, channels=(48, 96), num_classes=10), train={}),
    "fashion": dict(data="fashion", net=UNetConfig(in_channels=1, channels=(48, 96), num_classes=10),
                    train=dict(steps=3000, hflip=True)),
    # The shipped Fashion-MNIST model stopped at 3,000 steps; this continues from its weights (the ONNX file:
    # no checkpoint was kept) with a fresh warm-up and cosine schedule at half the peak rate, 3,500 steps
    # more (448,000 images: ~75–90 min on one niced thread beside other work), EMA horizon ~2,000 steps.
    "fashion_long": dict(data="fashion", net=UNetConfig(in_channels=1, channels=(48, 96), num_classes=10),
                         train=dict(steps=3500, hflip=True, lr=5e-4, warmup=200, ema=0.9995,
                                    init_onnx="models/fashion.onnx")),
    "tiny": dict(data="mnist", net=UNetConfig(in_channels=1, channels=(8, 16), num_classes=10, groups=4,
                                              emb_dim=32), train=dict(steps=2, batch=4)),
    "toy_eight_gaussians": _toy("eight_gaussians"),
    "toy_swiss_roll": _toy("swiss_roll"),
    "toy_two_moons": _toy("two_moons"),
    # The checkerboard's sharp square edges need longer training: the 6000-step model blurred the squares.
    "toy_checkerboard": _toy("checkerboard", steps=40000),
}

# Emoji: 3×32×32 RGB. The 2×2 patchify turns 32×32 into 16×16 (level 1) and 8×8 (level 2, the only
# attention: 64 tokens, cheap and global); each patch is 12 numbers → 56 channels, so the first layer
# loses nothing. Channels (56, 112) with one block per level and emb_dim 128 give 1.97 M parameters =
# 7.6 MiB of fp32 ONNX, inside export.py's 8 MiB budget for image models ((64, 128) would be 2.8 M =
# 10.7 MiB, over it). No mirroring: digits, letters (🆎), flags and the text on signs would come out
# reversed, and a mirrored ▶ or ↩ is another emoji's meaning; the font already holds the left/right
# pairs it wants (👈 👉), so mirroring adds no real emoji.
PRESETS["emoji"] = dict(  # unconditional, the GPU recipe (minutes there; ~10 h on one CPU core)
    data="emoji",
    net=UNetConfig(in_channels=3, image_size=32, channels=(56, 112), blocks_per_level=1, emb_dim=128,
                   num_classes=0),
    train=dict(
        steps=30000,        # ~1000 passes over the 3,916 emoji at batch 128 (20k–40k is the useful range)
        batch=128,          # CPU default; on a GPU use --batch 512 (same steps, 4× the images, same lr)
        lr=1e-3,            # as MNIST/Fashion: fine for a 2 M network with Adam, warm-up and clipping
        lr_final=5e-5,      # cosine decay to here, sharper samples at the end
        ema=0.9998,         # averaging horizon ~5000 steps: 1/6 of the run (0.9995 suits 3–5k-step runs)
        label_dropout=0.0,  # unconditional: no labels, no null class
        hflip=False,
        ckpt_every=500,
    ),
)
# Emoji conditioned on the Unicode emoji group (data.EMOJI_GROUPS, 9 classes + the null class 9), sized
# for about two hours of background CPU on the shared 2-core machine, where one thread at nice 19 trains
# faster than two (the sweep in README.md). Trains on the glyphs that are not held out (data.emoji_labels).
PRESETS["emoji_groups"] = dict(
    data="emoji_groups",
    net=UNetConfig(in_channels=3, image_size=32, channels=EMOJI_CPU_CHANNELS, blocks_per_level=1, emb_dim=128,
                   num_classes=len(data.EMOJI_GROUPS)),
    train=dict(
        steps=EMOJI_CPU_STEPS,
        batch=EMOJI_CPU_BATCH,
        lr=1e-3,
        lr_final=5e-5,
        warmup=200,
        ema=0.999,          # averaging horizon ~1000 steps, a quarter of the run
        label_dropout=0.1,  # classifier-free guidance, as MNIST
        hflip=False,
        ckpt_every=300,     # ~5–6 min between checkpoints at the measured 59 images/s
    ),
)
# The smoke test's unconditional RGB network (test_smoke.py): emoji data, 2 steps.
PRESETS["tiny_emoji"] = dict(
    data="emoji",
    net=UNetConfig(in_channels=3, image_size=32, channels=(8, 16), groups=4, emb_dim=32, num_classes=0),
    train=dict(steps=2, batch=4, label_dropout=0.0))


def build_net(net_cfg):
    return UNet(net_cfg) if isinstance(net_cfg, UNetConfig) else ToyMLP(net_cfg)


def vp_alpha(t: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """s(t) = exp(-½∫₀ᵗβ), β linear from β_min to β_max (Song et al. 2021, eq. 29)."""
    integral = cfg.beta_min * t + 0.5 * (cfg.beta_max - cfg.beta_min) * t * t
    return torch.exp(-0.5 * integral)


def diffusion_loss(net, x0: torch.Tensor, y: torch.Tensor | None, cfg: TrainConfig) -> torch.Tensor:
    n = x0.shape[0]
    t = cfg.t_min + (1 - cfg.t_min) * torch.rand(n, device=x0.device)
    alpha = vp_alpha(t, cfg).view(-1, *([1] * (x0.dim() - 1)))
    noise = torch.randn_like(x0)
    xt = alpha * x0 + torch.sqrt(1 - alpha * alpha) * noise
    return F.mse_loss(net(xt, t, y), noise)


def lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr_final + 0.5 * (cfg.lr - cfg.lr_final) * (1 + math.cos(math.pi * progress))


def load_npz_images(path: str) -> np.ndarray:
    """The `images` array of a make_npz.py file (uint8 [N, H, W, C]) as float32 [N, C, H, W] in [-1, 1]."""
    with np.load(path) as f:
        return data.to_model_images(f["images"])


class Batches:
    """Random minibatches: images from a fixed array, or fresh toy points each call."""

    def __init__(self, source: str, cfg: TrainConfig, rng: np.random.Generator, device: str = "cpu",
                 null_class: int | None = None):
        self.cfg, self.rng, self.source, self.device = cfg, rng, source, torch.device(device)
        self.null_class = null_class
        self.y = None
        if source == "emoji_groups":  # labelled, held-out glyphs removed; from the font or make_npz.py's file
            images, self.y, _ = data.load_emoji_classes("train", npz=cfg.data_npz, seed=cfg.seed)
            self.x = data.to_model_images(images)
        elif cfg.data_npz:
            if source != "emoji":
                raise SystemExit("--data-npz holds emoji only: for the emoji models")
            self.x = load_npz_images(cfg.data_npz)
        elif source == "mnist":
            self.x, self.y = data.load_mnist()
        elif source == "fashion":
            self.x, self.y = data.load_fashion("train")
        elif source == "emoji":
            self.x = data.to_model_images(data.load_emoji()[0])
        else:
            self.x = None

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.x is None:
            return torch.from_numpy(data.toy_points(self.source, self.cfg.batch, self.rng)).to(self.device), None
        idx = self.rng.integers(0, len(self.x), self.cfg.batch)
        x = self.x[idx]
        if self.cfg.hflip:
            flip = self.rng.random(len(idx)) < 0.5
            x = np.where(flip[:, None, None, None], x[..., ::-1], x)
        x = torch.from_numpy(np.ascontiguousarray(x)).to(self.device)
        if self.y is None:  # unconditional (emoji)
            return x, None
        y = self.y[idx].copy()
        y[self.rng.random(len(idx)) < self.cfg.label_dropout] = self.null_class
        return x, torch.from_numpy(y).to(self.device)


def train(name: str, resume: bool, overrides: dict, run_dir: Path | None = None, device: str = "cpu") -> Path:
    preset = PRESETS[name]
    cfg = TrainConfig(**{**preset["train"], **overrides})
    run_dir = run_dir or RUNS / name
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = run_dir / "ckpt.pt"
    torch.manual_seed(cfg.seed)
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.manual_seed_all(cfg.seed)
    net = build_net(preset["net"]).to(device)
    ema = build_net(preset["net"]).to(device)
    if cfg.init_onnx and not (resume and ckpt_path.exists()):
        from warmstart import load_onnx_weights
        missing = load_onnx_weights(net, preset["net"], ROOT / cfg.init_onnx)
        if missing:
            raise SystemExit(f"{cfg.init_onnx} lacks {missing}: not this preset's network")
    ema.load_state_dict(net.state_dict())
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=0.0)
    step, minutes, rng = 0, 0.0, np.random.default_rng(cfg.seed)
    if resume and ckpt_path.exists():
        # map_location: a GPU checkpoint resumes on CPU and back; weights_only=False: the checkpoint holds
        # the configs and NumPy's RNG state, which PyTorch ≥ 2.6 (a GPU machine's) refuses by default
        state = torch.load(ckpt_path, map_location=device, weights_only=False)
        net.load_state_dict(state["net"]); ema.load_state_dict(state["ema"]); opt.load_state_dict(state["opt"])
        step, minutes = state["step"], state["minutes"]
        rng.bit_generator.state = state["np_rng"]
        torch.set_rng_state(state["torch_rng"].cpu())
        if cuda and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(state["cuda_rng"].cpu())
    net_cfg = preset["net"]
    null_class = net_cfg.num_classes if isinstance(net_cfg, UNetConfig) and net_cfg.num_classes else None
    batches = Batches(preset["data"], cfg, rng, device, null_class)
    with open(run_dir / "train.log", "a") as log:  # closed on any exit, Ctrl-C included
        def say(msg: str) -> None:
            print(msg, flush=True)
            log.write(msg + "\n")
            log.flush()

        say(f"# {name} params={count_params(net)} cfg={asdict(cfg)} start_step={step}"
            + (f" device={device}" if device != "cpu" else ""))

        def save():
            torch.save(dict(net=net.state_dict(), ema=ema.state_dict(), opt=opt.state_dict(), step=step,
                            minutes=minutes, np_rng=rng.bit_generator.state, torch_rng=torch.get_rng_state(),
                            cuda_rng=torch.cuda.get_rng_state() if cuda else None,
                            data_count=None if batches.x is None else len(batches.x),
                            cfg=asdict(cfg), net_cfg=preset["net"], name=name), ckpt_path.with_suffix(".tmp"))
            ckpt_path.with_suffix(".tmp").replace(ckpt_path)  # atomic: an export never reads half a file

        t0, seen, loss_sum, since_log = time.time(), 0, 0.0, 0
        try:
            while step < cfg.steps:
                for group in opt.param_groups:
                    group["lr"] = lr_at(step, cfg)
                x0, y = batches()
                loss = diffusion_loss(net, x0, y, cfg)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                decay = min(cfg.ema, (1 + step) / (10 + step))
                with torch.no_grad():
                    for pe, p in zip(ema.parameters(), net.parameters()):
                        pe.mul_(decay).add_(p, alpha=1 - decay)
                step, seen, loss_sum, since_log = step + 1, seen + x0.shape[0], loss_sum + loss.item(), since_log + 1
                if step % 100 == 0 or step == cfg.steps:
                    elapsed = time.time() - t0
                    minutes += elapsed / 60
                    # the mean since the last line (not over min(100, step) steps: a resumed run starts mid-way)
                    say(f"step {step} loss {loss_sum / since_log:.4f} lr {lr_at(step, cfg):.2e} "
                        f"img/s {seen / elapsed:.1f} minutes {minutes:.1f}")
                    t0, seen, loss_sum, since_log = time.time(), 0, 0.0, 0
                if step % cfg.ckpt_every == 0:
                    save()
        except KeyboardInterrupt:
            minutes += (time.time() - t0) / 60  # the time since the last log line counts too
            say(f"interrupted at step {step}; checkpoint saved")
        save()
        return ckpt_path


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(PRESETS))
    ap.add_argument("--resume", action="store_true", help="continue from runs/<model>/ckpt.pt")
    ap.add_argument("--steps", type=int, help="total steps (overrides the preset)")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--threads", type=int, default=2, help="Debian's torch defaults to 1 thread")
    ap.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]: the same recipe on a GPU "
                    "(for emoji use --batch 512 there)")
    ap.add_argument("--data-npz", help="train on the `images` of a make_npz.py file instead of the source data")
    ap.add_argument("--ema", type=float, help="EMA decay (overrides the preset; a short run needs a shorter "
                    "memory, e.g. 0.999 for a few thousand steps, or the export is mostly early weights)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` (a queue, a shutdown) also saves a checkpoint
    if args.data_npz and not PRESETS[args.model]["data"].startswith("emoji"):
        ap.error("--data-npz holds emoji only: for the emoji models")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit(f"--device {args.device}: this PyTorch sees no CUDA device")
    overrides = {k: v for k, v in dict(steps=args.steps, batch=args.batch, data_npz=args.data_npz,
                                        ema=args.ema).items() if v is not None}
    train(args.model, args.resume, overrides, device=args.device)


if __name__ == "__main__":
    main()

"""Networks that predict the noise ε of the VP SDE from (x_t, t[, y]).

UNet: a compact U-Net for 28×28 (MNIST, Fashion) or 32×32 RGB (emoji) images. The first layer is a
2×2 patchify convolution and the last a 2×2 transposed convolution, so all residual blocks work at
half resolution (14×14 and 7×7, or 16×16 and 8×8): four times fewer activations, which is what makes
CPU training fast enough (see README.md).
ToyMLP: a residual MLP for 2D points.

Export rules (ONNX opset 17 from PyTorch 1.13): no einsum, attention through matmul, every shape
derived from the input so the batch dimension stays dynamic.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class UNetConfig:
    in_channels: int = 1
    image_size: int = 28                   # side of the (square) input; the layers are size-agnostic, the
                                           # export and the card use it (must be divisible by 2·2^(levels−1))
    channels: tuple[int, ...] = (64, 128)  # per resolution level (after the 2× patchify)
    blocks_per_level: int = 1
    attention_at_lowest: bool = True
    num_classes: int = 0                   # 0: unconditional; else an extra null class for CFG
    emb_dim: int = 256
    groups: int = 8


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of 1000·t for t ∈ [0, 1] (Ho et al. 2020, Sec. 4 — continuous here)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = (1000.0 * t)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb_dim: int, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * cout)  # scale and shift (FiLM)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.emb(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(F.silu(h))
        return self.skip(x) + h


class Attention(nn.Module):
    def __init__(self, ch: int, groups: int, heads: int = 4):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.out = nn.Conv2d(ch, ch, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3 * self.heads, c // self.heads, h * w).chunk(3, dim=1)
        attn = torch.softmax(torch.matmul(q.transpose(-1, -2), k) / math.sqrt(c // self.heads), dim=-1)
        y = torch.matmul(v, attn.transpose(-1, -2)).reshape(b, c, h, w)
        return x + self.out(y)


class UNet(nn.Module):
    def __init__(self, cfg: UNetConfig):
        super().__init__()
        self.cfg = cfg
        ch, g, e = cfg.channels, cfg.groups, cfg.emb_dim
        self.time_mlp = nn.Sequential(nn.Linear(64, e), nn.SiLU(), nn.Linear(e, e))
        self.class_emb = nn.Embedding(cfg.num_classes + 1, e) if cfg.num_classes else None
        self.patchify = nn.Conv2d(cfg.in_channels, ch[0], 2, stride=2)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips = [ch[0]]
        cin = ch[0]
        for level, c in enumerate(ch):
            for _ in range(cfg.blocks_per_level):
                self.down.append(ResBlock(cin, c, e, g))
                cin = c
                skips.append(c)
            if level < len(ch) - 1:
                self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
        self.mid1 = ResBlock(cin, cin, e, g)
        self.mid_attn = Attention(cin, g) if cfg.attention_at_lowest else nn.Identity()
        self.mid2 = ResBlock(cin, cin, e, g)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for level in reversed(range(len(ch))):
            for _ in range(cfg.blocks_per_level + 1):
                self.up.append(ResBlock(cin + skips.pop(), ch[level], e, g))
                cin = ch[level]
            if level > 0:
                self.upsample.append(nn.Conv2d(cin, cin, 3, padding=1))
        self.out_norm = nn.GroupNorm(g, cin)
        self.unpatchify = nn.ConvTranspose2d(cin, cfg.in_channels, 2, stride=2)
        nn.init.zeros_(self.unpatchify.weight)
        nn.init.zeros_(self.unpatchify.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        emb = self.time_mlp(time_embedding(t, 64))
        if self.class_emb is not None:
            assert y is not None, "class-conditional network needs y (use the null class for none)"
            emb = emb + self.class_emb(y)
        emb = F.silu(emb)
        h = self.patchify(x)
        hs = [h]
        blocks = iter(self.down)
        for level in range(len(self.cfg.channels)):
            for _ in range(self.cfg.blocks_per_level):
                h = next(blocks)(h, emb)
                hs.append(h)
            if level < len(self.cfg.channels) - 1:
                h = self.downsample[level](h)
                hs.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        blocks = iter(self.up)
        for i, level in enumerate(reversed(range(len(self.cfg.channels)))):
            for _ in range(self.cfg.blocks_per_level + 1):
                h = next(blocks)(torch.cat([h, hs.pop()], dim=1), emb)
            if level > 0:
                h = self.upsample[i](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.unpatchify(F.silu(self.out_norm(h)))


@dataclass
class MLPConfig:
    dim: int = 2
    hidden: int = 128
    blocks: int = 3


class ToyMLP(nn.Module):
    def __init__(self, cfg: MLPConfig):
        super().__init__()
        self.cfg = cfg
        self.inp = nn.Linear(cfg.dim + 64, cfg.hidden)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(cfg.hidden), nn.Linear(cfg.hidden, cfg.hidden), nn.SiLU(),
                          nn.Linear(cfg.hidden, cfg.hidden)) for _ in range(cfg.blocks))
        self.out = nn.Linear(cfg.hidden, cfg.dim)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.inp(torch.cat([x, time_embedding(t, 64)], dim=1))
        for block in self.blocks:
            h = h + block(h)
        return self.out(F.silu(h))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())

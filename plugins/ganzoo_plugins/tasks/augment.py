"""Differentiable augmentation for GAN discriminators (DiffAugment, Zhao et al., NeurIPS 2020).

On a small dataset (digits has 1,437 training images) the discriminator memorises the real
images within a few dozen epochs, its outputs saturate and the generator stops learning useful
gradients. DiffAugment applies the *same kind* of random, differentiable transform to every
image D sees, real and fake, in both the D and the G step, so D cannot memorise and G still
gets gradients through the transform. Policies follow the paper's reference code
(github.com/mit-han-lab/data-efficient-gans): ``translation`` (shift up to 1/8 of the side,
zero padding), ``cutout`` (a random square of half the side set to zero) and ``color``
(brightness, saturation, contrast).

Randomness comes from the caller's ``torch.Generator`` (the trainer's noise stream), so seeded
runs stay bit-identical and resume exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ganzoo.errors import ConfigError


def _uniform(x: torch.Tensor, g: torch.Generator | None, *shape: int) -> torch.Tensor:
    return torch.rand(x.size(0), *shape, generator=g, device=x.device, dtype=x.dtype)


def brightness(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    return x + (_uniform(x, g, 1, 1, 1) - 0.5)


def saturation(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (_uniform(x, g, 1, 1, 1) * 2) + mean


def contrast(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (_uniform(x, g, 1, 1, 1) + 0.5) + mean


def translation(x: torch.Tensor, g: torch.Generator | None, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    if sh == 0 and sw == 0:
        return x
    dx = torch.randint(-sh, sh + 1, (n, 1, 1), generator=g, device=x.device)
    dy = torch.randint(-sw, sw + 1, (n, 1, 1), generator=g, device=x.device)
    b, gx, gy = torch.meshgrid(torch.arange(n, device=x.device), torch.arange(h, device=x.device),
                               torch.arange(w, device=x.device), indexing="ij")
    gx = torch.clamp(gx + dx + 1, 0, h + 1)
    gy = torch.clamp(gy + dy + 1, 0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1])
    return padded.permute(0, 2, 3, 1)[b, gx, gy].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, g: torch.Generator | None, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ox = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=g, device=x.device)
    oy = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=g, device=x.device)
    b, gx, gy = torch.meshgrid(torch.arange(n, device=x.device), torch.arange(ch, device=x.device),
                               torch.arange(cw, device=x.device), indexing="ij")
    gx = torch.clamp(gx + ox - ch // 2, min=0, max=h - 1)
    gy = torch.clamp(gy + oy - cw // 2, min=0, max=w - 1)
    mask = torch.ones(n, h, w, dtype=x.dtype, device=x.device)
    mask[b, gx, gy] = 0
    return x * mask.unsqueeze(1)


POLICIES: dict[str, list[Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]]] = {
    "translation": [translation],
    "cutout": [cutout],
    "color": [brightness, saturation, contrast],
}


def parse_policy(text: str | None) -> tuple[str, ...]:
    """``"translation,cutout"`` -> ("translation", "cutout"); ``""``/``"none"``/None -> ().

    The CLI validates policies first (``canonical_policy`` in ganzoo_plugins/tasks/__init__.py,
    torch-free); this is the check for direct callers.
    """
    names = tuple(p.strip() for p in str(text or "").split(",") if p.strip())
    if names in ((), ("none",)):
        return ()
    bad = [p for p in names if p not in POLICIES]
    if bad:
        raise ConfigError(f"augment: unknown policy {bad[0]!r}; choose from {', '.join(POLICIES)}")
    return names


class DiffAugment:
    """Callable applying ``policy`` in order; an empty policy is the identity."""

    def __init__(self, policy: str | None, generator: torch.Generator | None = None) -> None:
        self.policy = parse_policy(policy)
        self.generator = generator

    def __bool__(self) -> bool:
        return bool(self.policy)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            return x
        for name in self.policy:
            for fn in POLICIES[name]:
                x = fn(x, self.generator)
        return x

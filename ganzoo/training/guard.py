"""Divergence guard: a non-finite loss stops (or rolls back) the run.

Checked once per logging interval and before every checkpoint, on values the step already
accumulates, so a healthy run pays no extra host synchronisation per step. Task-specific
warnings (a GAN whose discriminator wins every batch) are the step's :meth:`watch`.
"""

from __future__ import annotations

import math
from typing import Any


def non_finite(metrics: dict[str, Any]) -> tuple[str, float] | None:
    """The first metric that is NaN or infinite, as (name, value)."""
    for key, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            return key, value
    return None


def tensors_finite(tensors: Any) -> bool:
    """True when every tensor is finite (one host sync for the lot)."""
    import torch

    flags = [torch.isfinite(t.detach()).all() for t in tensors if t.is_floating_point()]
    return bool(torch.stack(flags).all()) if flags else True

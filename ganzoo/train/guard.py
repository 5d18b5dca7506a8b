"""Divergence guard: a non-finite loss stops (or rolls back) the run; a collapsed D is flagged.

Checked once per logging interval and before every checkpoint, on values the step already
accumulates, so a healthy run pays no extra host synchronisation per step.
"""

from __future__ import annotations

import math
from typing import Any

ON_NAN = ("stop", "skip")
#: A discriminator loss below this for ``COLLAPSE_INTERVALS`` logged intervals in a row means
#: D wins every batch and G gets no useful gradient.
COLLAPSE_LOSS = 1e-3
COLLAPSE_INTERVALS = 10


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


class CollapseWatch:
    """Warn once when the discriminator's loss sits near 0 for a long stretch."""

    def __init__(self, key: str = "Loss_D", threshold: float = COLLAPSE_LOSS,
                 intervals: int = COLLAPSE_INTERVALS) -> None:
        self.key, self.threshold, self.intervals = key, threshold, intervals
        self.streak = 0
        self.since: int | None = None
        self.warned = False

    def update(self, step: int, metrics: dict[str, Any]) -> str | None:
        """Feed one logged interval; returns the warning line the first time it applies."""
        value = metrics.get(self.key)
        if not isinstance(value, float):
            return None
        if value < self.threshold:
            self.since = step if self.streak == 0 else self.since
            self.streak += 1
        else:
            self.streak, self.since = 0, None
        if self.streak >= self.intervals and not self.warned:
            self.warned = True
            return (f"warning: {self.key} has stayed below {self.threshold:g} since step {self.since} "
                    f"(now step {step}): the discriminator wins every batch and the generator has "
                    "probably stopped learning (try a lower D learning rate, label smoothing, or "
                    "--loss wgan-gp)")
        return None

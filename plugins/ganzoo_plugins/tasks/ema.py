"""An exponential moving average of the generator's weights, shipped instead of the last step's.

A GAN generator's weights oscillate from step to step because D keeps moving the target; the
average over the last ~1/(1 - decay) steps is a better generator than any single step (Karras
et al. 2018, Yazıcı et al. 2019). On the embedded digits the MLP GAN's classifier-FID drops
from ~6.5x to ~2.5x the real-vs-real floor (docs/benchmarks.md, "Quality on digits").

The averaging is torch's own :class:`torch.optim.swa_utils.AveragedModel` with its EMA
function. BatchNorm's running statistics are *not* averaged: statistics gathered under other
weights do not fit the averaged ones (session notes: an EMA with averaged buffers sampled worse
than no EMA). Instead :meth:`GeneratorEMA.apply` re-estimates them with the averaged weights
from seeded noise (the procedure of :func:`torch.optim.swa_utils.update_bn`).

The object is not an ``nn.Module`` but has ``state_dict``/``load_state_dict``; the adversarial
step puts it in its own ``state_dict``, so checkpoints carry it and resume is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

#: Noise batches used to re-estimate BatchNorm statistics under the averaged weights.
BN_BATCHES, BN_BATCH_SIZE = 20, 256


class GeneratorEMA:
    """EMA of ``net``'s parameters; ``update`` after each G step, ``apply`` once at the end."""

    def __init__(self, net: nn.Module, decay: float) -> None:
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        self.net, self.decay = net, float(decay)
        self.averaged = AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(self.decay),
                                      use_buffers=False)

    @torch.no_grad()
    def update(self) -> None:
        self.averaged.update_parameters(self.net)

    def state_dict(self) -> dict[str, Any]:
        """The averaged weights under the generator's own key names (no wrapper prefix)."""
        return {"n_averaged": self.averaged.n_averaged, "weights": self.averaged.module.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.averaged.module.load_state_dict(state["weights"])
        self.averaged.n_averaged.copy_(state["n_averaged"])

    @property
    def horizon(self) -> int:
        """Steps the average effectively spans, 1 / (1 - decay)."""
        return round(1 / (1 - self.decay))

    @property
    def updates(self) -> int:
        return int(self.averaged.n_averaged)

    @torch.no_grad()
    def apply(self, inputs: Callable[[int, torch.Generator], tuple[torch.Tensor, ...]], seed: int,
              device: torch.device) -> bool:
        """Load the averaged weights into ``net`` and re-estimate its BatchNorm statistics.

        ``inputs(n, generator)`` draws one batch of the generator's inputs on the CPU (the
        latents; a conditional GAN's labels too); ``seed`` makes it reproducible. A run shorter
        than the horizon (a smoke run) keeps its last weights and returns False: its average
        would still be mostly the random initialisation.
        """
        if self.updates < self.horizon:
            return False
        for mine, avg in zip(self.net.parameters(), self.averaged.module.parameters()):
            mine.copy_(avg)
        g = torch.Generator().manual_seed(seed)
        batches = [tuple(t.to(device) for t in inputs(BN_BATCH_SIZE, g)) for _ in range(BN_BATCHES)]
        reestimate_bn(self.net, batches)
        return True


@torch.no_grad()
def reestimate_bn(net: nn.Module, batches: list[tuple[torch.Tensor, ...]]) -> None:
    """BatchNorm running statistics recomputed as the plain average over ``batches``.

    :func:`torch.optim.swa_utils.update_bn`'s procedure (reset, momentum None, forward in train
    mode), with every batch passed as ``net(*batch)`` so networks of several inputs work too.
    """
    momenta = {}
    for module in net.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was = net.training
    net.train()
    for module in momenta:
        module.momentum = None
    for batch in batches:
        net(*batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    net.train(was)

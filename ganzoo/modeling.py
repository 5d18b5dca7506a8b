"""The base class of every model a :class:`~ganzoo.specs.ModelSpec` builds (imports torch).

The trainer, ``summary`` and the weights format speak only to :class:`ZooModel`. What a kind
of model adds (a GAN's latent space, a classifier's classes) is the task plugin's: its base
classes (``ganzoo_plugins.tasks.adversarial.GenerativeModel`` and the like) subclass this one.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn


class ZooModel(nn.Module):
    """A model of the zoo: one or more networks plus the hyperparameters that built them.

    ``config`` holds every hyperparameter, so ``type(m)(**m.config)`` rebuilds the same
    architecture; it is what ``config.json`` stores next to the weights.
    """

    #: The registered task that trains and uses this model (set by the task's base class).
    task: ClassVar[str] = ""
    #: Whether ``--precision auto`` may pick bf16/fp16 for it (False: tiny recurrent nets,
    #: where casts cost more than they save and rounding accumulates over time steps).
    auto_precision: ClassVar[bool] = True
    #: The range of the images it takes and makes: [-1, 1] (tanh) by convention; [0, 1] for a
    #: seed that trains on ``ToTensor`` images and ends in a Sigmoid. Batches are converted to it,
    #: and ``config.json`` records it, so samplers and ``predict`` map to and from [0, 1].
    value_range: ClassVar[tuple[float, float]] = (-1.0, 1.0)

    def __init__(self, **config: Any) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(config)

    def networks(self) -> dict[str, nn.Module]:
        """The separately trained / saved networks, by role (``generator``, ``discriminator``, ``model``)."""
        raise NotImplementedError

    def example_input(self, name: str, batch_size: int = 2) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """A valid input batch for network ``name`` (for torchinfo and smoke tests); a tuple
        when the network takes several inputs (a conditional GAN's images and labels)."""
        raise NotImplementedError

    @property
    def primary(self) -> str:
        """The network ``model.safetensors`` holds: the first of :meth:`networks`."""
        return next(iter(self.networks()))

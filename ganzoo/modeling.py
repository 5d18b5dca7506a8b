"""The base class of every model a :class:`~ganzoo.specs.ModelSpec` builds (imports torch).

The trainer, ``summary`` and the weights format speak only to :class:`ZooModel`. What a kind
of model adds (a GAN's latent space, a classifier's classes) is the task plugin's: its base
classes (``ganzoo_plugins.tasks.adversarial.GenerativeModel`` and the like) subclass this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import nn


@dataclass
class ExportSignature:
    """What an exported network takes and returns: the whole contract between a model and any
    exporter (:mod:`ganzoo.exporting`), so no exporter needs to know what kind of model it holds.

    - ``network``: which of :meth:`ZooModel.networks` is exported (a GAN's generator).
    - ``inputs``: input name -> an example batch, in the order the network takes them; dim 0
      is the batch. Their dtypes are the file's (a conditional generator's labels are int64).
    - ``outputs``: output names, in the order the network returns them.
    - ``axes``: name -> ``{dim: label}`` of further dims that may vary (a series' length); dim 0
      of every input and output is ``"batch"`` whatever this says.
    """

    network: str
    inputs: dict[str, torch.Tensor]
    outputs: tuple[str, ...]
    axes: dict[str, dict[int, str]] = field(default_factory=dict)

    def dynamic_axes(self) -> dict[str, dict[int, str]]:
        """Every input's and output's varying dims: the batch first, then the declared ones."""
        return {name: {0: "batch", **self.axes.get(name, {})} for name in [*self.inputs, *self.outputs]}

    def shapes(self) -> str:
        """``z[batch,100,1,1], labels[batch]``: the inputs as a person reads them."""
        axes = self.dynamic_axes()
        return ", ".join(f"{name}[{','.join(axes[name].get(i, str(d)) for i, d in enumerate(t.shape))}]"
                         for name, t in self.inputs.items())


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
    #: Names of the primary network's inputs and outputs in an exported file (ONNX graph names);
    #: a task's base class names its kind's (``z``/``images``); empty inputs: ``input``, ``input_1``.
    export_inputs: ClassVar[tuple[str, ...]] = ()
    export_outputs: ClassVar[tuple[str, ...]] = ("output",)
    #: Dims besides the batch that may vary in an exported file: ``{"series": {1: "time"}}``.
    export_axes: ClassVar[dict[str, dict[int, str]]] = {}

    def __init__(self, **config: Any) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(config)

    def networks(self) -> dict[str, nn.Module]:
        """The separately trained / saved networks, by role (``generator``, ``discriminator``, ``model``)."""
        raise NotImplementedError

    def example_input(self, name: str, batch_size: int = 2) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """A valid input batch for network ``name`` (for torchinfo, smoke tests and export); a
        tuple when the network takes several inputs (a conditional GAN's images and labels)."""
        raise NotImplementedError

    def export_signature(self, batch_size: int = 2) -> ExportSignature:
        """What ``ganzoo export`` writes: the primary network, fed :meth:`example_input`, with
        the class's ``export_inputs`` / ``export_outputs`` names. Override it to export another
        network or other inputs; raise ``NotImplementedError`` for a model that cannot be."""
        name = self.primary
        example = self.example_input(name, batch_size)
        tensors = example if isinstance(example, tuple) else (example,)
        names = self.export_inputs or tuple("input" if i == 0 else f"input_{i}" for i in range(len(tensors)))
        if len(names) != len(tensors):
            raise ValueError(f"{type(self).__name__}.export_inputs names {len(names)} inputs, but "
                             f"example_input('{name}') gives {len(tensors)}")
        return ExportSignature(name, dict(zip(names, tensors)), tuple(self.export_outputs),
                               {k: dict(v) for k, v in self.export_axes.items()})

    @property
    def primary(self) -> str:
        """The network ``model.safetensors`` holds: the first of :meth:`networks`."""
        return next(iter(self.networks()))

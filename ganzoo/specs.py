"""The records plugins register. Plain dataclasses, no torch: listing stays cheap.

A spec's ``builder`` is a ``"module:attr"`` string resolved only when the thing is created, so a
plugin can describe a 50-layer network without importing torch at registration time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from .errors import PluginLoadError

#: Tasks a model can declare; the trainer picks its step from this.
TASKS = ("adversarial", "classification", "regression")

_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


@dataclass(frozen=True)
class Param:
    """One setting of a model, dataset or loss: its type, default and a one-line help.

    ``type`` is a name (``"int"``, ``"float"``, ``"str"``, ``"bool"``) so specs stay JSON-friendly.
    ``choices`` restricts the allowed values; ``None`` defaults mean "derived" (for example from
    the dataset's shape).
    """

    type: str
    default: Any
    help: str = ""
    choices: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise ValueError(f"Param type must be one of {sorted(_TYPES)}, not {self.type!r}")

    @property
    def pytype(self) -> type:
        return _TYPES[self.type]


def _resolve(ref: str, what: str) -> Any:
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise PluginLoadError(f"{what}: builder {ref!r} is not of the form 'module:attr'")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a plugin's import can fail in any way
        raise PluginLoadError(f"{what}: cannot import {module_name!r}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise PluginLoadError(f"{what}: module {module_name!r} has no attribute {attr!r}") from None


@dataclass(frozen=True)
class _Spec:
    name: str
    builder: str
    description: str
    params: dict[str, Param] = field(default_factory=dict)
    #: Filled in by the registry: the plugin (entry point) and distribution that registered it.
    plugin: str = ""
    distribution: str = ""
    version: str = ""

    kind = "thing"

    def load_builder(self) -> Any:
        """Import and return the builder; a failure names this spec and the module."""
        return _resolve(self.builder, f"{self.kind} '{self.name}'")

    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.params.items()}


@dataclass(frozen=True)
class ModelSpec(_Spec):
    """A model family. ``builder(**hparams)`` returns a :class:`ganzoo.modeling.ZooModel`.

    ``task`` selects the trainer step; ``default_loss`` / ``default_dataset`` are what
    ``ganzoo train MODEL`` uses when the user names none. ``data_params`` maps hyperparameter
    names to dataset shape fields (``channels``, ``image_size``, ``num_classes``, ``seq_len``)
    so the trainer can fill them from the data when the user did not set them.
    """

    task: str = "adversarial"
    default_loss: str = "bce"
    default_dataset: str = "digits"
    inputs: str = ""
    outputs: str = ""
    data_params: dict[str, str] = field(default_factory=dict)
    #: Training recipe defaults (batch_size, lr, betas, epochs, optimizer) from the seed.
    recipe: dict[str, Any] = field(default_factory=dict)

    kind = "model"

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"model {self.name!r}: task must be one of {TASKS}, not {self.task!r}")


@dataclass(frozen=True)
class DatasetSpec(_Spec):
    """A dataset. ``builder(request)`` returns a :class:`ganzoo.data.DataBundle`.

    ``modality`` is ``"image"`` or ``"series"``; ``shape`` the native sample shape (C, H, W) or
    (L,), ``None`` where it depends on the files; ``source`` says where the data comes from.
    """

    modality: str = "image"
    shape: tuple[int, ...] | None = None
    labelled: bool = False
    splits: tuple[str, ...] = ("train", "test")
    value_range: tuple[float, float] = (-1.0, 1.0)
    source: str = ""
    class_names: tuple[str, ...] | None = None

    kind = "dataset"


@dataclass(frozen=True)
class LossSpec(_Spec):
    """A training objective. ``tasks`` lists the model tasks it can train."""

    tasks: tuple[str, ...] = ("adversarial",)

    kind = "loss"


@dataclass(frozen=True)
class WeightsSpec:
    """Pretrained weights: ``arch.tag`` naming as in timm (``dcgan.digits``)."""

    name: str
    path: str
    model: str
    dataset: str
    description: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    #: Filled in by the registry, as for the other specs.
    plugin: str = ""
    distribution: str = ""
    version: str = ""

    kind = "pretrained"

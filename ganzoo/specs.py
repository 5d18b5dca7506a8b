"""The records plugins register. Plain dataclasses, no torch: listing stays cheap.

A spec's ``builder`` is a ``"module:attr"`` string resolved only when the thing is created, so a
plugin can describe a 50-layer network without importing torch at registration time.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import PluginLoadError

_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


@dataclass(frozen=True)
class Param:
    """One setting of a model, dataset or loss: its type, default and a one-line help.

    ``type`` is a name (``"int"``, ``"float"``, ``"str"``, ``"bool"``) so specs stay JSON-friendly.
    ``choices`` restricts the allowed values; ``None`` defaults mean "derived" (for example from
    the dataset's shape). ``min``/``max`` bound numbers (inclusive) so a hostile ``--set`` or
    ``config.json`` is refused before anything is built.
    """

    type: str
    default: Any
    help: str = ""
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise ValueError(f"Param type must be one of {sorted(_TYPES)}, not {self.type!r}")

    @property
    def pytype(self) -> type:
        return _TYPES[self.type]


#: Value types of a run option: the Param types plus a folder path, a pair of floats and a
#: list of names (a repeatable flag: ``--logger csv --logger tensorboard``).
OPTION_TYPES = ("int", "float", "str", "bool", "path", "pair", "list")


@dataclass(frozen=True)
class Option:
    """One option of a verb (``train``, ``eval``, ``sample``, ``predict``), declared once.

    The click flag, the ``ganzoo.train`` keyword, the ``--resume`` rule, the recorded command
    and the value the task reads are all derived from this record (see :mod:`ganzoo.options`).

    - ``default``: the value when neither the user nor the model's recipe sets one.
    - ``recipe``: a model's recipe (``ModelSpec.recipe``) may set the default.
    - ``resume``: ``--resume`` may change it (it does not change what the run computes).
    - ``recorded``: part of the command that reproduces a run (``config.json``, the card).
    - ``min``/``max`` (``min_open``/``max_open`` for strict bounds) and ``choices`` are checked
      with one message shape; ``hint`` ends that message (``{default}`` is filled in).
    - ``check(value)`` returns the canonical value or raises :class:`~ganzoo.errors.ConfigError`;
      it must not import torch (validation runs before anything heavy loads).
    - ``flag``: ``"switch"`` makes ``--x/--no-x``, ``"flag"`` a bare ``--x``.
    - ``tasks``: the tasks it applies to; ``None`` is every task. :func:`ganzoo.options.table`
      fills it in for options a :class:`TaskSpec` contributes.
    """

    name: str
    type: str
    default: Any = None
    help: str = ""
    metavar: str | None = None
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    hint: str = ""
    recipe: bool = False
    resume: bool = False
    recorded: bool = True
    check: Callable[[Any], Any] | None = field(default=None, compare=False)
    flag: str | None = None
    tasks: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.type not in OPTION_TYPES:
            raise ValueError(f"option {self.name!r}: type must be one of {OPTION_TYPES}, not {self.type!r}")
        if not self.name.isidentifier():
            raise ValueError(f"option name {self.name!r} must be a Python identifier (lr_decay)")

    @property
    def flag_name(self) -> str:
        """``--lr-decay`` for ``lr_decay``."""
        return "--" + self.name.replace("_", "-")


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

    ``task`` names the registered task that trains, evaluates and samples it (``ganzoo list
    --kind task``); ``default_loss`` / ``default_dataset`` are what ``ganzoo train MODEL`` uses
    when the user names none. ``data_params`` maps hyperparameter names to dataset shape fields
    (``channels``, ``image_size``, ``num_classes``, ``seq_len``) so the trainer can fill them
    from the data when the user did not set them.
    """

    task: str = ""
    default_loss: str = ""
    default_dataset: str = ""
    inputs: str = ""
    outputs: str = ""
    data_params: dict[str, str] = field(default_factory=dict)
    #: Defaults of the run options marked ``recipe`` (batch_size, lr, betas, epochs, ...), plus
    #: ``datasets: {name: {...}}`` per-dataset overrides, which may also hold ``hparams`` and
    #: ``loss_settings``.
    recipe: dict[str, Any] = field(default_factory=dict)

    kind = "model"

    def __post_init__(self) -> None:
        if not self.task:
            raise ValueError(f"model {self.name!r}: ModelSpec needs task=... (see: ganzoo list --kind task)")

    def load_builder(self) -> Any:
        """The builder, guarded: each call first builds the model on the meta device (no memory)
        and refuses one above the parameter limit (:func:`ganzoo.limits.guarded`), so no caller
        can allocate what a hostile ``config.json`` or ``--set`` asks for."""
        from .limits import guarded

        return guarded(super().load_builder(), self.name)


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
    """A training objective. ``tasks`` names the registered tasks whose step can call it."""

    tasks: tuple[str, ...] = ()

    kind = "loss"


@dataclass(frozen=True)
class LoggerSpec(_Spec):
    """An experiment logger (``ganzoo train --logger NAME``, repeatable).

    ``builder(run)`` is called on rank 0 with a :class:`ganzoo.loggers.LogRun` once the run
    folder exists and returns a :class:`ganzoo.loggers.Logger`. ``requires`` names the Python
    modules it imports (an optional extra, never a ganzoo dependency): a missing one stops
    ``ganzoo train`` before anything loads, in one line that ends with ``install`` (the pip
    command that brings it, e.g. ``pip install 'ganzoo[tensorboard]'``).
    """

    requires: tuple[str, ...] = ()
    install: str = ""

    kind = "logger"


#: The verbs a task can contribute options to.
VERBS = ("train", "eval", "sample", "predict")


@dataclass(frozen=True)
class TaskSpec(_Spec):
    """A kind of model. ``builder()`` returns a :class:`ganzoo.tasks.Task`.

    Everything here is a torch-free fact the catalogue, the CLI and the docs can show without
    building the task: its Hub ``pipeline_tag`` and card ``tags``; the headline ``metrics`` of
    ``ganzoo eval`` and their ``targets`` (``{"fid_ratio": "<= 3 (text)"}``); the ``picture``
    an evaluation draws; the options it adds to each verb (``{"train": (Option(...), ...)}``);
    which of ``sample`` / ``predict`` its models answer (``verbs``); how it scores them
    (``scoring``, for the docs); and whose losses it can train with (``losses_from``).
    """

    pipeline_tag: str = ""
    tags: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    targets: dict[str, str] = field(default_factory=dict)
    picture: str = ""
    options: dict[str, tuple[Option, ...]] = field(default_factory=dict)
    verbs: tuple[str, ...] = ()
    #: How ``ganzoo eval`` scores this kind, one paragraph for docs/zoo.md.
    scoring: str = ""
    #: Other tasks whose losses this task's step can call (the same loss protocol): a
    #: conditional GAN task trains with every loss written for the adversarial one.
    losses_from: tuple[str, ...] = ()
    #: Values of a metric that look wrong but are not, explained where they are printed:
    #: ``{"kid": (0.0, "unbiased, so slightly negative ...")}`` shows the text beside a kid
    #: below 0 (``ganzoo info``, the model card; see :func:`ganzoo.display.note`).
    metric_notes: dict[str, tuple[float, str]] = field(default_factory=dict)

    kind = "task"

    def __post_init__(self) -> None:
        bad = [v for v in list(self.options) + list(self.verbs) if v not in VERBS]
        if bad:
            raise ValueError(f"task {self.name!r}: unknown verb {bad[0]!r} (verbs: {', '.join(VERBS)})")


@dataclass(frozen=True)
class ExporterSpec(_Spec):
    """A file format models can be exported to (``ganzoo export REF --format NAME``).

    ``builder()`` returns a :class:`ganzoo.exporting.Exporter`, which writes the file and runs it
    back, so every export is checked against the model. ``suffix`` is the file name's usual
    ending (``.onnx``). ``requires`` names the Python modules it imports (an optional extra, never
    a ganzoo dependency): a missing one stops ``ganzoo export`` before the model loads, in one
    line that ends with ``install`` (e.g. ``pip install 'ganzoo[export]'``).
    """

    suffix: str = ""
    requires: tuple[str, ...] = ()
    install: str = ""

    kind = "exporter"


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

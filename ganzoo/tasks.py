"""The contract of a task plugin: what a kind of model needs beyond its networks.

A :class:`~ganzoo.specs.TaskSpec` holds the torch-free facts (tags, metrics, options); its
builder returns a :class:`Task`, which holds the behaviour. The core never asks "is this a
GAN?": the trainer asks the task for a training step, ``ganzoo eval`` asks it for scores,
``ganzoo sample``/``predict`` ask it for outputs and the model card asks it how to use the
weights. The built-in tasks live in ``ganzoo_plugins.tasks`` and are registered through entry
points exactly like a third party's (see docs/plugins.md, "Writing a task plugin").

Importing this module does not import torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, PluginLoadError

if TYPE_CHECKING:
    import torch

    from .data import DataBundle
    from .evaluate import Evaluation
    from .modeling import ZooModel
    from .options import ResolvedOptions
    from .specs import TaskSpec
    from .training.step import RunContext, Step


@dataclass
class Scores:
    """What a task's evaluation measured: scalar ``metrics`` plus how they were measured."""

    metrics: dict[str, float]
    n: int | None = None
    feature_extractor: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Samples:
    """What ``ganzoo sample`` writes: images (N, C, H, W) in [0, 1] and how to lay them out.

    ``row_labels`` are written beside each row of the grid (one per row of ``nrow`` images).
    ``animation``: the images are the frames of a walk; ``ganzoo sample`` also writes them as a
    GIF beside the grid.
    """

    images: torch.Tensor
    nrow: int | None = None
    row_labels: list[str] | None = None
    animation: bool = False


class Task:
    """Base class of a kind of model. One instance per process; it keeps no run state.

    Subclasses override what their kind needs; a method left alone means "this kind has none"
    (no pictures, no extra checks) or, for the verbs, "not supported", which the CLI turns into
    a one-line error naming the verb to use instead.
    """

    spec: TaskSpec
    #: Drop each epoch's last partial batch (a discriminator's BatchNorm never sees one image).
    drop_last: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    # -- training ------------------------------------------------------------------------
    def check_data(self, opts: ResolvedOptions, bundle: DataBundle) -> None:
        """Refuse, with a one-line :class:`~ganzoo.errors.DataError`, data this task cannot train on."""

    def make_step(self, model: ZooModel, loss: Any, ctx: RunContext) -> Step:
        """The training step of one run: optimizers, ``train_batch``, pictures, state."""
        raise ConfigError(f"train: task '{self.name}' has no training step (its plugin trains nothing)")

    # -- ganzoo eval ---------------------------------------------------------------------
    def evaluate(self, model: ZooModel, bundle: DataBundle, *, seed: int,
                 options: dict[str, Any]) -> Scores:
        """Score ``model`` on ``bundle``'s test split; ``options`` are the task's eval options."""
        raise ConfigError(f"eval: task '{self.name}' has no evaluation")

    def report(self, evaluation: Evaluation) -> list[str]:
        """Extra lines ``ganzoo eval`` prints after the metrics (class shares, a confusion matrix)."""
        return []

    def draw(self, folder: Path, model: ZooModel, evaluation: Evaluation) -> list[str]:
        """The figures ``ganzoo eval --write`` puts beside the weights; returns the file names."""
        return []

    # -- ganzoo sample / predict ---------------------------------------------------------
    def sample(self, model: ZooModel, n: int, *, seed: int | None, options: dict[str, Any]) -> Samples:
        raise self.unsupported("sample")

    def predict(self, model: ZooModel, inputs: Sequence[str], options: dict[str, Any]) -> list[str]:
        """One output line per input (``path<TAB>result``)."""
        raise self.unsupported("predict")

    def unsupported(self, verb: str) -> ConfigError:
        other = [v for v in self.spec.verbs if v != verb]
        instead = f"; use `ganzoo {other[0]}`" if other else ""
        return ConfigError(f"{verb}: {self.name} models do not {verb}{instead}")

    # -- ganzoo demo ---------------------------------------------------------------------
    def demo(self, model: ZooModel) -> None:
        """Build this kind's panel of ``ganzoo demo`` with Gradio components.

        Called inside the page's ``gradio.Blocks`` context, which already holds the title and the
        model card beside the panel (:mod:`ganzoo.demo`), so a task only adds its own inputs,
        buttons and outputs. Give each event an ``api_name``: ``gradio_client`` calls it by that
        name. Raise :class:`gradio.Error` for bad input; the page shows it as a message.
        """
        raise ConfigError(f"demo: task '{self.name}' has no demo panel (its plugin defines no "
                          "Task.demo); use `ganzoo sample` or `ganzoo predict`")

    # -- the model card ------------------------------------------------------------------
    def usage(self, ref: str) -> tuple[list[str], list[str]]:
        """(Python lines, shell lines) showing how to use loaded weights; ``ref`` is their name."""
        return [f'model = ganzoo.load("{ref}")'], []

    def card_notes(self, config: dict[str, Any]) -> list[str]:
        """Lines for the card's evaluation section (what the folder leaves out and why)."""
        return []


_built: dict[tuple[int, str], Task] = {}


def get(name: str) -> Task:
    """The task registered as ``name``, built once per catalog."""
    from . import registry

    spec = registry.get_task(name)
    key = (id(registry.catalog()), name)
    task = _built.get(key)
    if task is None:
        task = spec.load_builder()()
        if not isinstance(task, Task):
            raise PluginLoadError(f"task '{name}': builder {spec.builder} returned "
                                  f"{type(task).__name__}, not a ganzoo.tasks.Task (fix the plugin "
                                  f"'{spec.plugin}')")
        task.spec = spec
        if not any(k[0] == key[0] for k in _built):
            _built.clear()  # a new catalog (plugins changed): forget the old one's tasks
        _built[key] = task
    return task


def for_model(model: Any) -> Task:
    """The task of a built or loaded model (its class declares it, its spec agrees)."""
    name = getattr(model, "task", "")
    if not name:
        raise ConfigError(f"{type(model).__name__} declares no task; subclass a task's model base class")
    return get(name)

"""Hook specifications: what a ganzoo plugin can provide.

Every hook is register-callback style (as in simonw/llm): the plugin calls ``register(spec)`` once
per thing it provides. The host owns name collisions and knows which plugin gave what. A plugin
module needs no torch import to implement these hooks; specs point at builders by name.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

hookspec = pluggy.HookspecMarker("ganzoo")
hookimpl = pluggy.HookimplMarker("ganzoo")


@hookspec
def register_models(register: Callable[..., None]) -> None:
    """Register model families: call ``register(ModelSpec(...))`` for each.

    The spec's builder, ``"module:attr"``, must return a :class:`ganzoo.modeling.ZooModel` when
    called with the model's hyperparameters as keyword arguments.
    """


@hookspec
def register_datasets(register: Callable[..., None]) -> None:
    """Register datasets: call ``register(DatasetSpec(...))`` for each.

    The builder is called with a :class:`ganzoo.data.DataRequest` and returns a
    :class:`ganzoo.data.DataBundle` (uint8 images or float series, already split).
    """


@hookspec
def register_losses(register: Callable[..., None]) -> None:
    """Register training objectives: call ``register(LossSpec(...))`` for each.

    ``LossSpec.tasks`` names the registered tasks whose step can call the loss (see ``ganzoo list
    --kind task``); the trainer refuses other combinations.
    """


@hookspec
def register_tasks(register: Callable[..., None]) -> None:
    """Register kinds of model: call ``register(TaskSpec(...))`` for each.

    The spec's builder, ``"module:attr"``, must return a :class:`ganzoo.tasks.Task` when called
    with no arguments. The task owns what differs between kinds of model: the training step,
    per-epoch evaluation and pictures, ``ganzoo eval``'s metrics, the card's tags, what
    ``sample`` / ``predict`` accept, and the options it adds to those verbs. A model names its
    task in ``ModelSpec.task``.
    """


@hookspec
def register_weights(register: Callable[..., None]) -> None:
    """Register pretrained weights: call ``register(WeightsSpec(...))`` for each.

    ``WeightsSpec.path`` is a local weights folder or a Hub repo id; ``name`` is ``arch.tag``.
    """


@hookspec
def register_loggers(register: Callable[..., None]) -> None:
    """Register experiment loggers: call ``register(LoggerSpec(...))`` for each.

    ``ganzoo train --logger NAME`` (repeatable) turns one on. The spec's builder,
    ``"module:attr"``, is called on rank 0 with a :class:`ganzoo.loggers.LogRun` once the run
    folder exists and returns a :class:`ganzoo.loggers.Logger`, which then receives every
    ``metrics.jsonl`` record, the task's pictures and the final metrics. A logger that raises is
    one warning line and is dropped for the rest of the run; training goes on.
    """


@hookspec
def register_exporters(register: Callable[..., None]) -> None:
    """Register export formats: call ``register(ExporterSpec(...))`` for each.

    The spec's builder, ``"module:attr"``, must return a :class:`ganzoo.exporting.Exporter` when
    called with no arguments. What a model's exported network takes and returns comes from the
    model (:meth:`ganzoo.modeling.ZooModel.export_signature`), never from the exporter.
    """

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

    ``LossSpec.tasks`` names the model tasks (``adversarial``, ``classification``,
    ``regression``) the loss can train; the trainer refuses other combinations.
    """


@hookspec
def register_weights(register: Callable[..., None]) -> None:
    """Register pretrained weights: call ``register(WeightsSpec(...))`` for each.

    ``WeightsSpec.path`` is a local weights folder or a Hub repo id; ``name`` is ``arch.tag``.
    """

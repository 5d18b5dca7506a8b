"""ganzoo: a plugin-based model zoo for PyTorch GANs and classic models.

Every CLI verb is a function here that returns objects and prints nothing (the CLI prints
what they return): ``list_models`` and friends (``ganzoo list``), :func:`info`, :func:`summary`,
:func:`create_model`, :func:`load`, :func:`train`, :func:`sample`, :func:`predict`,
:func:`evaluate` (``ganzoo eval``), :func:`push`, :func:`convert` and :func:`export`. Bad input
raises a :class:`GanzooError` subclass. docs/python.md shows each with an example.

Importing this package does not import torch; the heavy parts load on first use, so
``ganzoo list`` and ``ganzoo --help`` stay fast.

>>> import ganzoo
>>> ganzoo.list_models()            # doctest: +SKIP
['classifier', 'classifier-cnn', 'dcgan', 'lstm-regressor', 'mlp-gan']
>>> g = ganzoo.load("dcgan.digits")  # doctest: +SKIP
>>> ganzoo.sample(g, 64, seed=0).images.shape  # doctest: +SKIP
torch.Size([64, 1, 32, 32])

``ganzoo.sample``, ``ganzoo.evaluate`` and ``ganzoo.summary`` are these functions, not the
submodules of the same names: import from those with ``from ganzoo.sample import ...``.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import GanzooError
from .hookspecs import hookimpl
from .verbs import convert, evaluate, info, predict, sample, summary

if TYPE_CHECKING:
    from .modeling import ZooModel

__all__ = [
    "GanzooError",
    "__version__",
    "convert",
    "create_model",
    "evaluate",
    "export",
    "hookimpl",
    "info",
    "list_datasets",
    "list_losses",
    "list_models",
    "list_pretrained",
    "list_tasks",
    "load",
    "predict",
    "push",
    "sample",
    "summary",
    "train",
]


def list_models(pattern: str = "*") -> list[str]:
    """Names of the registered model families matching a glob pattern."""
    from . import registry

    return [s.name for s in registry.find(pattern, "model")]


def list_datasets(pattern: str = "*") -> list[str]:
    """Names of the registered datasets matching a glob pattern."""
    from . import registry

    return [s.name for s in registry.find(pattern, "dataset")]


def list_losses(pattern: str = "*") -> list[str]:
    """Names of the registered losses matching a glob pattern."""
    from . import registry

    return [s.name for s in registry.find(pattern, "loss")]


def list_pretrained(pattern: str = "*") -> list[str]:
    """Names (``arch.tag``) of the registered pretrained weights matching a glob pattern."""
    from . import registry

    return [s.name for s in registry.find(pattern, "pretrained")]


def list_tasks(pattern: str = "*") -> list[str]:
    """Names of the registered tasks (kinds of model) matching a glob pattern."""
    from . import registry

    return [s.name for s in registry.find(pattern, "task")]


def create_model(name: str, **hparams: Any) -> ZooModel:
    """Build a fresh (untrained) model of family ``name``; unknown names and settings raise.

    ``hparams`` may be typed values or strings (as from ``--set``); both are validated.
    """
    from .api import create_model as create

    return create(name, **hparams)


def __getattr__(name: str) -> Any:
    # Heavy entry points (they import torch) are resolved on first access.
    if name in ("load", "push"):
        from . import api

        return getattr(api, name)
    if name == "train":
        from .training import train

        return train
    if name == "export":
        from .exporting import export

        return export
    raise AttributeError(f"module 'ganzoo' has no attribute {name!r}")


class _Package(types.ModuleType):
    """The ``ganzoo`` module, keeping its verbs when the submodules of the same name load.

    Importing ``ganzoo.sample`` (the module) would otherwise rebind ``ganzoo.sample`` from the
    function to the module, so what ``ganzoo.sample`` is would depend on what was imported first.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _VERBS and isinstance(value, types.ModuleType):
            return  # the submodule stays in sys.modules: `from ganzoo.sample import ...` works
        super().__setattr__(name, value)


_VERBS = frozenset({"evaluate", "sample", "summary"})
sys.modules[__name__].__class__ = _Package

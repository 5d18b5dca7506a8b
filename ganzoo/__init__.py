"""ganzoo: a plugin-based model zoo for PyTorch GANs and classic models.

Importing this package does not import torch; the heavy parts load on first use, so
``ganzoo list`` and ``ganzoo --help`` stay fast.

>>> import ganzoo
>>> ganzoo.list_models()            # doctest: +SKIP
['classifier', 'classifier-cnn', 'dcgan', 'lstm-regressor', 'mlp-gan']
>>> g = ganzoo.load("dcgan.digits")  # doctest: +SKIP
>>> g.sample(64).shape               # doctest: +SKIP
torch.Size([64, 1, 32, 32])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import GanzooError
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from .modeling import ZooModel

__all__ = [
    "GanzooError",
    "__version__",
    "create_model",
    "export",
    "hookimpl",
    "list_datasets",
    "list_losses",
    "list_models",
    "list_pretrained",
    "list_tasks",
    "load",
    "push",
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

"""Train without importing ``torch._dynamo`` (1.2 s of every run's start-up) unless ``--compile``.

torch.optim imports dynamo on the first call of any optimizer: ``step`` is wrapped in a
function that imports it to place a graph break, and ``zero_grad``, ``add_param_group``,
``state_dict``, ``load_state_dict`` and the functional ``adam``/``sgd`` are wrapped by
``torch._disable_dynamo``, which imports it to build the disabled function the first time and
caches it on the function as ``__dynamo_disable``. Neither does anything for a model that is
not compiled. So, for an eager run:

- :func:`eager_class` gives the optimizer a ``step`` that does what the wrapper does for a
  non-differentiable optimizer (``no_grad``) and calls torch's own step body: the same kernels,
  the same state, bit for bit;
- :func:`no_dynamo_import` pre-fills those caches with the plain functions for the run's
  duration and removes exactly what it added afterwards, so a later ``torch.compile`` in the same
  process sees torch as it was.

Both fall back to torch's own behaviour (dynamo imported, nothing else changes) when the
functions are not shaped as expected, so a torch release that moves them costs start-up time,
never correctness.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Iterator
from typing import Any

import torch

_CACHE = "__dynamo_disable"


def _disabled_functions() -> list[Any]:
    """The plain functions behind torch.optim's ``_disable_dynamo`` wrappers."""
    import importlib

    adam, sgd = (importlib.import_module(f"torch.optim.{m}") for m in ("adam", "sgd"))
    wrapped = [torch.optim.Optimizer.zero_grad, torch.optim.Optimizer.add_param_group,
               torch.optim.Optimizer.state_dict, torch.optim.Optimizer.load_state_dict,
               getattr(adam, "adam", None), getattr(sgd, "sgd", None)]
    return [inspect.unwrap(fn) for fn in wrapped if fn is not None and hasattr(fn, "__wrapped__")]


@contextlib.contextmanager
def no_dynamo_import(enabled: bool = True) -> Iterator[None]:
    """Keep torch.optim from importing dynamo inside the block (a no-op once it is imported)."""
    seeded: list[Any] = []
    if enabled and "torch._dynamo" not in sys.modules:
        for fn in _disabled_functions():
            if getattr(fn, _CACHE, None) is None:
                setattr(fn, _CACHE, fn)
                seeded.append(fn)
    try:
        yield
    finally:
        for fn in seeded:
            if getattr(fn, _CACHE, None) is fn:
                delattr(fn, _CACHE)


_classes: dict[type, type] = {}


def eager_class(cls: type[torch.optim.Optimizer]) -> type[torch.optim.Optimizer]:
    """``cls`` with a ``step`` that skips the dynamo graph break (same name, same state_dict)."""
    if cls in _classes:
        return _classes[cls]
    body = inspect.unwrap(cls.step)
    if body is cls.step:  # not wrapped as expected: keep torch's own step
        return cls

    def step(self: torch.optim.Optimizer, closure: Any = None) -> Any:
        if self.defaults.get("differentiable"):
            return cls.step(self, closure)
        with torch.no_grad():
            return body(self, closure)

    _classes[cls] = eager = type(cls.__name__, (cls,), {
        "step": step, "__module__": __name__, "__qualname__": cls.__qualname__,
        "__doc__": f"torch.optim.{cls.__name__}, stepped without importing torch._dynamo."})
    return eager

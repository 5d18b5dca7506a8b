"""Ceilings that stop hostile or mistyped numbers before they allocate anything.

A 4 KB ``config.json`` or one ``--set`` can ask for a network of billions of weights, a dataset
of terabytes or a seed torch cannot take. Every :class:`~ganzoo.specs.Param` has bounds, but
bounds on single numbers cannot bound their product, so two more checks sit where memory is
about to be taken:

- a model is first built on PyTorch's ``meta`` device (shapes only, no memory) and its
  parameters and buffers counted; above :func:`max_params` (``GANZOO_MAX_PARAMS``, default one
  billion) it is refused before the real build (:func:`guarded`, used by
  :meth:`ganzoo.specs.ModelSpec.load_builder`);
- a dataset or sample tensor larger than this machine's memory is refused before it is made
  (:func:`check_bytes`).

Nothing here imports torch at module level.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any

from .errors import ConfigError, GanzooError

log = logging.getLogger(__name__)

#: Seeds are 0 .. 2**63 - 1: torch takes up to 2**64 - 1, and training adds small offsets to the
#: run's seed (per stream, per rank, per step), which must stay in range.
MAX_SEED = 2**63 - 1
#: ``ganzoo sample --n`` and ``model.sample(n)``: more is a memory hazard, not a picture.
MAX_SAMPLES = 10_000
PARAMS_ENV = "GANZOO_MAX_PARAMS"
#: One billion parameters and buffers: 4 GB in fp32, about 16 GB to train with Adam; the zoo's
#: largest shipped model has under 4 million.
DEFAULT_MAX_PARAMS = 1_000_000_000


def max_params() -> int:
    """The largest model (parameters + buffers, in elements) ganzoo builds: ``GANZOO_MAX_PARAMS``."""
    raw = os.environ.get(PARAMS_ENV, "").strip().replace("_", "")
    if not raw:
        return DEFAULT_MAX_PARAMS
    try:
        value = float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError:
        value = -1
    if not (isinstance(value, int) or float(value).is_integer()) or not 1 <= value <= 2**62:
        raise ConfigError(f"{PARAMS_ENV}={raw!r} must be a positive whole number of parameters "
                          f"(e.g. {PARAMS_ENV}=2e9), or unset for {DEFAULT_MAX_PARAMS:,}")
    return int(value)


def count_elements(module: Any) -> int:
    """Parameters plus buffers of a module, in elements (works on ``meta`` tensors)."""
    import itertools

    return sum(int(t.numel()) for t in itertools.chain(module.parameters(), module.buffers()))


def _human(n: float) -> str:
    for unit, size in (("billion", 1e9), ("million", 1e6)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f}"


def meta_size(builder: Callable[..., Any], kwargs: dict[str, Any]) -> int | None:
    """The element count of ``builder(**kwargs)`` built on the meta device, or None when the
    builder cannot run there (code that reads tensor values while building).

    The CPU random state is put back after: meta construction draws no numbers in PyTorch's
    own initialisers, and a plugin's must not shift the run's seeded weights either.
    """
    import torch

    state = torch.get_rng_state()
    try:
        with torch.device("meta"), _skip_meta_fills():
            return count_elements(builder(**kwargs))
    except GanzooError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure means "size it the real way"
        log.debug("cannot size %s on the meta device (%s: %s)", builder, type(exc).__name__, exc)
        return None
    finally:
        torch.set_rng_state(state)


#: In-place random fills an initialiser may call (besides ``torch.nn.init``'s own functions): a
#: meta tensor has no values to fill, so :func:`meta_size` skips them.
_FILLS = ("normal_", "uniform_", "bernoulli_", "exponential_", "log_normal_", "cauchy_",
          "geometric_", "random_")


def _skip_meta_fills() -> Any:
    """A torch-function mode in which random fills of ``meta`` tensors do nothing.

    Why: the meta device has no ``normal_`` kernel; torch runs its Python reference instead,
    whose first call imports ``torch._dynamo`` (1-2 s): every DCGAN-family run paid that before
    its first step for a size check that reads no values.
    """
    import torch
    from torch.overrides import TorchFunctionMode

    fills = {getattr(torch.Tensor, name) for name in _FILLS if hasattr(torch.Tensor, name)}

    class SkipMetaFills(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            if func in fills or getattr(func, "__module__", None) == "torch.nn.init":
                target = args[0] if args else kwargs.get("tensor")  # nn.init passes it by name
                if isinstance(target, torch.Tensor) and target.is_meta:
                    return target
            return func(*args, **kwargs)

    return SkipMetaFills()


def check_model_size(builder: Callable[..., Any], kwargs: dict[str, Any], owner: str) -> None:
    """Refuse ``builder(**kwargs)`` when its meta-device twin is above :func:`max_params`."""
    limit = max_params()
    size = meta_size(builder, kwargs)
    if size is not None and size > limit:
        shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        raise ConfigError(f"{owner} with {shown} would have {_human(size)} parameters, above the "
                          f"limit of {_human(limit)}; use smaller settings (or raise {PARAMS_ENV})")


def check_spec(spec: Any, hparams: dict[str, Any]) -> None:
    """:func:`check_model_size` for a :class:`~ganzoo.specs.ModelSpec` without building it."""
    check_model_size(spec.load_builder().__wrapped__, hparams, f"model '{spec.name}'")


def guarded(builder: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``builder`` of model ``name`` wrapped so every model is sized on the meta device first.

    A builder that fails for its settings (a negative width in a plugin without bounds) fails
    as one :class:`~ganzoo.errors.ConfigError` naming the model, not a traceback.
    """

    @functools.wraps(builder)
    def build(*args: Any, **kwargs: Any) -> Any:
        if args:  # only keyword settings are sized (that is how ganzoo calls builders)
            return builder(*args, **kwargs)
        owner = f"model '{name}'"
        check_model_size(builder, kwargs, owner)
        try:
            return builder(**kwargs)
        except GanzooError:
            raise
        except (RuntimeError, ValueError, TypeError, OverflowError, MemoryError) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
            raise ConfigError(f"{owner} cannot be built with {shown} ({type(exc).__name__}: "
                              f"{reason}); check the settings (see: ganzoo info {name})") from exc

    return build


def memory_bytes() -> int | None:
    """This machine's physical memory in bytes, or None where the OS does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_bytes(nbytes: int, what: str, fix: str) -> None:
    """Refuse a tensor of ``nbytes`` that this machine's memory cannot hold at all.

    ``what`` names the thing (``"dataset 'fake': 10,000,000,000 images of 1x28x28"``), ``fix``
    says what to change; the message is one line.
    """
    total = memory_bytes()
    if total is not None and nbytes > total:
        raise ConfigError(f"{what} would take {nbytes / 2**30:,.1f} GiB, more than this machine's "
                          f"{total / 2**30:,.1f} GiB of memory; {fix}")

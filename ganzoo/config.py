"""Turning user settings (``--set key=value``, keyword arguments, config.json) into typed values.

One place validates every setting against its :class:`~ganzoo.specs.Param`, so the CLI, the
Python API and ``ganzoo.load`` reject the same mistakes with the same message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ConfigError, UnknownName
from .specs import Param

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def parse_set(items: Iterable[str]) -> dict[str, str]:
    """Split ``key=value`` strings; a malformed item raises naming it."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {item!r} (example: --set nz=128)")
        out[key] = value.strip()
    return out


def coerce(owner: str, key: str, param: Param, value: Any) -> Any:
    """Convert ``value`` (a string from the CLI, or a Python value) to the param's type."""
    if value is None:
        return None
    kind = param.type
    try:
        if kind == "bool":
            if isinstance(value, bool):
                result: Any = value
            elif isinstance(value, str) and value.lower() in TRUE | FALSE:
                result = value.lower() in TRUE
            else:
                raise ValueError
        elif kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            result = int(value) if not isinstance(value, str) else int(value.strip(), 10)
        elif kind == "float":
            if isinstance(value, bool):
                raise ValueError
            result = float(value)
            if result != result or result in (float("inf"), float("-inf")):
                raise ValueError
        else:
            if not isinstance(value, str):
                raise ValueError
            result = value
    except (TypeError, ValueError):
        raise ConfigError(
            f"{owner}: setting '{key}' must be {_article(kind)} {kind}, got {value!r}"
        ) from None
    if param.choices is not None and result not in param.choices:
        allowed = ", ".join(repr(c) for c in param.choices)
        raise ConfigError(f"{owner}: setting '{key}' must be one of {allowed}, got {result!r}")
    if kind in ("int", "float") and not _within(param, result):
        raise ConfigError(f"{owner}: setting '{key}' must be {bounds_text(param)}, got {result!r}")
    return result


def _within(param: Param, value: float) -> bool:
    return not ((param.min is not None and value < param.min)
                or (param.max is not None and value > param.max))


def bounds_text(param: Param) -> str:
    """``from 1 to 4,096``, ``>= 0``: a param's bounds as messages and ``ganzoo info`` show them."""
    if param.min is not None and param.max is not None:
        return f"from {_num(param.min)} to {_num(param.max)}"
    return f">= {_num(param.min)}" if param.min is not None else f"<= {_num(param.max)}"


def _num(x: float | None) -> str:
    """``10000000`` -> ``10,000,000``; ``1e-08`` stays as it is."""
    return f"{int(x):,}" if x is not None and float(x).is_integer() else f"{x:g}"


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def resolve(
    kind: str, name: str, params: Mapping[str, Param], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Defaults updated with ``overrides``; unknown keys raise with close matches.

    ``kind`` and ``name`` say whose settings these are (``"model"``, ``"dcgan"``) for messages.
    """
    owner = f"{kind} '{name}'"
    values = {k: p.default for k, p in params.items()}
    for key, raw in overrides.items():
        if key not in params:
            raise UnknownName("setting", key, params, hint=f"ganzoo info {name}", where=owner)
        values[key] = coerce(owner, key, params[key], raw)
    for key, value in values.items():  # null stands for "derived" only where the default is
        if value is None and params[key].default is not None:
            kind = params[key].type
            raise ConfigError(f"{owner}: setting '{key}' must be {_article(kind)} {kind}, got None "
                              f"(the default is {params[key].default!r})")
    return values

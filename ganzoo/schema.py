"""Type checks of the JSON files ganzoo reads back: a weights folder's ``config.json`` and a
checkpoint's ``state.json``.

Both are hand-editable and travel between machines (the Hub, a copied run folder), so a wrong
type must fail on reading, as one line naming the file and the field, not as a traceback where
the value is first used (``value_range: ["a", "b"]`` in the sampler, a negative ``position`` as
empty batches in the training loop). Hyperparameters are checked against their
:class:`~ganzoo.specs.Param` elsewhere (:func:`ganzoo.config.resolve`); here is everything else.
Fields a check does not name are left alone, so newer files stay readable. No torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

#: A check returns None when the value is fine, else what it should have been.
Check = Callable[[Any], "str | None"]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def kind(t: type | tuple[type, ...], what: str) -> Check:
    return lambda v: None if isinstance(v, t) else what


def count(lo: int = 0) -> Check:
    return lambda v: None if _is_int(v) and v >= lo else f"an integer >= {lo}"


def finite(lo: float | None = None) -> Check:
    def check(v: Any) -> str | None:
        ok = _is_number(v) and math.isfinite(v) and (lo is None or v >= lo)
        return None if ok else ("a finite number" + (f" >= {lo:g}" if lo is not None else ""))
    return check


def list_of(item: Check, what: str, length: int | None = None) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, list) or (length is not None and len(v) != length):
            return what
        return what if any(item(x) is not None for x in v) else None
    return check


def optional(check: Check) -> Check:
    return lambda v: None if v is None else check(v)


def _value_range(v: Any) -> str | None:
    what = "two finite numbers [low, high] with low < high"
    if not isinstance(v, list) or len(v) != 2 or not all(_is_number(x) and math.isfinite(x) for x in v):
        return what
    return None if v[0] < v[1] else what


def _scalars(v: Any) -> str | None:
    what = "an object of numbers"
    if not isinstance(v, dict):
        return what
    ok = all(x is None or isinstance(x, (int, float, str, bool)) for x in v.values())
    return None if ok else what


def _files(v: Any) -> str | None:
    what = "an object mapping network names to file names"
    ok = isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items())
    return None if ok else what


OBJECT = kind(dict, "an object")
TEXT = kind(str, "a string")

#: config.json: top-level fields, then the sections' own (``None`` = the field may be null).
CONFIG: dict[str, Check] = {
    "format_version": count(1), "ganzoo_version": TEXT, "model": TEXT, "task": TEXT,
    "hparams": OBJECT, "dataset": optional(OBJECT), "loss": optional(OBJECT),
    "train": optional(OBJECT), "metrics": optional(_scalars), "evaluation": optional(OBJECT),
    "pictures": optional(list_of(TEXT, "a list of file names")), "versions": optional(OBJECT),
    "files": optional(_files), "converted_from": optional(OBJECT),
}
CONFIG_SECTIONS: dict[str, dict[str, Check]] = {
    "dataset": {
        "name": TEXT, "modality": TEXT, "normalization": TEXT, "source": TEXT,
        "shape": list_of(count(1), "a list of positive integers"),
        "value_range": _value_range,
        "class_names": optional(list_of(TEXT, "a list of strings")),
        "num_train": count(0), "num_test": count(0), "options": optional(OBJECT),
        "root": optional(TEXT),
    },
    "loss": {"name": TEXT, "params": OBJECT},
    "evaluation": {"metrics": _scalars, "n": count(0), "seed": count(0)},
}

#: A checkpoint's state.json (format 2; format 1 had the same fields).
STATE: dict[str, Check] = {
    "step": count(0), "epoch": count(0), "position": count(0), "train_size": count(0),
    "batch_size": count(1), "world_size": count(1),
    "timing": list_of(finite(0), "two finite numbers >= 0 [images, seconds]", length=2),
    "networks": list_of(TEXT, "a list of network names"),
    "history": kind((list, dict), "a list of log records"),
    "stepper": kind((dict, list), "the step's saved state"),
    "rng": OBJECT, "options": OBJECT,
}
STATE_REQUIRED = ("step", "epoch", "position", "train_size", "batch_size", "networks", "stepper", "rng")


def problem(data: Mapping[str, Any], checks: Mapping[str, Check], required: tuple[str, ...] = (),
            where: str = "") -> str | None:
    """The first field of ``data`` that is missing or of the wrong type, as ``'field' must be
    X, got Y``; None when every named field fits."""
    for key in required:
        if key not in data:
            return f"'{where}{key}' is missing"
    for key, check in checks.items():
        if key in data:
            want = check(data[key])
            if want is not None:
                return f"'{where}{key}' must be {want}, got {_show(data[key])}"
    return None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def config_problem(data: Mapping[str, Any]) -> str | None:
    """What is wrong with a weights folder's parsed ``config.json``, or None."""
    found = problem(data, CONFIG, ("model",))
    if found is not None:
        return found
    for section, checks in CONFIG_SECTIONS.items():
        if isinstance(data.get(section), dict):
            found = problem(data[section], checks, where=f"{section}.")
            if found is not None:
                return found
    return None


def state_problem(state: Mapping[str, Any]) -> str | None:
    """What is wrong with a checkpoint's parsed ``state.json``, or None."""
    return problem(state, STATE, STATE_REQUIRED)


def read_json_limited(path: Path, limit: int) -> Any:
    """``json.loads`` of a file no larger than ``limit`` bytes.

    Raises ``ValueError`` for a larger file (before reading it) and for nesting too deep for
    the parser (``RecursionError`` in CPython), so callers catch one family of errors.
    """
    import json

    size = path.stat().st_size
    if size > limit:
        raise ValueError(f"{size:,} bytes, more than the {limit:,} a ganzoo JSON file may have")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None

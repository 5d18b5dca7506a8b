"""Runs from a TOML file: ``ganzoo train --config run.toml``, and the ``run.toml`` of every run.

The file's keys are the option table's (:func:`ganzoo.options.table`, the task plugins'
options included; ``max_steps`` or ``max-steps``), plus ``model``, ``dataset``, ``nproc`` and a
``[set]`` table of ``--set`` keys (``nz = 8``; ``[set.loss]`` or ``"loss.n_critic" = 3`` for a
prefixed key). Flags on the command line override the file. Every run folder holds its own
fully resolved options as ``run.toml`` (every option the run used, the recipe's included, and
the settings its recorded command names), so ``ganzoo train --config RUN/run.toml --out NEW``
reproduces it. Nothing here imports torch.

The standard library reads TOML (``tomllib``) but cannot write it. What ``run.toml`` holds is
only strings, numbers, booleans and flat lists of them in two tables, so :func:`dumps` writes
them itself (about 30 lines, checked against ``tomllib`` by the tests) instead of adding a
dependency for it.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import options as _options
from . import registry
from .errors import ConfigError, UnknownName

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as the tomli package (a dependency there only)
    import tomli as tomllib

if TYPE_CHECKING:
    from .options import ResolvedOptions

RUN_TOML = "run.toml"
#: Keys besides the option table's: the positional arguments and the launcher's ``--nproc``.
TOP = ("model", "dataset", "nproc")
SET = "set"
#: A run file is a page of options (a run.toml is about 1 KB): a larger file, or a longer line, is
#: refused before it is parsed. The line limit bounds a dotted key's depth (``a.a.a...``), which
#: tomllib parses in time quadratic in it (a 1 MiB key line took minutes).
MAX_BYTES = 64 << 10
MAX_LINE = 1024
_PREFIXES = ("model", "data", "loss")


@dataclass
class FileConfig:
    """What a ``--config`` file asks for: arguments, typed options and ``--set`` values."""

    path: Path
    model: str | None = None
    dataset: str | None = None
    nproc: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def read(path: str | Path) -> FileConfig:
    """Parse and check ``path``: unknown keys (with the close match), wrong types and values are
    one-line :class:`~ganzoo.errors.ConfigError`\\ s naming the file."""
    path = Path(path).expanduser()
    data = _load(path)
    table = _options.table("train")
    out = FileConfig(path=path)
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        if key == SET:
            out.settings = _settings(path, value)
        elif key in ("model", "dataset"):
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{path}: {key} must be a name (a string), got {_shown(value)}")
            setattr(out, key, value)
        elif key == "nproc":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{path}: nproc must be an integer >= 1, got {_shown(value)}")
            out.nproc = value
        elif key in table:
            if isinstance(value, dict):  # [epochs] or epochs.x = 1
                raise ConfigError(f"{path}: {key} is a table; an option takes one value ({key} = ...)")
            try:
                out.options[key] = _options.coerce(table[key], value, table[key].default)
            except ConfigError as exc:  # the message quotes the value: keep it one readable line
                text = str(exc)
                raise ConfigError(f"{path}: {text if len(text) <= 300 else text[:297] + '...'}") from None
        else:
            raise UnknownName("key", raw_key, [*TOP, *table, SET], hint="ganzoo train --help",
                              where=str(path))
    return out


def _load(path: Path) -> dict[str, Any]:
    try:
        if not path.is_file():
            raise ConfigError(f"--config {path}: {'is a folder' if path.is_dir() else 'no such file'} "
                              f"(name a TOML file such as RUN_DIR/{RUN_TOML})")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot read it ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"--config {path}: larger than {MAX_BYTES >> 10} KiB; a run file is a page "
                          f"of options (see docs/training.md)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--config {path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE:
            raise ConfigError(f"--config {path}: line {number} is {len(line):,} characters long, over "
                              f"{MAX_LINE:,}; a run file holds one short KEY = VALUE per line")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--config {path}: not valid TOML ({' '.join(str(exc).split())})") from None
    except RecursionError:  # the parser recurses once per nested array or inline table
        raise ConfigError(f"--config {path}: its arrays or tables nest too deeply to read; a run file "
                          f"is flat (see docs/training.md)") from None


def _settings(path: Path, value: Any, prefix: str = "") -> dict[str, Any]:
    """``[set]`` as ``--set`` keys; ``[set.loss]`` (or a dotted key) gives ``loss.``-prefixed ones."""
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {SET} must be a table ([{SET}] with KEY = VALUE lines), got "
                          f"{_shown(value)}")
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and not prefix and key in _PREFIXES:
            out.update(_settings(path, item, f"{key}."))
        elif isinstance(item, (str, int, float)) and not (isinstance(item, float) and not math.isfinite(item)):
            out[name] = item
        else:
            raise ConfigError(f"{path}: [{SET}] {name} must be a string, a finite number or true/false, "
                              f"got {_shown(item)}")
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def merge_settings(file: Mapping[str, Any], cli: Mapping[str, Any], model: str | None,
                   dataset: str | None, loss: str | None) -> dict[str, Any]:
    """The file's ``[set]`` with the command line's ``--set`` on top: a CLI key replaces the
    file's key for the same setting (``nz`` replaces ``model.nz``)."""
    owner = _owners(model, dataset, loss)
    cli_targets = {owner(k) for k in cli}
    kept = {k: v for k, v in file.items() if owner(k) not in cli_targets}
    return {**kept, **cli}


def _owners(model: str | None, dataset: str | None, loss: str | None) -> Any:
    """key -> (owner, setting) as :func:`ganzoo.options.split_settings` routes it; unknown keys
    map to ("", key) (resolve reports them)."""
    cat = registry.catalog()
    spec = cat.specs["model"].get(model or "")
    data = cat.specs["dataset"].get(dataset or (spec.default_dataset if spec else ""))
    loss_spec = cat.specs["loss"].get(loss or (spec.default_loss if spec else ""))

    def owner(key: str) -> tuple[str, str]:
        prefix, dot, rest = key.partition(".")
        if dot and prefix in _PREFIXES:
            return prefix, rest
        for prefix, params in (("model", spec.params if spec else {}), ("data", data.params if data else {}),
                               ("loss", loss_spec.params if loss_spec else {})):
            if key in params:
                return prefix, key
        return "", key

    return owner


# --------------------------------------------------------------------------------------------
# Writing: a run's resolved options as run.toml


def run_config(opts: ResolvedOptions, nproc: int = 1) -> dict[str, Any]:
    """The run's fully resolved options as the file's keys (``out`` and unset values left out)."""
    out: dict[str, Any] = {"model": opts.model_spec.name, "dataset": opts.dataset}
    if nproc > 1:
        out["nproc"] = nproc
    for name in _options.table("train"):
        value = opts.values.get(name)
        if name == "out" or value is None:
            continue
        out[name] = list(value) if isinstance(value, tuple) else str(value) if isinstance(value, Path) else value
    out[SET] = typed_settings(opts)
    return out


def typed_settings(opts: ResolvedOptions) -> dict[str, Any]:
    """The recorded command's ``--set`` values (the user's and the recipe's), as typed values."""
    typed = {"model": opts.model_settings, "data": opts.data_settings, "loss": opts.loss_settings}
    owner = _owners(opts.model_spec.name, opts.dataset, opts.loss_spec.name)
    out: dict[str, Any] = {}
    for key, value in opts.settings_for_command().items():
        prefix, name = owner(key)
        out[key] = typed.get(prefix, {}).get(name, value)
    return out


def dumps(data: Mapping[str, Any], header: str = "") -> str:
    """TOML for top-level scalars and lists plus one level of tables (``[set]``)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    for key, value in data.items():
        if key not in tables:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, table in tables.items():
        lines += ["", f"[{_key(key)}]"] + [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
    return key if bare else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML wants DEL escaped and no surrogates
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise ConfigError(f"{text!r} cannot be written to {RUN_TOML} (it is not valid Unicode)")
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"{value!r} cannot be written to {RUN_TOML}")
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return _string(str(value))


def write(opts: ResolvedOptions, out: Path, nproc: int = 1) -> Path:
    """Write ``out/run.toml`` (atomically) for this run."""
    from . import __version__
    from .io import atomic_open

    header = (f"The fully resolved options of this run (ganzoo {__version__}): every option it used,\n"
              f"the model's recipe included. Reproduce it with\n"
              f"  ganzoo train --config THIS_FILE --out NEW_DIR\n"
              f"(flags on the command line override these values; see docs/training.md).")
    target = out / RUN_TOML
    with atomic_open(target, "w", encoding="utf-8") as fh:
        fh.write(dumps(run_config(opts, nproc), header))
    return target

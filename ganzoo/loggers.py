"""Experiment loggers: plugins that receive a run's metrics and pictures (``--logger NAME``).

``metrics.jsonl`` is always written by the trainer itself (resume and the model card read it);
a logger is an extra sink registered through the ``register_loggers`` hook
(:class:`~ganzoo.specs.LoggerSpec`), such as the built-in TensorBoard and CSV loggers. They run
on rank 0 only and are best effort: a logger that raises is one ``warning:`` line and is
dropped for the rest of the run, never a lost run.

Nothing here imports torch: :func:`check_names` validates ``--logger`` before anything loads.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import registry
from .errors import ConfigError, UnknownName

if TYPE_CHECKING:
    from .options import ResolvedOptions
    from .specs import LoggerSpec

log = logging.getLogger(__name__)

#: ``--logger none``: no logger besides metrics.jsonl (a resumed run drops the saved ones).
NONE = "none"


@dataclass(frozen=True)
class LogRun:
    """What a logger knows about its run when it is built (rank 0, the run folder exists)."""

    #: The run folder; a logger writes inside it (``tensorboard --logdir runs/`` sees every run).
    out: Path
    #: The run's options and settings as flat scalars (``model``, ``lr``, ``set.nz``, ...).
    hparams: dict[str, bool | int | float | str] = field(default_factory=dict)
    #: A resumed run: the step of the checkpoint it continues from (records after it that an
    #: earlier process logged are stale); ``None`` for a fresh run.
    resumed_from: int | None = None


class Logger:
    """Base class of a logger; every method does nothing by default.

    The trainer calls, in order: :meth:`log` for each new ``metrics.jsonl`` record,
    :meth:`image` for each picture the task draws (per epoch, and the final figures),
    :meth:`finish` once training ended, and :meth:`close` always (also after an error).
    """

    def __init__(self, run: LogRun) -> None:
        self.run = run

    def log(self, record: dict[str, Any], history: list[dict[str, Any]]) -> None:
        """A new record (``"kind": "log"`` or ``"epoch"``); ``history`` is every record so far,
        as ``metrics.jsonl`` holds them (a resumed run's include the earlier process's)."""

    def image(self, tag: str, image: Any, step: int) -> None:
        """A picture the task drew (a ``PIL.Image.Image``), shown as ``tag``: each epoch's
        (in memory, never a file) and the final figures (read back from the run folder)."""

    def finish(self, metrics: dict[str, Any], step: int) -> None:
        """Training ended at ``step`` with these final metrics (``config.json``'s)."""

    def close(self) -> None:
        """Release files; called once, whatever happened."""


def check_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """``--logger`` values: registered names whose packages are installed (one-line errors).

    ``none`` alone means no logger. Runs as the option's ``check``, before anything heavy loads.
    """
    if NONE in names:
        if len(names) > 1:
            raise ConfigError(f"--logger {NONE} turns every logger off; it cannot be combined with "
                              f"--logger {' --logger '.join(n for n in names if n != NONE)}")
        return ()
    for name in names:
        spec = _spec(name)
        absent = missing(spec)
        if absent:
            how = spec.install or f"pip install {' '.join(absent)}"
            raise ConfigError(f"--logger {name} needs the Python package {', '.join(absent)}, which is "
                              f"not installed ({how}; or drop --logger {name})")
    return names


def missing(spec: LoggerSpec) -> list[str]:
    """The modules ``spec`` requires that cannot be imported here (found without importing them)."""
    return [m for m in spec.requires if not _importable(m)]


def _spec(name: str) -> LoggerSpec:
    table = registry.catalog().specs["logger"]
    if name not in table:
        raise UnknownName("logger", name, [*table, NONE], hint="ganzoo list --kind logger")
    return table[name]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken parent package, or sys.modules[module] = None
        return False


def hparams(opts: ResolvedOptions) -> dict[str, bool | int | float | str]:
    """The run's options and settings as flat scalars (what TensorBoard's HParams tab shows)."""
    out: dict[str, bool | int | float | str] = {"model": opts.model_spec.name, "dataset": opts.dataset}
    for name, value in opts.record().items():
        if value is not None:
            out[name] = value if isinstance(value, (bool, int, float, str)) else _text(value)
    for key, value in opts.settings_for_command().items():
        out[f"set.{key}"] = value if isinstance(value, (bool, int, float, str)) else _text(value)
    return out


def _text(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


class Loggers:
    """The loggers of one run, called best effort: the first failure of each is one warning
    line, and that logger is dropped; the run and the other loggers go on."""

    def __init__(self, names: Iterable[str], run: LogRun) -> None:
        self.active: list[tuple[str, Logger]] = []
        for name in names:
            try:
                self.active.append((name, _spec(name).load_builder()(run)))
            except Exception as exc:  # noqa: BLE001 - plugin code may fail in any way
                _warn(name, "start", exc)

    def __bool__(self) -> bool:
        return bool(self.active)

    def log(self, record: dict[str, Any], history: list[dict[str, Any]]) -> None:
        self._each("log", record, history)

    def image(self, tag: str, image: Any, step: int) -> None:
        self._each("image", tag, image, step)

    def finish(self, metrics: dict[str, Any], step: int) -> None:
        self._each("finish", metrics, step)

    def close(self) -> None:
        for name, logger in self.active:
            try:
                logger.close()
            except Exception as exc:  # noqa: BLE001
                _warn(name, "close", exc)
        self.active = []

    def _each(self, method: str, *args: Any) -> None:
        for entry in list(self.active):
            name, logger = entry
            try:
                getattr(logger, method)(*args)
            except Exception as exc:  # noqa: BLE001 - plugin code may fail in any way
                _warn(name, method, exc)
                self.active.remove(entry)
                try:
                    logger.close()
                except Exception:  # noqa: BLE001 - already reported once
                    pass


def load_names(names: Iterable[str]) -> None:
    """Import each logger's module now (rank 0, before the run folder is made), so a plugin
    that cannot even import stops the run in one line instead of after training started."""
    for name in names:
        _spec(name).load_builder()


def _warn(name: str, what: str, exc: BaseException) -> None:
    lines = str(exc).strip().splitlines()
    reason = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    log.warning("logger '%s' failed (%s: %s); it is off for the rest of this run, training goes on",
                name, what, reason, exc_info=log.isEnabledFor(logging.DEBUG))

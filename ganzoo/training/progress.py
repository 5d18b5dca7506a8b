"""What the user sees while training: a live bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """Log lines always; a rich bar (epoch, step, ETA, latest metrics) only on a TTY.

    CI logs and redirected files get one line per logging interval and nothing else, so they
    stay readable and grep-able.
    """

    def __init__(self, total_steps: int, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.total = total_steps
        self.live = self.stream.isatty() if enabled is None else enabled
        self._bar: Any = None
        self._task: Any = None
        self._start = time.perf_counter()
        #: (time, step) of the first step seen and the latest step: the plain lines' ETA.
        self._first: tuple[float, int] | None = None
        self._step = 0

    def __enter__(self) -> Progress:
        if self.live:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn(),
                            TextColumn("{task.fields[metrics]}"),
                            console=Console(file=self.stream), transient=False)
            self._bar.__enter__()
            self._task = self._bar.add_task("epoch 1", total=self.total, metrics="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def advance(self, step: int, epoch: int, epochs: int) -> None:
        if self._first is None:
            self._first = (time.perf_counter(), step)
        self._step = step
        if self._bar is not None:
            self._bar.update(self._task, completed=step, description=f"epoch {epoch}/{epochs}")

    def log(self, line: str, metrics: str = "") -> None:
        if self._bar is not None:
            self._bar.console.print(line, highlight=False, markup=False)
            if metrics:
                self._bar.update(self._task, metrics=metrics)
        else:
            eta = self.eta()
            self.stream.write(line + (f"  ETA {eta}" if eta else "") + "\n")
            self.stream.flush()

    def eta(self) -> str:
        """Time left at the pace since the first step ("" before there is a pace, and at the end)."""
        if self._first is None or self._step >= self.total:
            return ""
        t0, s0 = self._first
        done = self._step - s0
        if done < 1:
            return ""
        return _duration((time.perf_counter() - t0) / done * (self.total - self._step))


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"

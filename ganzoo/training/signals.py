"""Clean interruption: Ctrl-C or SIGTERM finishes the step, checkpoints, and says how to resume.

The first SIGINT/SIGTERM only raises a flag the loop checks between steps, so a checkpoint is
never taken from half-updated networks. A second signal exits at once with ``os._exit``: every
file ganzoo writes is atomic, so at worst the newest checkpoint is the one before.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

from ..errors import GanzooError

_NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Interrupted(GanzooError):
    """Training stopped on a signal after writing a checkpoint; exit code 128 + signal number."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + int(signum)  # 130 for SIGINT, 143 for SIGTERM


class StopRequest:
    """The flag the loop polls; ``signum`` is the first signal received, or None."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def name(self) -> str:
        return _NAMES.get(self.signum, str(self.signum)) if self.signum is not None else ""

    def _handle(self, signum: int, frame: object) -> None:
        if self.signum is not None:  # the second one: leave now, writes are atomic
            os.write(2, b"\nganzoo: second interrupt, exiting now (the last checkpoint is intact)\n")
            os._exit(128 + signum)
        self.signum = signum
        with contextlib.suppress(Exception):
            sys.stderr.write(f"\nganzoo: {_NAMES.get(signum, signum)} received: finishing this "
                             "step and writing a checkpoint (press Ctrl-C again to quit at once)\n")
            sys.stderr.flush()


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Install the SIGINT/SIGTERM handlers for the block (main thread only), then restore them."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {s: signal.getsignal(s) for s in _NAMES}
    for s in _NAMES:
        signal.signal(s, request._handle)
    try:
        yield request
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)

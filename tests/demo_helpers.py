"""Starting ``ganzoo demo`` (or a Space's ``app.py``) for real and talking to it."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

URL = re.compile(r"(http://127\.0\.0\.1:\d+/?)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A server process, its URL and everything it printed so far."""

    def __init__(self, proc: subprocess.Popen, url: str, lines: list[str]):
        self.proc, self.url, self.lines = proc, url, lines

    def stop(self, sig: int | None = None, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig) if sig is not None else self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    @property
    def output(self) -> str:
        return "".join(self.lines)


def start(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
          timeout: float = 120, url_needle: str = "") -> Served:
    """Start ``command`` and wait until it prints a 127.0.0.1 URL (``url_needle`` in the line)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, cwd=cwd)
    lines: list[str] = []
    seen: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            seen.put(line)
        seen.put("")

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = seen.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line == "":  # its output ended: it exited, or is about to
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise AssertionError(f"{command} exited with {proc.returncode} before serving:\n{''.join(lines)}")
        match = URL.search(line)
        if match and url_needle in line:
            return Served(proc, match.group(1).rstrip("/") + "/", lines)
    proc.kill()
    raise AssertionError(f"{command} printed no URL within {timeout} s:\n{''.join(lines)}")


def ganzoo_demo(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Served:
    return start([sys.executable, "-m", "ganzoo", "demo", *args], env=env, cwd=cwd, url_needle="ganzoo demo:")


def pixels(path: str | Path) -> np.ndarray:
    """An image file decoded to an RGB uint8 array (a broken file raises here)."""
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def assert_not_blank(array: np.ndarray) -> None:
    """Real content: many grey levels and a spread, not a flat or two-colour picture."""
    assert array.size and array.std() > 20, array.std()
    assert len(np.unique(array)) > 16, len(np.unique(array))

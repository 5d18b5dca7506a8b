"""A Hub that accepts connections and never answers costs seconds, not forever.

The server is a real socket on 127.0.0.1 that accepts every connection and never writes a byte
(what a hung proxy or a black-holed Hub looks like). The real CLI runs in a subprocess with small
timeouts from the environment; before the fix ``ganzoo sample`` and ``ganzoo push`` hung on it
for good (huggingface_hub sends its API calls with no timeout).
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.weights import save_folder

SMALL = {"channels": 1, "image_size": 16, "nz": 8, "ngf": 4, "ndf": 4}
#: A bound well below "forever" and well above the CLI's start-up on a busy 2-core machine.
LIMIT_S = 90


class SilentServer:
    """Accepts connections on 127.0.0.1 and never replies; counts what it accepted."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.accepted.append(conn)  # held open, never answered

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent():
    with SilentServer() as server:
        yield server


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    return save_folder(ganzoo.create_model("dcgan", **SMALL), tmp_path / "w",
                       {"model": "dcgan", "dataset": {"name": "digits"}})


def _env(server: SilentServer, tmp_path: Path, **waits: str) -> dict[str, str]:
    return {"HF_ENDPOINT": server.endpoint, "HF_HUB_DISABLE_XET": "1", "HF_TOKEN": "hf_some_token",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HOME": str(tmp_path / "hf"), **waits}


def _gave_up(run_cli, args: list[str], env: dict[str, str], seconds: str, knob: str, server) -> float:
    start = time.monotonic()
    res = run_cli(*args, env=env, timeout=LIMIT_S)  # raises TimeoutExpired if it hangs
    took = time.monotonic() - start
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("ganzoo: error: ") and "Traceback" not in res.stderr
    assert f"Hub did not answer within {seconds} s at {server.endpoint}" in lines[0], lines[0]
    assert knob in lines[0]
    assert server.accepted, "the command never reached the server"
    return took


COMMANDS = {"sample": ["sample", "alice/x"], "push": ["push", "{w}", "alice/x"]}


@pytest.mark.parametrize("verb", list(COMMANDS))
def test_each_request_is_bounded(run_cli, silent, weights, tmp_path, verb):
    args = [a.format(w=weights) for a in COMMANDS[verb]]
    env = _env(silent, tmp_path, HF_HUB_ETAG_TIMEOUT="2", HF_HUB_DOWNLOAD_TIMEOUT="2")
    _gave_up(run_cli, args, env, "2", "HF_HUB_DOWNLOAD_TIMEOUT", silent)


@pytest.mark.parametrize("verb", list(COMMANDS))
def test_the_total_deadline_cuts_long_waits(run_cli, silent, weights, tmp_path, verb):
    """Per-request waits of 120 s, but GANZOO_HUB_TIMEOUT=3 ends the whole operation."""
    args = [a.format(w=weights) for a in COMMANDS[verb]]
    env = _env(silent, tmp_path, HF_HUB_ETAG_TIMEOUT="120", HF_HUB_DOWNLOAD_TIMEOUT="120",
               GANZOO_HUB_TIMEOUT="3")
    took = _gave_up(run_cli, args, env, "3", "GANZOO_HUB_TIMEOUT", silent)
    assert took < 60  # far below one 120 s request wait


def test_a_bad_total_timeout_is_one_line(run_cli, tmp_path, silent):
    res = run_cli("sample", "alice/x", env=_env(silent, tmp_path, GANZOO_HUB_TIMEOUT="soon"),
                  timeout=LIMIT_S)
    assert res.returncode == 2
    assert res.stderr.strip() == ("ganzoo: error: GANZOO_HUB_TIMEOUT='soon' is not a number of seconds "
                                  "> 0 (the most one download or push may take; unset it for no "
                                  "overall limit)")

"""A Hub that dies mid-push or mid-download is one line saying what happened, exit 2.

The real CLI pushes to and pulls from the real local Hub of tests/hub_server.py, told to drop
the connection on one kind of request: closed without an answer ("Server disconnected without
sending a response", httpx's ``RemoteProtocolError``: a traceback before the fix) or reset
("Connection reset by peer", which read "Hub unreachable" although the Hub had answered).
The message says whether the commit was sent (a push is one commit: before it, nothing was
published), the folder is untouched, and the advice (push again, try again) works.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.weights import save_folder

from hub_server import HubServer

TOKEN = "hf_alice_secret_token"
SMALL = {"channels": 1, "image_size": 16, "nz": 8, "ngf": 4, "ndf": 4}
COMMIT = ("POST", r"/api/models/alice/x/commit/")
LFS_PUT = ("PUT", r"^/_lfs/")


@pytest.fixture
def hub(tmp_path: Path):
    with HubServer(tmp_path / "hub-storage", {TOKEN: "alice"}) as server:
        yield server


@pytest.fixture
def env(hub: HubServer, tmp_path: Path) -> dict[str, str]:
    return {"HF_ENDPOINT": hub.endpoint, "HF_HUB_DISABLE_XET": "1", "HF_TOKEN": TOKEN,
            "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HOME": str(tmp_path / "hf")}


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    return save_folder(ganzoo.create_model("dcgan", **SMALL), tmp_path / "w",
                       {"model": "dcgan", "dataset": {"name": "digits"}})


def _tree(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _one_line(res, *needles: str) -> str:
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), res.stderr
    assert "Traceback" not in res.stderr and TOKEN not in res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _commits(hub: HubServer) -> int:
    repo = hub.state.repos.get("alice/x")
    return 0 if repo is None else len(repo.commits) - 1  # less the repo's empty first commit


def _push_dies(run_cli, hub, env, weights, where: tuple[str, str], how: str) -> str:
    before = _tree(weights)
    hub.state.die_on, hub.state.die_how = [where], how
    res = run_cli("push", str(weights), "alice/x", env=env)
    assert any(m == where[0] for m, _ in hub.state.requests)  # it did get that far
    assert _commits(hub) == 0 and _tree(weights) == before
    line = _one_line(res, "alice/x: the connection to the Hub at", hub.endpoint, "broke")
    hub.state.die_on = []  # the Hub is back: the advice works
    again = run_cli("push", str(weights), "alice/x", env=env)
    assert again.returncode == 0, again.stderr
    assert _commits(hub) == 1
    return line


DISCONNECTED, RESET = "Server disconnected without sending a response", "Connection reset by peer"


@pytest.mark.parametrize("how,reasons", [("close", [DISCONNECTED]),
                                         ("reset", [RESET, DISCONNECTED])])  # rarely, a reset reads as EOF
def test_dies_on_the_commit(run_cli, hub, env, weights, how, reasons):
    line = _push_dies(run_cli, hub, env, weights, COMMIT, how)
    assert "after the commit was sent" in line and any(r in line for r in reasons)
    assert "may or may not have landed" in line and f"check {hub.endpoint}/alice/x and push again" in line


@pytest.mark.slow  # huggingface_hub retries an upload 5 times, 23 s of backoff
def test_dies_on_every_file_upload(run_cli, hub, env, weights):
    line = _push_dies(run_cli, hub, env, weights, LFS_PUT, "reset")
    assert "broke during the push (" in line and (RESET in line or DISCONNECTED in line)
    assert "nothing was published (the commit was never sent): push again" in line
    assert "Retrying" not in line


def test_dies_mid_download(run_cli, hub, env, weights, tmp_path):
    assert run_cli("push", str(weights), "alice/x", env=env).returncode == 0
    hub.state.die_on, hub.state.die_how = [("GET", r"/resolve/[0-9a-f]+/model\.safetensors$")], "reset"
    res = run_cli("sample", "alice/x", "--n", "4", "--out", "g.png", env=env)
    _one_line(res, "alice/x: the connection to the Hub at", "broke while trying to download it", "try again")
    assert not (tmp_path / "g.png").exists()
    hub.state.die_on = []
    res = run_cli("sample", "alice/x", "--n", "4", "--out", "g.png", env=env)
    assert res.returncode == 0, res.stderr

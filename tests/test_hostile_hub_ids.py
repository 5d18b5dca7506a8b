"""Repo ids the Hub rejects are one line, exit 2, before any request.

Each id goes through the real CLI (``push``, ``sample``, ``eval``, the ``hf-hub:`` prefix) and
``ganzoo.load`` in a fresh process, against the real local Hub of tests/hub_server.py, which
records every request: before the fix, huggingface_hub's ``HFValidationError`` was a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.weights import save_folder

from hub_server import HubServer, one_line

TOKEN = "hf_alice_secret_token"
SMALL = {"channels": 1, "image_size": 16, "nz": 8, "ngf": 4, "ndf": 4}
#: Ids huggingface_hub's validator (and the Hub) refuse: '..', '--', a leading '-', > 96 characters.
BAD_IDS = ["alice/..", "alice/x--y", "alice/-x", "alice/" + "a" * 97]


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


@pytest.mark.parametrize("repo_id", BAD_IDS, ids=["dotdot", "double-dash", "leading-dash", "97-chars"])
def test_push_and_sample_refuse_the_id_before_any_request(run_cli, hub, env, weights, repo_id):
    line = one_line(run_cli("push", str(weights), repo_id, env=env), f"'{repo_id}' is not a valid Hub repo id",
                     "no '--' or '..'", "at most 96 characters")
    assert "HFValidationError" not in line
    one_line(run_cli("sample", repo_id, env=env), repo_id, "nor a valid Hub repo id")
    assert hub.state.requests == [] and not hub.state.repos


def test_prefix_eval_revision_and_python_load(run_cli, hub, env, weights, tmp_path):
    one_line(run_cli("sample", "hf-hub:alice/x--y", env=env), "'alice/x--y' is not a valid Hub repo id")
    one_line(run_cli("eval", "alice/-x@main", env=env), "alice/-x@main", "nor a valid Hub repo id")
    one_line(run_cli("push", str(weights), "alice/x.git", env=env), "'alice/x.git' is not a valid Hub repo id")
    code = ("import ganzoo\ntry:\n    ganzoo.load('alice/..')\nexcept ganzoo.GanzooError as e:\n"
            "    print(type(e).__name__, e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, **env}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("WeightsError alice/..: no such weights folder, nor a valid Hub repo id")
    assert hub.state.requests == []


def test_a_valid_id_still_goes_to_the_hub(run_cli, hub, env, weights):
    """The check is not stricter than the Hub: 96 characters and dots/underscores are fine."""
    repo_id = "alice/" + "a_b.c-" * 15 + "abcdef"
    assert len(repo_id.split("/")[1]) == 96
    res = run_cli("push", str(weights), repo_id, env=env)
    assert res.returncode == 0, res.stderr
    assert repo_id in hub.state.repos

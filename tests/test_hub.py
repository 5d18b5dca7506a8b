"""Push and load over real HTTP: the real huggingface_hub client against tests/hub_server.py.

The client runs in fresh subprocesses because huggingface_hub reads HF_ENDPOINT and
HF_HUB_DISABLE_XET when it is imported.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import ganzoo
from ganzoo.weights import save_folder

from hub_server import HubServer

TOKEN, BOB = "hf_alice_secret_token", "hf_bob_secret_token"
SMALL = {"channels": 1, "image_size": 16, "nz": 8, "ngf": 4, "ndf": 4}


@pytest.fixture
def hub(tmp_path: Path):
    with HubServer(tmp_path / "hub-storage", {TOKEN: "alice", BOB: "bob"}) as server:
        yield server


@pytest.fixture
def hub_env(hub: HubServer, tmp_path: Path) -> dict[str, str]:
    return {"HF_ENDPOINT": hub.endpoint, "HF_HUB_DISABLE_XET": "1", "HF_TOKEN": TOKEN,
            "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HOME": str(tmp_path / "hf-push")}


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    model = ganzoo.create_model("dcgan", **SMALL)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return save_folder(model, tmp_path / "run", {"model": "dcgan", "dataset": {"name": "digits"},
                                                 "train": {"command": "ganzoo train dcgan digits"}})


def _checksums(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **env}, timeout=300)


SAMPLE = ("import sys, ganzoo; from safetensors.torch import save_file; "
          "save_file({{'x': ganzoo.load({ref!r}).sample(8, seed=0)}}, sys.argv[0] if False else {out!r})")


def _sample_remote(ref: str, env: dict[str, str], tmp_path: Path, name: str) -> torch.Tensor:
    out = tmp_path / f"{name}.safetensors"
    proc = _python(SAMPLE.format(ref=ref, out=str(out)), env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    return load_file(out)["x"]


def _push_and_check(run_cli, folder: Path, repo: str, env: dict[str, str], hub: HubServer) -> None:
    res = run_cli("push", str(folder), repo, env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"{hub.endpoint}/{repo}"
    assert TOKEN not in res.stdout + res.stderr


def test_push_then_load_in_fresh_process_is_bit_identical(run_cli, hub, hub_env, run_dir, tmp_path):
    before = _checksums(run_dir)
    _push_and_check(run_cli, run_dir, "alice/dcgan-digits", hub_env, hub)
    assert _checksums(run_dir) == before
    paths = [p for _, p in hub.state.requests]
    assert "/api/repos/create" in paths and "/alice/dcgan-digits.git/info/lfs/objects/batch" in paths
    assert any(p.startswith("/_lfs/") for p in paths) and "/api/models/alice/dcgan-digits/commit/main" in paths
    repo = hub.state.repos["alice/dcgan-digits"]
    assert {"README.md", "config.json", "model.safetensors", "discriminator.safetensors"} <= set(
        repo.commits[repo.refs["main"]])

    fresh = {**hub_env, "HF_HOME": str(tmp_path / "hf-fresh")}
    remote = _sample_remote("alice/dcgan-digits", fresh, tmp_path, "remote")
    local = ganzoo.load(run_dir).sample(8, seed=0)
    assert torch.equal(remote, local)
    # hf-hub: prefix, and offline from the cache the first load filled
    offline = {**fresh, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    assert torch.equal(_sample_remote("hf-hub:alice/dcgan-digits", offline, tmp_path, "offline"), local)


@pytest.mark.slow
def test_trained_run_push_load_round_trip(run_cli, hub, hub_env, tmp_path):
    result = ganzoo.train("dcgan", "digits", max_steps=2, batch_size=8, out=tmp_path / "trained",
                          progress=False, device="cpu", settings={"nz": "8", "ngf": "4", "ndf": "4"})
    folder = Path(result.out)
    _push_and_check(run_cli, folder, "alice/trained", hub_env, hub)
    fresh = {**hub_env, "HF_HOME": str(tmp_path / "hf-fresh")}
    assert torch.equal(_sample_remote("alice/trained", fresh, tmp_path, "t"),
                       ganzoo.load(folder).sample(8, seed=0))


@pytest.mark.slow
def test_push_to_a_branch_and_load_at_revision(run_cli, hub, hub_env, run_dir, tmp_path):
    res = run_cli("push", str(run_dir), "alice/rev", "--revision", "dev", "--message", "first", env=hub_env)
    assert res.returncode == 0, res.stderr
    repo = hub.state.repos["alice/rev"]
    assert "model.safetensors" in repo.commits[repo.refs["dev"]]
    assert "model.safetensors" not in repo.commits[repo.refs["main"]]
    fresh = {**hub_env, "HF_HOME": str(tmp_path / "hf-fresh")}
    assert torch.equal(_sample_remote("alice/rev@dev", fresh, tmp_path, "dev"),
                       ganzoo.load(run_dir).sample(8, seed=0))
    res = run_cli("sample", "alice/rev@nope", env=fresh)
    assert res.returncode == 2 and "revision not found" in res.stderr


def _assert_one_line(res, *needles: str) -> None:
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("ganzoo: error: ") and res.stderr.count("\n") == 1, res.stderr
    for needle in needles:
        assert needle in res.stderr, res.stderr
    assert TOKEN not in res.stderr + res.stdout and "wrong-token" not in res.stderr + res.stdout


def test_wrong_token_is_401_and_leaves_folder_untouched(run_cli, hub, hub_env, run_dir):
    before = _checksums(run_dir)
    res = run_cli("push", str(run_dir), "alice/x", "--token", "hf_wrong-token", env=hub_env)
    _assert_one_line(res, "401", "HF_TOKEN", "hf auth login")
    res = run_cli("push", str(run_dir), "alice/x", env={**hub_env, "HF_TOKEN": "hf_wrong-token"})
    _assert_one_line(res, "401")
    assert _checksums(run_dir) == before
    assert "alice/x" not in hub.state.repos


@pytest.mark.slow
def test_no_rights_is_403(run_cli, hub, hub_env, run_dir):
    before = _checksums(run_dir)
    res = run_cli("push", str(run_dir), "bob/private-stuff", env=hub_env)
    _assert_one_line(res, "403", "bob/private-stuff")
    assert _checksums(run_dir) == before
    # bob's existing repo: creation is skipped (exists), the upload itself is refused
    res = run_cli("push", str(run_dir), "bob/mine", env={**hub_env, "HF_TOKEN": BOB})
    assert res.returncode == 0, res.stderr
    res = run_cli("push", str(run_dir), "bob/mine", env=hub_env)
    _assert_one_line(res, "403")


@pytest.mark.slow
def test_private_repo_needs_the_token(run_cli, hub, hub_env, run_dir, tmp_path):
    assert run_cli("push", str(run_dir), "alice/secret", "--private", env=hub_env).returncode == 0
    assert hub.state.repos["alice/secret"].private
    anonymous = {k: v for k, v in hub_env.items() if k != "HF_TOKEN"}
    anonymous["HF_HOME"] = str(tmp_path / "hf-anon")
    res = run_cli("sample", "alice/secret", "--out", "g.png", env=anonymous)
    _assert_one_line(res, "not found", "alice/secret")
    res = run_cli("sample", "alice/secret", "--out", "g.png", env=hub_env)
    assert res.returncode == 0, res.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_hub(run_cli, hub_env, run_dir, tmp_path):
    before = _checksums(run_dir)
    dead = {**hub_env, "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}"}
    res = run_cli("push", str(run_dir), "alice/x", env=dead)
    _assert_one_line(res, "Hub unreachable at http://127.0.0.1:")
    assert _checksums(run_dir) == before
    res = run_cli("sample", "alice/x", env=dead)
    _assert_one_line(res, "Hub unreachable at", "alice/x")


def test_missing_repo_and_not_a_ganzoo_repo(run_cli, hub, hub_env, tmp_path):
    res = run_cli("sample", "alice/does-not-exist", env=hub_env)
    _assert_one_line(res, "repository not found", "alice/does-not-exist")
    res = run_cli("push", str(tmp_path / "no-folder"), "alice/x", env=hub_env)
    _assert_one_line(res, "no-folder")


def test_offline_without_cache(run_cli, hub_env):
    res = run_cli("sample", "alice/never-downloaded", env={**hub_env, "HF_HUB_OFFLINE": "1"})
    _assert_one_line(res, "HF_HUB_OFFLINE", "alice/never-downloaded")

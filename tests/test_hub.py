"""Push and load over real HTTP: the real huggingface_hub client against tests/hub_server.py.

The client runs in fresh subprocesses because huggingface_hub reads HF_ENDPOINT and
HF_HUB_DISABLE_XET when it is imported.
"""

from __future__ import annotations

import hashlib
import os
import shutil
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
    _assert_one_line(res, "Hub unreachable at http://127.0.0.1:", "check the network or HF_ENDPOINT")
    assert "HF_HUB_OFFLINE" not in res.stderr  # offline mode only helps downloads
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


# --------------------------------------------------------------------------------------------
# What push sends from a run folder, and what load fetches from a repo

MODEL_FILES = {"config.json", "model.safetensors", "discriminator.safetensors", "README.md",
               "samples.png", "real_vs_fake.png", "losses.png"}


@pytest.fixture(scope="module")
def trained_once(tmp_path_factory) -> Path:
    """A real run folder: 2 epochs of 2 steps, so a GIF of both epochs, a checkpoint, metrics."""
    out = tmp_path_factory.mktemp("trained") / "run"
    ganzoo.train("dcgan", "digits", epochs=2, batch_size=512, out=out, progress=False, device="cpu",
                 settings={"nz": "8", "ngf": "4", "ndf": "4"})
    return out


@pytest.fixture
def trained(trained_once: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(trained_once, tmp_path / "run-copy", symlinks=True))


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _repo_files(hub: HubServer, repo_id: str, rev: str = "main") -> dict[str, bytes]:
    repo = hub.state.repos[repo_id]
    return {path: hub.state.blob(entry["sha256"]).read_bytes()
            for path, entry in repo.commits[repo.refs[rev]].items()}


def test_run_folder_pushes_only_the_model_with_a_card_naming_the_repo(run_cli, hub, hub_env, trained):
    assert {"progress.gif", "samples.png", "metrics.jsonl",
            "checkpoints/latest", "checkpoints/step-000004/tensors.safetensors"} <= set(_tree(trained))
    before = _tree(trained)
    _push_and_check(run_cli, trained, "alice/dcgan-run", hub_env, hub)
    assert _tree(trained) == before  # the local card still says USER/REPO
    files = _repo_files(hub, "alice/dcgan-run")
    assert set(files) == MODEL_FILES
    assert len(hub.state.repos["alice/dcgan-run"].commits) == 2  # the empty repo + one commit
    for name in MODEL_FILES - {"README.md"}:
        assert files[name] == (trained / name).read_bytes(), name
    card = files["README.md"].decode()
    assert 'ganzoo.load("alice/dcgan-run")' in card and "USER/REPO" not in card
    assert "![samples](samples.png)" in card and "library_name: ganzoo" in card
    assert 'ganzoo.load("USER/REPO")' in (trained / "README.md").read_text(encoding="utf-8")


def test_pushed_card_keeps_the_evaluation_as_model_index(run_cli, hub, hub_env, tmp_path):
    """The card push rebuilds (to name the repo) still carries the evaluation the Hub indexes."""
    import json

    from huggingface_hub import ModelCard

    folder = shutil.copytree(Path(__file__).resolve().parent.parent / "weights" / "classifier.digits",
                             tmp_path / "classifier.digits")
    _push_and_check(run_cli, folder, "alice/classifier", hub_env, hub)
    data = ModelCard(_repo_files(hub, "alice/classifier")["README.md"].decode()).data
    measured = json.loads((folder / "config.json").read_text())["evaluation"]["metrics"]
    assert data.library_name == "ganzoo" and data.pipeline_tag == "image-classification"
    assert data.license == "apache-2.0" and data.model_name == "alice/classifier"
    assert {r.metric_type: r.metric_value for r in data.eval_results} == measured


def test_card_on_a_branch_names_the_revision(run_cli, hub, hub_env, run_dir):
    res = run_cli("push", str(run_dir), "alice/branchy@dev", env=hub_env)
    assert res.returncode == 0, res.stderr
    assert 'ganzoo.load("alice/branchy@dev")' in _repo_files(hub, "alice/branchy", "dev")["README.md"].decode()


def test_include_checkpoints_adds_the_latest_checkpoint_only(run_cli, hub, hub_env, trained):
    res = run_cli("push", str(trained), "alice/resumable", "--include-checkpoints", env=hub_env)
    assert res.returncode == 0, res.stderr
    files = _repo_files(hub, "alice/resumable")
    step = "checkpoints/step-000004"
    assert set(files) == MODEL_FILES | {"checkpoints/latest", f"{step}/state.json", f"{step}/tensors.safetensors"}
    assert files["checkpoints/latest"] == b"step-000004\n"
    for name in (f"{step}/state.json", f"{step}/tensors.safetensors"):
        assert files[name] == (trained / name).read_bytes()

    # what the Hub holds resumes: the latest checkpoint is found and reads back whole
    from ganzoo.training import checkpoint

    pulled = trained.parent / "pulled"
    for name, data in files.items():
        (pulled / name).parent.mkdir(parents=True, exist_ok=True)
        (pulled / name).write_bytes(data)
    assert checkpoint.latest(pulled).name == "step-000004"
    state, tensors = checkpoint.load(checkpoint.latest(pulled))
    assert state["step"] == 4 and tensors


def test_include_checkpoints_without_a_checkpoint(run_cli, hub, hub_env, run_dir):
    res = run_cli("push", str(run_dir), "alice/x", "--include-checkpoints", env=hub_env)
    _assert_one_line(res, "--include-checkpoints", "no checkpoint", str(run_dir))
    assert hub.state.requests == []


def test_links_are_refused_before_anything_is_sent(run_cli, hub, hub_env, trained, tmp_path):
    secret = tmp_path / "token"
    secret.write_text("hf_the_users_real_token")
    (trained / "README.md").unlink()
    (trained / "README.md").symlink_to(secret)
    before = _tree(trained)
    res = run_cli("push", str(trained), "alice/leak", env=hub_env)
    _assert_one_line(res, f"{trained / 'README.md'}: is a symbolic link", str(secret))
    assert "hf_the_users_real_token" not in res.stdout + res.stderr
    assert hub.state.requests == [] and not hub.state.repos  # refused before any request
    assert _tree(trained) == before

    # a linked checkpoints/ folder leads outside the run folder
    (trained / "README.md").unlink()
    outside = tmp_path / "elsewhere"
    shutil.move(trained / "checkpoints", outside)
    (trained / "checkpoints").symlink_to(outside)
    res = run_cli("push", str(trained), "alice/leak", env=hub_env)
    assert res.returncode == 0, res.stderr  # without the flag checkpoints/ is not read
    res = run_cli("push", str(trained), "alice/leak", "--include-checkpoints", env=hub_env)
    _assert_one_line(res, "resolves outside", "checkpoints/step-000004")
    assert not any(p.startswith("checkpoints/") for p in _repo_files(hub, "alice/leak"))


def test_push_files_lists_the_model_only(trained):
    from ganzoo.api import push_files

    config = ganzoo.load(trained).zoo_config
    assert set(push_files(trained, config)) == MODEL_FILES
    assert set(push_files(trained, config, include_checkpoints=True)) - MODEL_FILES == {
        "checkpoints/latest", "checkpoints/step-000004/state.json", "checkpoints/step-000004/tensors.safetensors"}


STRAY = """
from huggingface_hub import CommitOperationAdd, HfApi
HfApi().create_commit("alice/stray", [CommitOperationAdd("old.safetensors", b"x" * 64),
                                      CommitOperationAdd("nested/model.safetensors", b"y" * 64),
                                      CommitOperationAdd("progress.gif", b"GIF89a")],
                      commit_message="stray files")
"""


def test_load_fetches_only_the_files_config_names(run_cli, hub, hub_env, run_dir, tmp_path):
    _push_and_check(run_cli, run_dir, "alice/stray", hub_env, hub)
    proc = _python(STRAY, hub_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert {"old.safetensors", "nested/model.safetensors"} <= set(_repo_files(hub, "alice/stray"))

    fresh = {**hub_env, "HF_HOME": str(tmp_path / "hf-fresh")}
    local = ganzoo.load(run_dir).sample(8, seed=0)
    assert torch.equal(_sample_remote("alice/stray", fresh, tmp_path, "stray"), local)
    snapshots = list((tmp_path / "hf-fresh" / "hub" / "models--alice--stray" / "snapshots").iterdir())
    assert len(snapshots) == 1
    got = {p.relative_to(snapshots[0]).as_posix() for p in snapshots[0].rglob("*") if not p.is_dir()}
    assert got == {"config.json", "model.safetensors", "discriminator.safetensors"}
    offline = {**fresh, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    assert torch.equal(_sample_remote("alice/stray", offline, tmp_path, "stray-offline"), local)


def test_push_without_any_token(run_cli, hub, hub_env, run_dir, tmp_path):
    anonymous = {k: v for k, v in hub_env.items() if k != "HF_TOKEN"}
    anonymous["HF_HOME"] = str(tmp_path / "hf-nobody")
    res = run_cli("push", str(run_dir), "alice/x", env={**anonymous, "HF_TOKEN": ""})
    _assert_one_line(res, "alice/x: no Hub token: run `hf auth login` or set HF_TOKEN")
    # The endpoint's port may itself contain "401": look for an HTTP status, not the digits.
    assert "401" not in res.stderr.replace(hub_env["HF_ENDPOINT"], "<hub>")
    assert hub.state.requests == []  # nothing was sent

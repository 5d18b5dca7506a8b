"""The Hugging Face cache is never written by ganzoo, a corrupt cached file heals, and a local
folder that shadows a pretrained name or a Hub repo says so.

Everything runs through the real CLI against the real local Hub of tests/hub_server.py, with
the real HF cache layout (snapshot links into content-addressed blobs). Before the fixes:
``eval HUB_ID --write`` replaced the snapshot's links with its own files; a truncated cached
``model.safetensors`` failed forever with "re-download it" and was never fetched again; and
``./alice/x`` or ``./dcgan.digits`` silently won over the Hub repo (once used from the Hub) or
the pretrained model.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.weights import save_folder

from hub_server import HubServer, one_line

TOKEN = "hf_alice_secret_token"
SMALL = {"channels": 1, "nz": 8, "ngf": 4, "ndf": 4}
CLASSIFIER = Path(__file__).resolve().parent.parent / "weights" / "classifier.digits"


@pytest.fixture
def hub(tmp_path: Path):
    with HubServer(tmp_path / "hub-storage", {TOKEN: "alice"}) as server:
        yield server


@pytest.fixture
def env(hub: HubServer, tmp_path: Path) -> dict[str, str]:
    return {"HF_ENDPOINT": hub.endpoint, "HF_HUB_DISABLE_XET": "1", "HF_TOKEN": TOKEN,
            "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HOME": str(tmp_path / "hf")}


def _dcgan(folder: Path, size: int) -> Path:
    torch.manual_seed(size)
    return save_folder(ganzoo.create_model("dcgan", image_size=size, **SMALL), folder,
                       {"model": "dcgan", "dataset": {"name": "digits"}})


def _snapshot(tmp_path: Path, repo: str) -> Path:
    snapshots = list((tmp_path / "hf" / "hub" / f"models--{repo.replace('/', '--')}" / "snapshots").iterdir())
    assert len(snapshots) == 1
    return snapshots[0]


# --------------------------------------------------------------------------------------------
# eval --write never writes into the cache


def _cache_state(snapshot: Path) -> dict[str, tuple[bool, str]]:
    return {p.name: (p.is_symlink(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in sorted(snapshot.iterdir())}


def test_eval_write_refuses_a_hub_download(run_cli, hub, env, tmp_path):
    """Refused before the evaluation runs; the snapshot keeps its links and bytes."""
    assert run_cli("push", str(CLASSIFIER), "alice/c", env=env).returncode == 0
    res = run_cli("eval", "alice/c", "--write", env=env)
    snapshot = _snapshot(tmp_path, "alice/c")
    one_line(res, "eval --write: alice/c is a download in the Hugging Face cache", str(snapshot),
              "never writes into", "`hf download alice/c --local-dir c`", "`ganzoo eval c --write`")
    assert res.stdout == ""  # nothing was evaluated
    before = _cache_state(snapshot)
    assert set(before) == {"config.json", "model.safetensors"} and all(link for link, _ in before.values())
    assert (snapshot / "config.json").read_bytes() == (CLASSIFIER / "config.json").read_bytes()

    # the snapshot folder named as a path, and a revision, are refused the same way
    one_line(run_cli("eval", str(snapshot), "--write", env=env), f"{snapshot} is in the Hugging Face cache")
    one_line(run_cli("eval", "alice/c@main", "--write", env=env), "`hf download alice/c --revision main")
    assert _cache_state(snapshot) == before


# --------------------------------------------------------------------------------------------
# a corrupt cached blob is fetched again once


def _pushed_and_cached(run_cli, env, tmp_path) -> tuple[Path, bytes, bytes]:
    """alice/x pushed and sampled once (the cache is filled): its blob, its bytes, the grid PNG."""
    assert run_cli("push", str(_dcgan(tmp_path / "w", 16)), "alice/x", env=env).returncode == 0
    res = run_cli("sample", "alice/x", "--n", "4", "--seed", "0", "--out", "first.png", env=env)
    assert res.returncode == 0, res.stderr
    blob = (_snapshot(tmp_path, "alice/x") / "model.safetensors").resolve()
    return blob, blob.read_bytes(), (tmp_path / "first.png").read_bytes()


def test_truncated_cached_weights_are_fetched_again(run_cli, hub, env, tmp_path):
    blob, good, grid = _pushed_and_cached(run_cli, env, tmp_path)
    blob.write_bytes(good[: len(good) // 2])  # a download cut short, a disk error

    # offline there is nothing to fetch: one line that says why and how
    offline = {**env, "HF_HUB_OFFLINE": "1"}
    one_line(run_cli("sample", "alice/x", "--n", "4", "--out", "off.png", env=offline),
              "alice/x: the cached model.safetensors is corrupt", "unset HF_HUB_OFFLINE to download it again")

    fetched = len([r for r in hub.state.requests if r[1].endswith("/model.safetensors") and r[0] == "GET"])
    res = run_cli("sample", "alice/x", "--n", "4", "--seed", "0", "--out", "again.png", env=env)
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == ("warning: alice/x: the cached model.safetensors was corrupt (its bytes do "
                                  "not match its hash); downloading it again")
    assert blob.read_bytes() == good
    assert (tmp_path / "again.png").read_bytes() == grid
    assert len([r for r in hub.state.requests if r[1].endswith("/model.safetensors") and r[0] == "GET"]) == fetched + 1

    # healed: the next load neither warns nor downloads
    res = run_cli("sample", "alice/x", "--n", "4", "--out", "third.png", env=offline)
    assert res.returncode == 0 and res.stderr == "", res.stderr


def test_a_hub_that_serves_bad_bytes_fails_after_one_refetch(run_cli, hub, env, tmp_path):
    blob, good, _ = _pushed_and_cached(run_cli, env, tmp_path)
    blob.write_bytes(b"\0" * len(good))
    repo = hub.state.repos["alice/x"]
    served = hub.state.blob(repo.commits[repo.refs["main"]]["model.safetensors"]["sha256"])
    served.write_bytes(b"\1" * len(good))  # same size, wrong bytes: only the hash can tell
    res = run_cli("sample", "alice/x", "--n", "4", "--out", "g.png", env=env)
    assert res.returncode == 2
    warning, error = res.stderr.strip().splitlines()
    assert warning.startswith("warning: alice/x: the cached model.safetensors was corrupt")
    assert error == (f"ganzoo: error: alice/x: model.safetensors is corrupt even as downloaded again from "
                     f"{hub.endpoint} (its bytes do not match the hash the Hub gives for it); try again later, "
                     "or tell the repo's owner")
    assert not (tmp_path / "g.png").exists()


# --------------------------------------------------------------------------------------------
# a local folder that shadows a name says so


def _grid_width(path: Path) -> int:
    with Image.open(path) as img:
        return img.size[0]


# 4 images in a 2x2 grid with 2 px padding: 16 px images -> 38 px wide, 32 px images -> 70
LOCAL_W, OTHER_W = 2 * 16 + 3 * 2, 2 * 32 + 3 * 2


@pytest.mark.slow  # six CLI runs
def test_a_folder_named_like_a_repo_shadows_it_and_says_so(run_cli, hub, env, tmp_path):
    assert run_cli("push", str(_dcgan(tmp_path / "hub-copy", 32)), "alice/x", env=env).returncode == 0
    _dcgan(tmp_path / "alice" / "x", 16)  # a folder of the repo's name in the working directory
    res = run_cli("sample", "hf-hub:alice/x", "--n", "4", "--out", "hub.png", env=env)  # forces the Hub
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert _grid_width(tmp_path / "hub.png") == OTHER_W
    sent = len(hub.state.requests)

    res = run_cli("sample", "alice/x", "--n", "4", "--out", "local.png", env=env)
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == ("warning: using the local folder ./alice/x, not the Hub repo alice/x it shadows "
                                  "(pass hf-hub:alice/x for the repo, or ./alice/x to load the folder without "
                                  "this warning)")
    assert _grid_width(tmp_path / "local.png") == LOCAL_W
    res = run_cli("sample", "./alice/x", "--n", "4", "--out", "local2.png", env=env)
    assert res.returncode == 0 and res.stderr == "", res.stderr

    # a run folder whose name was never loaded from the Hub (runs/x) is used quietly; --debug says so
    _dcgan(tmp_path / "runs" / "x", 16)
    res = run_cli("sample", "runs/x", "--n", "4", "--out", "run.png", env=env)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    res = run_cli("--debug", "sample", "runs/x", "--n", "4", "--out", "run.png", env=env)
    assert "using the local folder ./runs/x, not the Hub repo runs/x" in res.stderr
    assert len(hub.state.requests) == sent  # the local folders cost no request


def test_a_folder_named_like_a_pretrained_model_says_so(run_cli, tmp_path):
    shutil.copytree(_dcgan(tmp_path / "made", 16), tmp_path / "dcgan.digits")
    res = run_cli("sample", "dcgan.digits", "--n", "4", "--out", "local.png")
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == ("warning: using the local folder ./dcgan.digits, not the pretrained model "
                                  "'dcgan.digits' it shadows (pass ./dcgan.digits to load the folder without this "
                                  "warning, or rename it)")
    assert _grid_width(tmp_path / "local.png") == LOCAL_W
    res = run_cli("sample", "dcgan.digits", "--n", "4", "--out", "pretrained.png", cwd=tmp_path / "made")
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert _grid_width(tmp_path / "made" / "pretrained.png") == OTHER_W  # the shipped 32 px model

"""``ganzoo push ... --space`` against the local test Hub, and the Space it makes, run for real.

The Space's files are downloaded from the test Hub like the Hub's Space runner does, its
``app.py`` is started with ``python app.py`` (it loads the model from the Hub with
``ganzoo.load``), and ``gradio_client`` gets images from it: the same grid the local demo draws.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import yaml

import ganzoo
from ganzoo.sample import preview

from demo_helpers import free_port, pixels, start
from hub_server import HubServer, one_line

TOKEN = "hf_alice_space_token"
REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "weights" / "dcgan.digits"


@pytest.fixture
def hub(tmp_path: Path):
    with HubServer(tmp_path / "hub-storage", {TOKEN: "alice"}) as server:
        yield server


@pytest.fixture
def hub_env(hub: HubServer, tmp_path: Path) -> dict[str, str]:
    return {"HF_ENDPOINT": hub.endpoint, "HF_HUB_DISABLE_XET": "1", "HF_TOKEN": TOKEN,
            "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HOME": str(tmp_path / "hf-push")}


def _files(hub: HubServer, key: str) -> dict[str, bytes]:
    repo = hub.state.repos[key]
    return {path: hub.state.blob(entry["sha256"]).read_bytes()
            for path, entry in repo.commits[repo.refs["main"]].items()}


def _front_matter(readme: bytes) -> dict:
    text = readme.decode()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_push_space_creates_a_gradio_space_beside_the_model(run_cli, hub, hub_env):
    res = run_cli("push", str(WEIGHTS), "alice/digits", "--space", env=hub_env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [f"{hub.endpoint}/alice/digits", f"{hub.endpoint}/spaces/alice/digits-demo"]
    assert TOKEN not in res.stdout + res.stderr
    space = hub.state.repos["spaces/alice/digits-demo"]
    assert space.sdk == "gradio"
    files = _files(hub, "spaces/alice/digits-demo")
    assert set(files) == {"app.py", "requirements.txt", "README.md"}
    meta = _front_matter(files["README.md"])
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py"
    assert meta["models"] == ["alice/digits"]
    assert str(meta["sdk_version"]).count(".") == 2
    assert 'ganzoo.demo.build("alice/digits")' in files["app.py"].decode()
    compile(files["app.py"], "app.py", "exec")
    assert files["requirements.txt"].decode().startswith("ganzoo[demo]")
    # The model's card links its Space.
    card = _files(hub, "alice/digits")["README.md"].decode()
    assert f"[alice/digits-demo]({hub.endpoint}/spaces/alice/digits-demo)" in card


def test_without_space_no_space_is_made(run_cli, hub, hub_env):
    assert run_cli("push", str(WEIGHTS), "alice/plain", env=hub_env).returncode == 0
    assert list(hub.state.repos) == ["alice/plain"]
    assert "-demo" not in _files(hub, "alice/plain")["README.md"].decode()


def test_a_space_that_fails_says_the_model_is_pushed(run_cli, hub, hub_env):
    hub.state.die_on.append(("POST", r"^/api/spaces/"))
    res = run_cli("push", str(WEIGHTS), "alice/half", "--space", env={**hub_env, "GANZOO_HUB_TIMEOUT": "20"})
    line = one_line(res, "alice/half", "the model is pushed", "alice/half-demo", "--space")
    assert TOKEN not in line
    assert "alice/half" in hub.state.repos  # the model went up; only the Space is missing


def test_a_space_for_a_branch_is_refused_before_anything_is_sent(run_cli, hub, hub_env):
    one_line(run_cli("push", str(WEIGHTS), "alice/x@dev", "--space", env=hub_env), "--space serves the main branch")
    one_line(run_cli("push", str(WEIGHTS), "alice/x", "--revision", "dev", "--space", env=hub_env), "'dev'")
    assert hub.state.repos == {}


def test_the_space_of_a_private_model_is_private(run_cli, hub, hub_env):
    # Private from an earlier push: this one does not say --private, the Space follows the repo.
    assert run_cli("push", str(WEIGHTS), "alice/secret", "--private", env=hub_env).returncode == 0
    assert run_cli("push", str(WEIGHTS), "alice/secret", "--space", env=hub_env).returncode == 0
    assert hub.state.repos["spaces/alice/secret-demo"].private
    assert "HF_TOKEN" in _files(hub, "spaces/alice/secret-demo")["README.md"].decode()
    assert run_cli("push", str(WEIGHTS), "alice/open", "--space", env=hub_env).returncode == 0
    assert not hub.state.repos["spaces/alice/open-demo"].private


def test_a_long_description_is_cut_to_what_the_hub_takes(tmp_path):
    from ganzoo.space import files

    config = {"model": "dcgan", "dataset": {"name": "a-dataset-with-a-very-long-name-indeed-and-more"}}
    meta = _front_matter(files("alice/x", config)["README.md"])
    assert len(meta["short_description"]) <= 60
    assert meta["short_description"].startswith("dcgan trained on a-dataset")


def test_a_space_name_too_long_is_refused_before_anything_is_sent(run_cli, hub, hub_env):
    name = "alice/" + "m" * 94  # a valid model repo id; with "-demo" it is not
    one_line(run_cli("push", str(WEIGHTS), name, "--space", env=hub_env), "-demo", "shorten")
    assert hub.state.repos == {}


@pytest.mark.slow
def test_the_space_runs_and_serves_the_model_from_the_hub(run_cli, hub, hub_env, tmp_path):
    pytest.importorskip("gradio", reason="the demo extra is not installed")
    from gradio_client import Client

    assert run_cli("push", str(WEIGHTS), "alice/digits", "--space", env=hub_env).returncode == 0
    # Fetched the way the Space runner does, into a folder of its own, with an empty HF cache.
    fetch = subprocess.run(
        [sys.executable, "-c", "from huggingface_hub import snapshot_download as s; "
                               "print(s('alice/digits-demo', repo_type='space', local_dir='space'))"],
        capture_output=True, text=True, cwd=tmp_path, env={**__import__("os").environ, **hub_env}, timeout=120)
    assert fetch.returncode == 0, fetch.stderr
    folder = tmp_path / "space"
    env = {**hub_env, "HF_HOME": str(tmp_path / "hf-space"), "GRADIO_SERVER_PORT": str(free_port())}
    server = start([sys.executable, "app.py"], env=env, cwd=folder, url_needle="Running on")
    try:
        client = Client(server.url, verbose=False)
        page = pixels(client.predict(9, 11, 0.0, api_name="/generate"))
        with urllib.request.urlopen(f"{server.url}config", timeout=30) as answer:
            shown = answer.read().decode()
    finally:
        server.stop()
    # The model card, fetched from the Hub with the model, is on the page with its picture inlined.
    assert "## Use it" in shown and 'ganzoo.load(\\"alice/digits\\")' in shown
    assert "data:image/png;base64," in shown
    expected = np.asarray(preview(ganzoo.sample("dcgan.digits", 9, seed=11).images).convert("RGB"))
    assert np.array_equal(page, expected)
    # It loaded the weights from the test Hub, not from this checkout.
    assert any(p.name == "model.safetensors" for p in (tmp_path / "hf-space").rglob("*"))

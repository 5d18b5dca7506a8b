"""A new kind of model with no core edit: the test-only ``reconstruction`` task plugin.

``tests/plugins/ganzoo_recon`` is a task plugin the project does not ship (a denoising
autoencoder with its own step, loss, option, metric, target and picture). It is installed the
way a user installs one, as a distribution with an entry point on the path, and then trains,
evaluates, saves, loads, predicts and resumes through the real CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from plugin_helpers import make_dist

PLUGINS = Path(__file__).resolve().parent / "plugins"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = make_dist(tmp_path_factory.mktemp("site"), "ganzoo-recon", "0.2.0",
                     {"recon": "ganzoo_recon"}, {})
    return f"{site}{os.pathsep}{PLUGINS}"


@pytest.fixture
def cli(run_cli, site):
    def run(*args: str):
        return run_cli(*args, env={"PYTHONPATH": site})

    return run


def test_the_task_is_listed_and_described(cli):
    listed = json.loads(cli("list", "--kind", "task", "--json").stdout)["items"]
    rows = {r["name"]: r for r in listed}
    assert {"adversarial", "classification", "regression", "reconstruction"} <= set(rows)
    assert rows["reconstruction"]["distribution"] == "ganzoo-recon"
    info = cli("info", "reconstruction")
    assert info.returncode == 0, info.stderr
    assert "models:          autoencoder" in info.stdout
    assert "losses:          recon-l2" in info.stdout
    assert "--noise" in info.stdout and "target recon_mse: <= 0.5" in info.stdout
    helptext = cli("train", "--help").stdout
    assert "--noise FLOAT" in helptext and "[reconstruction models]" in helptext


def test_its_option_is_refused_for_other_kinds_and_checked_for_its_own(cli, tmp_path):
    other = cli("train", "classifier", "digits", "--noise", "0.1", "--out", str(tmp_path / "a"))
    assert other.returncode == 2
    assert other.stderr.strip() == ("ganzoo: error: --noise applies to reconstruction models; 'classifier' "
                                    "is a classification model (drop --noise)")
    bad = cli("train", "autoencoder", "--noise", "-1", "--out", str(tmp_path / "b"))
    assert bad.returncode == 2 and "--noise must be >= 0, got -1.0 (try 0.1)" in bad.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.slow
def test_train_eval_save_load_predict_and_resume_with_no_core_edit(cli, site, tmp_path):
    straight = tmp_path / "straight"
    res = cli("train", "autoencoder", "--max-steps", "60", "--out", str(straight))
    assert res.returncode == 0, res.stderr
    assert "test_recon_mse" in res.stdout
    config = json.loads((straight / "config.json").read_text())
    assert config["task"] == "reconstruction" and config["train"]["noise"] == 0.1
    assert "--noise 0.1" in config["train"]["command"]
    assert (straight / "reconstructions.png").is_file()

    # Stopped at step 25 (mid-epoch) and resumed to 60: the same weights bit for bit.
    run = tmp_path / "run"
    assert cli("train", "autoencoder", "--max-steps", "25", "--out", str(run)).returncode == 0
    resumed = cli("train", "--resume", str(run), "--max-steps", "60")
    assert resumed.returncode == 0, resumed.stderr
    a, b = load_file(str(straight / "model.safetensors")), load_file(str(run / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

    # ganzoo eval scores it with the task's metric and target, and --write records it.
    ev = cli("eval", str(straight), "--write")
    assert ev.returncode == 0, ev.stderr
    assert "recon_mse" in ev.stdout and "target recon_mse <= 0.5" in ev.stdout and ": pass" in ev.stdout
    assert json.loads((straight / "config.json").read_text())["evaluation"]["metrics"]["recon_mse"] < 0.5
    card = (straight / "README.md").read_text()
    assert "pipeline_tag: image-to-image" in card and "- autoencoder" in card

    # GAN-only options of other verbs are refused for it.
    wrong = cli("eval", str(straight), "--judge", "classifier.digits")
    assert wrong.returncode == 2 and "--judge applies to adversarial or conditional models" in wrong.stderr

    # predict goes through the task; sample says what to use instead.
    img = tmp_path / "x.png"
    Image.fromarray((np.random.default_rng(0).random((16, 16)) * 255).astype(np.uint8)).save(img)
    pred = cli("predict", str(straight), str(img), "--show", "2")
    assert pred.returncode == 0, pred.stderr
    assert pred.stdout.startswith(f"{img}\treconstruction error 0.")
    assert cli("sample", str(straight)).stderr.strip() == (
        "ganzoo: error: sample: reconstruction models do not sample; use `ganzoo predict`")

    # ganzoo.load rebuilds it from config.json in a fresh process.
    script = ("import ganzoo, torch\n"
              f"m = ganzoo.load({str(straight)!r})\n"
              "print(m.task, type(m).__name__, tuple(m(torch.zeros(2, 1, 16, 16)).shape))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": site}).stdout.split()
    assert out == ["reconstruction", "AutoEncoder", "(2,", "1,", "16,", "16)"]

    # ganzoo demo serves the task's own panel (the plugin's Task.demo), still with no core edit.
    pytest.importorskip("gradio", reason="the demo extra is not installed")
    from gradio_client import Client, handle_file

    from demo_helpers import free_port, ganzoo_demo, pixels

    server = ganzoo_demo(str(straight), "--port", str(free_port()), env={"PYTHONPATH": site})
    try:
        picture, error = Client(server.url, verbose=False).predict(handle_file(str(img)), api_name="/reconstruct")
    finally:
        server.stop()
    assert pixels(picture).shape[:2] == (16 * 4, 16 * 4)  # one 16x16 image, upscaled 4x
    expected = pred.stdout.split("reconstruction error ")[1].strip()
    assert f"{error:.2f}" == expected

    # Its Space would install the plugin's distribution beside ganzoo.
    script = ("import json, ganzoo.space\n"
              f"print(ganzoo.space.requirements(json.load(open({str(straight / 'config.json')!r}))))\n")
    reqs = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": site}).stdout
    assert "ganzoo[demo]>=" in reqs and "ganzoo-recon>=0.2.0" in reqs

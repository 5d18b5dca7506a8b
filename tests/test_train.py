"""The uniform trainer: a short real run for every registered model, determinism, bad settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image

import ganzoo
from ganzoo import registry
from ganzoo.errors import ConfigError, UnknownName

PICTURES = {
    "adversarial": ["samples.png", "progress.gif", "real_vs_fake.png", "losses.png"],
    "conditional": ["samples.png", "progress.gif", "real_vs_fake.png", "losses.png"],
    "classification": ["curves.png", "confusion_matrix.png"],
    "regression": ["forecast.png", "curves.png"],
}
LOSS_KEY = {"adversarial": "Loss_D", "conditional": "Loss_D", "classification": "train_loss",
            "regression": "train_loss"}


def _small_run_args(name: str) -> tuple[str, dict[str, str]]:
    """A registered dataset that fits the model's task, at a tiny shape."""
    spec = registry.get_model(name)
    if spec.task == "regression":
        return "sine", {}
    size = spec.params.get("image_size")
    settings = {} if size is None else {
        "image_size": "16" if size.choices is None or 16 in size.choices else str(min(size.choices))}
    if spec.task in ("adversarial", "conditional") and "channels" in spec.params:
        settings["channels"] = "1"
    return "digits", settings


def _records(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("name", ganzoo.list_models())
def test_short_run_of_every_model_leaves_a_complete_folder(name, tmp_path):
    spec = registry.get_model(name)
    dataset, settings = _small_run_args(name)
    out = tmp_path / "run"
    result = ganzoo.train(name, dataset, max_steps=3, batch_size=16, log_every=1, out=out,
                          settings=settings, progress=False)
    assert result.out == out
    expected = ["config.json", "model.safetensors", "metrics.jsonl", *PICTURES[spec.task]]
    if spec.task in ("adversarial", "conditional"):
        expected.append("discriminator.safetensors")
    for file in expected:
        assert (out / file).is_file(), file
    for file in expected:
        if file.endswith((".png", ".gif")):
            with Image.open(out / file) as im:
                im.verify()

    config = json.loads((out / "config.json").read_text())
    assert config["model"] == name
    assert config["train"]["steps_done"] == 3
    assert config["train"]["command"].startswith(f"ganzoo train {name} {dataset} ")
    assert config["loss"]["name"] == spec.default_loss
    assert config["dataset"]["name"] == dataset
    assert set(config["versions"]) == {"ganzoo", "torch", "python"}
    for key, value in settings.items():
        assert config["hparams"][key] == int(value)

    logs = [r for r in _records(out) if r["kind"] == "log"]
    assert [r["step"] for r in logs] == [1, 2, 3]
    losses = [r[LOSS_KEY[spec.task]] for r in logs]
    assert losses[0] != losses[-1], "the loss did not change over three optimizer steps"
    assert logs[0]["images_per_sec"] is None  # warm-up interval is not timed
    assert logs[-1]["images_per_sec"] > 0
    assert [r for r in _records(out) if r["kind"] == "epoch"][-1]["step"] == 3


@pytest.mark.slow
def test_same_seed_gives_bit_identical_weights(tmp_path):
    runs = []
    for i in range(2):
        out = tmp_path / f"run{i}"
        ganzoo.train("dcgan", "digits", max_steps=4, batch_size=16, seed=7, out=out, device="cpu",
                     settings={"image_size": "16", "ngf": "8", "ndf": "8"}, progress=False)
        runs.append(out)
    for file in ("model.safetensors", "discriminator.safetensors"):
        assert (runs[0] / file).read_bytes() == (runs[1] / file).read_bytes()
    other = tmp_path / "seed8"
    ganzoo.train("dcgan", "digits", max_steps=4, batch_size=16, seed=8, out=other, device="cpu",
                 settings={"image_size": "16", "ngf": "8", "ndf": "8"}, progress=False)
    assert (other / "model.safetensors").read_bytes() != (runs[0] / "model.safetensors").read_bytes()


@pytest.mark.slow
def test_cli_run_prints_the_seed_log_line_and_makes_a_new_run_folder(run_cli, tmp_path):
    args = ("train", "mlp-gan", "digits", "--max-steps", "2", "--batch-size", "16",
            "--log-every", "1", "--set", "image_size=16")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    # The seed's line, field for field; a non-final line may end with the ETA ganzoo adds.
    line = re.compile(r"^\[1/\d+\]\[\d+/\d+\] Loss_D: [\d.]+ Loss_G: [\d.]+ D\(x\): [\d.]+ "
                      r"D\(G\(z\)\): [\d.]+ / [\d.]+(  ETA \S+)?$", re.M)
    assert len(line.findall(first.stdout)) == 2, first.stdout
    second = run_cli(*args)
    assert second.returncode == 0, second.stderr
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2 and all(f.name.startswith("mlp-gan-digits-") for f in folders)
    assert all((f / "config.json").is_file() for f in folders)


BAD = [
    (["--epochs", "-1"], "--epochs must be >= 1"),
    (["--batch-size", "0"], "--batch-size must be >= 1"),
    (["--lr", "0"], "--lr must be > 0"),
    (["--betas", "0.5,1.5"], "--betas must both be in [0, 1)"),
    (["--betas", "0.5"], "--betas expects two numbers"),
    (["--max-steps", "0"], "--max-steps must be >= 1"),
    (["--device", "gpu"], "--device must be one of"),
    (["--set", "nzz=3"], "unknown setting 'nzz'"),
    (["--set", "model.gp_weight=3"], "unknown setting 'gp_weight' of model 'dcgan'"),
    (["--set", "nz=abc"], "setting 'nz' must be an int"),
    (["--loss", "cross-entropy"], "loss 'cross-entropy' trains classification models"),
    (["--loss", "bcee"], "unknown loss 'bcee'"),
]


@pytest.mark.parametrize("extra, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_settings_exit_2_with_one_line_and_write_nothing(run_cli, tmp_path, extra, message):
    result = run_cli("train", "dcgan", "digits", *extra)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()


def test_unknown_setting_suggests_close_names_from_model_data_and_loss(run_cli):
    result = run_cli("train", "dcgan", "digits", "--loss", "wgan-gp", "--set", "n_critc=2")
    assert result.returncode == 2
    assert "did you mean 'n_critic'" in result.stderr


@pytest.mark.slow
def test_setting_that_contradicts_the_data_is_refused(run_cli, tmp_path):
    result = run_cli("train", "classifier", "digits", "--set", "num_classes=5")
    assert result.returncode == 2
    assert "num_classes=5 conflicts with dataset 'digits'" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_existing_out_folder_is_never_overwritten(run_cli, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "config.json").write_text("{}")
    result = run_cli("train", "mlp-gan", "digits", "--out", str(out))
    assert result.returncode == 2
    assert "already exists and is not empty" in result.stderr
    assert (out / "config.json").read_text() == "{}"


def test_api_raises_the_same_errors(tmp_path):
    with pytest.raises(ConfigError, match="--batch-size must be >= 1"):
        ganzoo.train("mlp-gan", "digits", batch_size=0, out=tmp_path / "x")
    with pytest.raises(ConfigError, match="use --loss"):
        ganzoo.train("classifier", "digits", loss="hinge", out=tmp_path / "x")
    with pytest.raises(UnknownName, match="did you mean"):
        ganzoo.train("mlp-gan", "digits", settings={"latent_dm": 3}, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_ambiguous_keys_route_by_prefix():
    from ganzoo.options import resolve

    opts = resolve("classifier", "fake", {"data.num_classes": "4", "hidden": "32",
                                          "label_smoothing": "0.1"})
    assert opts.data_settings == {"num_classes": 4}
    assert opts.model_settings == {"hidden": 32}
    assert opts.loss_settings == {"label_smoothing": 0.1}
    assert "--set data.num_classes=4" in opts.command()


def test_new_run_dirs_never_collide(tmp_path):
    from ganzoo.training.rundir import new_run_dir

    a = new_run_dir("dcgan", "digits", None, tmp_path)
    b = new_run_dir("dcgan", "digits", None, tmp_path)
    assert a != b and a.is_dir() and b.is_dir()


def test_command_spells_out_what_the_recipe_filled_in():
    """A card's command must reproduce the run even after the model's recipe changes."""
    import shlex

    from ganzoo.config import parse_set
    from ganzoo.options import resolve

    opts = resolve("dcgan", "digits")
    argv = shlex.split(opts.command())
    sets = parse_set(argv[i + 1] for i, arg in enumerate(argv) if arg == "--set")
    assert sets["model.image_size"] == "32" and sets["model.channels"] == "1"
    assert sets["loss.real_label"] == "0.9"
    again = resolve("dcgan", "digits", sets)
    assert again.model_settings == opts.model_settings
    assert again.loss_settings == opts.loss_settings
    assert again.command() == opts.command()

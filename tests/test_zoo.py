"""The shipped zoo in weights/: schema, offline loading, CLI listing, docs/zoo.md, packaging."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ganzoo
from ganzoo import registry

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "weights"
EXPECTED = {"classifier.digits", "dcgan.digits", "lstm-regressor.sine", "mlp-gan.digits"}
FOLDERS = sorted(p for p in WEIGHTS.iterdir() if p.is_dir() and not p.name.startswith("."))
PICTURE = {"adversarial": "samples.png", "conditional": "samples.png",
           "classification": "confusion_matrix.png", "regression": "forecast.png"}
GANS = ("adversarial", "conditional")


def _config(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text(encoding="utf-8"))


def test_every_expected_model_is_shipped_and_registered() -> None:
    names = {p.name for p in FOLDERS}
    assert EXPECTED <= names
    assert set(ganzoo.list_pretrained()) == names
    for name in names:
        spec = registry.get("pretrained", name)
        assert Path(spec.path).resolve() == (WEIGHTS / name).resolve()


def test_zoo_stays_under_30_mb() -> None:
    total = sum(f.stat().st_size for f in WEIGHTS.rglob("*") if f.is_file())
    assert total < 30 * 1024 * 1024, f"weights/ holds {total / 1e6:.1f} MB"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_schema_of_config_and_card(folder: Path) -> None:
    from huggingface_hub import ModelCard

    config = _config(folder)
    model, task = config["model"], config["task"]
    spec = registry.get_model(model)
    assert spec.task == task
    assert folder.name == f"{model}.{config['dataset']['name']}"
    assert config["format_version"] == 1 and isinstance(config["hparams"], dict)
    # Only what sampling/predicting needs ships: never the discriminator.
    assert list(config["files"].values()) == ["model.safetensors"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["README.md", "config.json", "model.safetensors", PICTURE[task]])
    assert config["train"]["command"].startswith(f"ganzoo train {model} {config['dataset']['name']} ")
    ev = config["evaluation"]
    assert ev["model"] == model and ev["task"] == task and ev["dataset"] == config["dataset"]["name"]
    assert isinstance(ev["n"], int) and ev["n"] > 1 and isinstance(ev["seed"], int)
    assert {"ganzoo", "torch", "torchmetrics", "python"} <= set(ev["versions"])
    if task in GANS:
        assert "classifier.digits" in ev["feature_extractor"]
        assert ev["details"]["judge"] == "classifier.digits"
    if task == "adversarial":
        assert abs(sum(ev["details"]["class_shares"].values()) - 1) < 1e-2
    if task == "conditional":  # 100 images of each class, as the issue's targets are judged
        assert ev["n"] == 1000 and ev["details"]["per_class"] == 100
        assert set(ev["details"]["class_agreement"]) == {str(i) for i in range(10)}
    # The recorded verdicts are the targets applied to the recorded values.
    assert ev["targets"]
    for key, target in ev["targets"].items():
        op, threshold = target["target"].split()[:2]
        value = ev["metrics"][key]
        assert target["value"] == value
        assert target["pass"] == (value <= float(threshold) if op == "<=" else value >= float(threshold))

    card = ModelCard.load(folder / "README.md")
    assert card.data.library_name == "ganzoo"
    assert card.data.model_name == folder.name
    from_card = {r.metric_type: r.metric_value for r in card.data.eval_results}
    assert from_card == ev["metrics"]
    assert all(r.dataset_name == ev["dataset"] and r.dataset_split == "test" for r in card.data.eval_results)
    assert config["train"]["command"] in card.text
    assert f"N={ev['n']}, seed {ev['seed']}" in card.text
    assert f"ganzoo.load(\"{folder.name}\")" in card.text
    assert f"]({PICTURE[task]})" in card.text


#: Shipped models known to miss an issue-6 target with the current default recipe (see the report
#: in docs/zoo.md); strict, so the test fails as soon as a retrained model meets them.
KNOWN_MISSES: dict[str, str] = {}


@pytest.mark.parametrize("folder", [
    pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[f.name]))
    if f.name in KNOWN_MISSES else f for f in FOLDERS], ids=lambda p: p.name)
def test_shipped_models_meet_the_issue_targets(folder: Path) -> None:
    targets = _config(folder)["evaluation"]["targets"]
    missed = {k: t for k, t in targets.items() if not t["pass"]}
    assert not missed, missed


def test_each_folder_loads_offline_with_declared_shapes(tmp_path: Path) -> None:
    """A fresh process, no network allowed, cwd outside the repo: load and use every model."""
    script = r"""
import json, sys, torch, ganzoo
out = {}
for name in ganzoo.list_pretrained():
    m = ganzoo.load(name)
    if m.task in ("adversarial", "conditional"):
        x = m.sample(16, seed=0)
        out[name] = [list(x.shape), float(x.min()), float(x.max()), bool(torch.equal(x, m.sample(16, seed=0)))]
    elif m.task == "classification":
        idx, p = m.predict(torch.rand(4, m.config["channels"], m.config["image_size"], m.config["image_size"]))
        out[name] = [list(p.shape), float(p.sum(1).min()), float(p.sum(1).max()), True]
    else:
        f = m.forecast(torch.sin(torch.arange(40.0) / 5), steps=7)
        out[name] = [list(f.shape), float(f.min()), float(f.max()), bool(torch.isfinite(f).all())]
print(json.dumps(out))
"""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert set(got) == {p.name for p in FOLDERS}
    for folder in FOLDERS:
        config, (shape, lo, hi, ok) = _config(folder), got[folder.name]
        assert ok
        hp = config["hparams"]
        if config["task"] in GANS:
            assert shape == [16, hp["channels"], hp["image_size"], hp["image_size"]]
            assert 0.0 <= lo < hi <= 1.0
        elif config["task"] == "classification":
            assert shape == [4, hp["num_classes"]] and abs(lo - 1) < 1e-5 and abs(hi - 1) < 1e-5
        else:
            assert shape == [7]


def test_list_pretrained_and_info_show_the_tags(run_cli) -> None:
    listed = run_cli("list", "--pretrained")
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines()[1:]]
    assert sorted(names) == sorted(p.name for p in FOLDERS)
    info = run_cli("info", "dcgan")
    assert info.returncode == 0
    assert "pretrained:      dcgan.digits" in info.stdout
    detail = run_cli("info", "dcgan.digits")
    assert detail.returncode == 0
    metrics = _config(WEIGHTS / "dcgan.digits")["evaluation"]["metrics"]
    assert f"fid_ratio:       {metrics['fid_ratio']:.4g}" in detail.stdout


def test_sample_command_writes_a_grid_of_the_declared_size(run_cli, tmp_path: Path) -> None:
    from PIL import Image

    result = run_cli("sample", "dcgan.digits", "--n", "16", "--seed", "0", "--out", "g.png",
                     env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "g.png") as img:
        assert img.size == (4 * 32 + 5 * 2, 4 * 32 + 5 * 2)  # 4x4 grid, padding 2


def test_docs_zoo_is_up_to_date() -> None:
    from ganzoo.zoo_docs import render

    page = (REPO / "docs" / "zoo.md").read_text(encoding="utf-8")
    assert page == render(), "docs/zoo.md is stale: python -m ganzoo.zoo_docs > docs/zoo.md"
    for folder in FOLDERS:
        assert f"`{folder.name}`" in page
        assert f"../weights/{folder.name}/" in page


def test_zoo_docs_table_has_the_metrics_of_a_given_folder(tmp_path: Path) -> None:
    from ganzoo.zoo_docs import render

    copy = tmp_path / "weights" / "classifier.digits"
    shutil.copytree(WEIGHTS / "classifier.digits", copy)
    config = _config(copy)
    config["evaluation"]["metrics"]["test_accuracy"] = 0.5
    config["evaluation"]["targets"]["test_accuracy"]["pass"] = False
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    page = render([copy], docs=tmp_path / "docs")
    assert "test_accuracy 0.5000" in page and "FAIL" in page
    assert "](../weights/classifier.digits/confusion_matrix.png)" in page


@pytest.mark.slow
def test_wheel_carries_the_zoo_and_loads_it_without_the_checkout(tmp_path: Path) -> None:
    """Build a real wheel from a copy of the tree, install it to a target dir, load from there."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*")
    shutil.copytree(REPO / "ganzoo", src / "ganzoo", ignore=ignore)
    shutil.copytree(REPO / "plugins" / "ganzoo_plugins", src / "plugins" / "ganzoo_plugins",
                    symlinks=True, ignore=ignore)
    shutil.copytree(WEIGHTS, src / "weights", ignore=ignore)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist)], check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("ganzoo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in FOLDERS:
        for file in folder.iterdir():
            assert f"ganzoo_plugins/pretrained/weights/{folder.name}/{file.name}" in names

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    script = ("import ganzoo, ganzoo_plugins.pretrained as p; "
              "m = ganzoo.load('dcgan.digits'); x = m.sample(64); "
              "print(p.__file__); print(tuple(x.shape))")
    env = {**os.environ, "PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    where, shape = proc.stdout.strip().splitlines()[-2:]
    assert where.startswith(str(target))
    assert shape == "(64, 1, 32, 32)"

"""``ganzoo eval`` and ganzoo.evaluate: real models, real data, real subprocesses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.errors import ConfigError, WeightsError
from ganzoo.evaluate import Evaluation, evaluate, record
from ganzoo.weights import save_folder
from ganzoo_plugins.tasks.gan_eval import inception_weights

WEIGHTS = Path(__file__).resolve().parent.parent / "weights"
DIGITS = {"name": "digits", "shape": [1, 32, 32], "value_range": [-1.0, 1.0],
          "class_names": [str(i) for i in range(10)]}


def _untrained(tmp_path: Path, name: str, **hparams) -> Path:
    torch.manual_seed(0)
    model = ganzoo.create_model(name, **hparams)
    folder = tmp_path / name
    save_folder(model, folder, {"model": name, "dataset": dict(DIGITS)})
    return folder


def test_shipped_numbers_are_what_eval_measures_again() -> None:
    """Same seed, same N, same features: the shipped metrics are reproduced exactly."""
    for name in ("classifier.digits", "dcgan.digits"):
        config = json.loads((WEIGHTS / name / "config.json").read_text())
        ev = config["evaluation"]
        gan = {"n": ev["n"]} if ev["task"] == "adversarial" else {}
        again = evaluate(name, seed=ev["seed"], **gan)
        assert again.metrics == pytest.approx(ev["metrics"], rel=1e-5)
        assert again.feature_extractor == ev["feature_extractor"]


def test_untrained_gan_is_far_above_the_real_floor(tmp_path: Path) -> None:
    folder = _untrained(tmp_path, "dcgan", channels=1, image_size=32, ngf=8, ndf=8, nz=16)
    ev = evaluate(folder, n=1000, seed=3)
    # digits has 360 test images: N is capped and the report says so.
    assert ev.n == 360 and any("N=1000 requested" in note for note in ev.notes)
    assert "classifier.digits penultimate layer (512-d)" in ev.feature_extractor
    m = ev.metrics
    assert 0 < m["fid_floor"] < m["fid"] and m["fid_ratio"] > 3
    assert m["kid"] > m["kid_floor"]
    assert 0.1 <= m["mean_confidence"] <= 1.0
    assert sum(ev.details["class_shares"].values()) == pytest.approx(1.0, abs=1e-3)
    assert m["min_class_share"] <= 0.1 <= m["max_class_share"]
    assert not ev.targets()["fid_ratio"]["pass"]
    again = evaluate(folder, n=360, seed=3)
    assert again.metrics == m  # deterministic for a seed
    other = evaluate(folder, n=360, seed=4)
    assert other.metrics["fid"] != m["fid"]


def test_untrained_classifier_scores_chance_with_a_full_confusion_matrix(tmp_path: Path) -> None:
    folder = _untrained(tmp_path, "classifier", channels=1, image_size=28)
    ev = evaluate(folder)
    confusion = torch.tensor(ev.details["confusion"])
    assert confusion.shape == (10, 10) and int(confusion.sum()) == ev.n == 360
    assert ev.metrics["test_accuracy"] == pytest.approx(float(confusion.trace()) / 360)
    assert ev.metrics["test_accuracy"] < 0.5


def test_regressor_is_compared_with_the_naive_forecast() -> None:
    ev = evaluate("lstm-regressor.sine")
    m = ev.metrics
    assert m["mse_ratio"] == pytest.approx(m["test_mse"] / m["naive_mse"])
    shipped = json.loads((WEIGHTS / "lstm-regressor.sine" / "config.json").read_text())
    assert ev.n == shipped["dataset"]["num_test"] and "naive" in ev.notes[0]
    assert m == pytest.approx(shipped["evaluation"]["metrics"], rel=1e-5)


def test_record_writes_config_and_card_and_refuses_a_mismatch(tmp_path: Path) -> None:
    from huggingface_hub import ModelCard

    folder = tmp_path / "copy.digits"
    shutil.copytree(WEIGHTS / "classifier.digits", folder)
    before = json.loads((folder / "config.json").read_text())
    ev = evaluate(folder)
    ev.metrics["test_accuracy"] = 0.123  # recorded as given
    record(folder, ev)
    after = json.loads((folder / "config.json").read_text())
    assert after["evaluation"]["metrics"] == {"test_accuracy": 0.123}
    assert {k: v for k, v in after.items() if k != "evaluation"} == \
        {k: v for k, v in before.items() if k != "evaluation"}
    card = ModelCard.load(folder / "README.md")
    assert [(r.metric_type, r.metric_value) for r in card.data.eval_results] == [("test_accuracy", 0.123)]
    assert "| test_accuracy | 0.1230 | >= 0.97: FAIL |" in card.text

    gan = evaluate("dcgan.digits", n=50)
    snapshot = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(WeightsError, match="holds 'classifier'"):
        record(folder, gan)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == snapshot


def test_no_inception_without_torch_fidelity_or_local_weights(tmp_path: Path) -> None:
    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        assert inception_weights() is None
        with pytest.raises(ConfigError, match="torch-fidelity"):
            inception_weights(tmp_path / "missing.pth")
    else:  # pragma: no cover - environment with torch-fidelity
        with pytest.raises(ConfigError, match="no such file"):
            inception_weights(tmp_path / "missing.pth")


def test_evaluation_targets_and_lines() -> None:
    ev = Evaluation(ref="x", model="m", task="classification", dataset="digits",
                    metrics={"test_accuracy": 0.97})
    assert ev.targets()["test_accuracy"]["pass"] is True
    ev.metrics["test_accuracy"] = 0.969
    assert ev.targets()["test_accuracy"]["pass"] is False
    assert "target test_accuracy >= 0.97: FAIL" in ev.lines()


def test_eval_cli_prints_the_extractor_and_the_floor(run_cli) -> None:
    result = run_cli("eval", "dcgan.digits", "--n", "100", env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("dcgan.digits: dcgan (adversarial) on digits, N=100, seed 0")
    assert "features: classifier.digits penultimate layer" in out
    for key in ("fid", "fid_floor", "kid", "mean_confidence", "min_class_share", "class shares"):
        assert f"  {key} " in out
    as_json = run_cli("eval", "classifier.digits", "--json")
    data = json.loads(as_json.stdout)
    assert data["metrics"]["test_accuracy"] >= 0.97 and len(data["details"]["confusion"]) == 10


@pytest.mark.parametrize("args, message", [
    (["eval", "dcgan.digits", "--n", "1"], "--n"),
    (["eval", "dcgan.digits", "--dataset", "digitz"], "unknown dataset 'digitz'"),
    (["eval", "dcgan.digits", "--judge", "lstm-regressor.sine"], "not a classifier"),
    (["eval", "dcgan.digits", "--dataset", "fake", "--n", "8"], "InceptionV3 weights not available"),
    (["eval", "no/such/folder"], "no such weights folder"),
])
def test_eval_cli_bad_input_is_one_line(run_cli, args, message) -> None:
    result = run_cli(*args, env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2
    assert result.stderr.startswith("ganzoo: error: ") and len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr

"""A picture that cannot be drawn or written never costs an epoch or a run.

The epoch's checkpoint is written before its pictures, and pictures are best effort: a failure
is one ``warning:`` line and training goes on; the model is saved without the failed pictures.
Two real faults, through the real CLI: a picture path that is taken by a folder (writing fails),
and a test-only task plugin whose drawing code raises.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import ganzoo

from plugin_helpers import make_dist

TINY_GAN = ["dcgan", "digits", "--set", "nz=8", "--set", "ngf=4", "--set", "ndf=4",
            "--batch-size", "256", "--device", "cpu"]  # 1437 // 256 = 5 steps per epoch

REGISTER = '''
from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param, TaskSpec


@hookimpl
def register_tasks(register):
    register(TaskSpec(name="flaky-pictures", builder="flaky_pictures_impl:FlakyTask",
                      description="Classifiers whose pictures always fail to draw",
                      pipeline_tag="image-classification", metrics=("test_accuracy",),
                      losses_from=("classification",)))


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="flaky-classifier", builder="flaky_pictures_impl:FlakyClassifier",
        description="A small MLP classifier of the flaky-pictures task", task="flaky-pictures",
        default_loss="cross-entropy", default_dataset="digits",
        params={"channels": Param("int", 1, "image channels"),
                "image_size": Param("int", 28, "image side"),
                "num_classes": Param("int", 10, "classes"),
                "hidden": Param("int", 16, "hidden width")},
        data_params={"channels": "channels", "image_size": "image_size", "num_classes": "num_classes"},
        recipe={"batch_size": 128, "lr": 1e-3, "betas": (0.9, 0.999), "epochs": 2, "optimizer": "adam"},
    ))
'''

IMPL = '''
from ganzoo_plugins.classifier.model import MLPClassifier
from ganzoo_plugins.tasks.classification import ClassificationStep, ClassificationTask


class FlakyClassifier(MLPClassifier):
    task = "flaky-pictures"


class FlakyStep(ClassificationStep):
    def epoch_end(self, epoch):
        raise RuntimeError(f"the plotting backend crashed at epoch {epoch}")

    def write_pictures(self, history):
        raise ValueError("cannot draw a confusion matrix today")


class FlakyTask(ClassificationTask):
    def make_step(self, model, loss, ctx):
        return FlakyStep(model, loss, ctx)
'''


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def _checkpoints(run: Path) -> list[str]:
    return sorted(p.name for p in (run / "checkpoints").iterdir() if p.name.startswith("step-"))


def test_a_picture_that_cannot_be_written_costs_no_epoch(run_cli, tmp_path):
    run = tmp_path / "run"
    first = run_cli("train", *TINY_GAN, "--epochs", "3", "--max-steps", "5", "--out", str(run))
    assert first.returncode == 0, first.stderr
    # per-epoch grids stay in memory (and the checkpoint): no file per epoch, one checkpoint
    assert not list(run.glob("samples_epoch_*")) and _checkpoints(run) == ["step-000005"]
    # The final grid cannot be written: its path is taken by a folder.
    (run / "samples.png").unlink()
    (run / "samples.png").mkdir()

    res = run_cli("train", "--resume", str(run), "--max-steps", "10")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    warnings = _warnings(res.stderr)
    assert len(warnings) == 1, res.stderr
    assert warnings[0].startswith(f"warning: could not draw the run's pictures in {run} (")
    assert warnings[0].endswith("; the model is saved without them")
    # the final step is checkpointed (the older one pruned), and the run is complete
    assert _checkpoints(run) == ["step-000010"]
    assert (run / "checkpoints" / "latest").read_text().strip() == "step-000010"
    config = json.loads((run / "config.json").read_text())
    assert config["train"]["steps_done"] == 10 and config["pictures"] == []
    assert ganzoo.load(run).sample(2, seed=0).shape == (2, 1, 32, 32)


def test_drawing_code_that_raises_is_a_warning_not_a_lost_run(run_cli, tmp_path):
    site = make_dist(tmp_path / "site", "ganzoo-flaky-pictures", "0.1.0",
                     {"flaky": "flaky_pictures"},
                     {"flaky_pictures.py": REGISTER, "flaky_pictures_impl.py": IMPL})
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    run = tmp_path / "run"
    res = run_cli("train", "flaky-classifier", "--out", str(run), env=env)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    warnings = _warnings(res.stderr)
    assert warnings == [
        f"warning: could not draw the pictures of epoch 1 in {run} (RuntimeError: the plotting "
        "backend crashed at epoch 1); training goes on",
        f"warning: could not draw the pictures of epoch 2 in {run} (RuntimeError: the plotting "
        "backend crashed at epoch 2); training goes on",
        f"warning: could not draw the run's pictures in {run} (ValueError: cannot draw a confusion "
        "matrix today); the model is saved without them",
    ], res.stderr
    # the final checkpoint (ceil(1437 / 128) = 12 steps an epoch: classifiers keep the last batch)
    assert _checkpoints(run) == ["step-000024"]
    config = json.loads((run / "config.json").read_text())
    assert config["task"] == "flaky-pictures" and config["pictures"] == []
    assert "test_accuracy" in config["metrics"]

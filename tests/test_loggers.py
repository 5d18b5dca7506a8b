"""Experiment loggers are plugins: ``ganzoo train --logger tensorboard --logger csv``.

The TensorBoard events are read back with TensorBoard's own ``EventAccumulator`` (the reader
``tensorboard --logdir`` uses): every metric of every ``metrics.jsonl`` record as a scalar at its
step, the epoch-end sample grid as an image whose pixels are the PNG's, the run's
hyperparameters in the HParams plugin's records. The CSV holds exactly the records of
``metrics.jsonl``. A third-party logger arrives through the ``register_loggers`` hook as an
installed distribution; one that raises is one warning line, never a lost run. A missing
``tensorboard`` package is one line before anything loads.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from plugin_helpers import make_dist

TINY = ["dcgan", "digits", "--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8", "--set", "image_size=16",
        "--log-every", "1"]
PLACE = ("kind", "epoch", "step", "batch")


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]


def _events(run: Path) -> EventAccumulator:
    acc = EventAccumulator(str(run), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def _metrics(record: dict) -> dict[str, float]:
    return {k: v for k, v in record.items() if k not in PLACE and isinstance(v, (int, float))
            and not isinstance(v, bool) and math.isfinite(v)}


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> Path:
    """One tiny run with both built-in loggers (3 steps, a log record per step)."""
    cwd = tmp_path_factory.mktemp("logged")
    proc = subprocess.run([sys.executable, "-m", "ganzoo", "train", *TINY, "--max-steps", "3", "--out", "run",
                           "--logger", "tensorboard", "--logger", "csv"],
                          capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, "MPLBACKEND": "Agg", "XDG_CACHE_HOME": str(cwd / "cache")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "warning" not in proc.stderr, proc.stderr
    return cwd / "run"


def test_tensorboard_reads_every_metric_as_a_scalar_at_its_step(logged):
    acc = _events(logged)
    records = _records(logged)
    assert [r["step"] for r in records if r["kind"] == "log"] == [1, 2, 3]
    expected: dict[str, dict[int, float]] = {}
    for record in records:
        group = "train" if record["kind"] == "log" else "epoch"
        for key, value in _metrics(record).items():
            expected.setdefault(f"{group}/{key}", {})[record["step"]] = value
    assert {"train/Loss_D", "train/Loss_G", "epoch/Loss_D"} <= set(expected)
    assert set(expected) <= set(acc.Tags()["scalars"])
    for tag, points in expected.items():
        got = {e.step: e.value for e in acc.Scalars(tag)}
        assert got.keys() == points.keys(), tag
        for step, value in points.items():  # TensorBoard keeps float32
            assert got[step] == pytest.approx(value, rel=1e-6), (tag, step)


def test_tensorboard_shows_the_epoch_grid_and_the_final_pictures(logged):
    acc = _events(logged)
    images = acc.Images("samples")
    assert [e.step for e in images] == [3]  # the (stopped) epoch's end
    shown = np.asarray(Image.open(io.BytesIO(images[0].encoded_image_string)).convert("RGB"))
    drawn = np.asarray(Image.open(logged / "samples.png").convert("RGB"))  # the last epoch's grid
    assert shown.shape == drawn.shape and np.array_equal(shown, drawn)
    finals = {t for t in acc.Tags()["images"] if t.startswith("final/")}
    config = json.loads((logged / "config.json").read_text(encoding="utf-8"))
    assert finals == {f"final/{Path(p).stem}" for p in config["pictures"] if p.endswith(".png")}
    assert "final/samples" in finals


def test_tensorboard_holds_the_hyperparameters_and_final_metrics(logged):
    acc = _events(logged)
    content = acc.PluginTagToContent("hparams")
    assert {"_hparams_/experiment", "_hparams_/session_start_info"} <= set(content)
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    hp = start.session_start_info.hparams
    assert hp["model"].string_value == "dcgan" and hp["dataset"].string_value == "digits"
    assert hp["max_steps"].number_value == 3 and hp["set.nz"].string_value == "8"
    assert hp["betas"].string_value == "0.5,0.999"
    experiment = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    metrics = {m.name.tag for m in experiment.metric_infos}
    config = json.loads((logged / "config.json").read_text(encoding="utf-8"))
    assert metrics == {f"final/{k}" for k in _metrics(config["metrics"])}
    final = {e.step: e.value for e in acc.Scalars("final/Loss_D")}
    assert final == {3: pytest.approx(config["metrics"]["Loss_D"], rel=1e-6)}


def test_the_csv_holds_the_records_of_metrics_jsonl(logged):
    records = _records(logged)
    with open(logged / "metrics.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(records) >= 4
    for row, record in zip(rows, records):
        assert {k for k, v in row.items() if v != ""} == {k for k, v in record.items() if v is not None}
        for key, value in record.items():
            if value is None:
                assert row[key] == ""
            elif isinstance(value, str):
                assert row[key] == value
            else:
                assert type(value)(row[key]) == value, (key, row[key], value)


def test_resumed_logging_draws_each_step_once(run_cli, tmp_path):
    first = run_cli("train", *TINY, "--max-steps", "2", "--out", "run", "--logger", "tensorboard")
    assert first.returncode == 0, first.stderr[-3000:]
    more = run_cli("train", "--resume", "run", "--max-steps", "4")  # the saved --logger goes on
    assert more.returncode == 0, more.stderr[-3000:]
    run = tmp_path / "run"
    assert len(list(run.glob("events.out.tfevents.*"))) == 2
    acc = _events(run)
    assert [e.step for e in acc.Scalars("train/Loss_D")] == [1, 2, 3, 4]
    logged = {r["step"]: r["Loss_D"] for r in _records(run) if r["kind"] == "log"}
    assert {e.step: e.value for e in acc.Scalars("train/Loss_D")} == \
        {s: pytest.approx(v, rel=1e-6) for s, v in logged.items()}


def test_missing_tensorboard_is_one_line_before_anything_loads(tmp_path):
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "from ganzoo.cli import main\n"
            "sys.argv = ['ganzoo', 'train', 'mlp-gan', 'digits', '--logger', 'tensorboard', '--out', 'run']\n"
            "main()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0] == ("ganzoo: error: --logger tensorboard needs the Python package tensorboard, which is "
                        "not installed (pip install 'ganzoo[tensorboard]'; or drop --logger tensorboard)")
    assert not (tmp_path / "run").exists()


def test_an_unknown_logger_is_one_line_with_the_close_match(run_cli, tmp_path):
    res = run_cli("train", "mlp-gan", "--logger", "tensorbord", "--out", "run")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "unknown logger 'tensorbord' — did you mean 'tensorboard'?" in res.stderr
    listed = json.loads(run_cli("list", "--kind", "logger", "--json").stdout)["items"]
    assert {r["name"] for r in listed} >= {"tensorboard", "csv"}
    assert not (tmp_path / "run").exists()


MIRROR = '''
    """A third-party logger plugin: 'mirror' copies what it receives; 'boom' fails."""
    import json

    from ganzoo import hookimpl
    from ganzoo.loggers import Logger
    from ganzoo.specs import LoggerSpec


    class Mirror(Logger):
        def __init__(self, run):
            super().__init__(run)
            self.path = run.out / "mirror.jsonl"
            self.emit({"event": "start", "hparams": run.hparams, "resumed_from": run.resumed_from})

        def emit(self, item):
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(item) + "\\n")

        def log(self, record, history):
            self.emit({"event": "log", "record": record, "history": len(history)})

        def image(self, tag, image, step):
            self.emit({"event": "image", "tag": tag, "size": list(image.size), "step": step})

        def finish(self, metrics, step):
            self.emit({"event": "finish", "metrics": metrics, "step": step})

        def close(self):
            self.emit({"event": "close"})


    class Boom(Logger):
        def log(self, record, history):
            raise OSError("the tracking server is down\\nsecond line")


    @hookimpl
    def register_loggers(register):
        register(LoggerSpec(name="mirror", builder="mirror_logger:Mirror", description="copies records"))
        register(LoggerSpec(name="boom", builder="mirror_logger:Boom", description="always fails"))
'''


def test_a_third_party_logger_plugin_gets_every_record_and_a_failing_one_costs_one_line(run_cli, tmp_path):
    site = make_dist(tmp_path / "site", "ganzoo-mirror", "1.0", {"mirror": "mirror_logger"},
                     {"mirror_logger.py": MIRROR})
    env = {"PYTHONPATH": str(site)}
    listed = json.loads(run_cli("list", "--kind", "logger", "--json", env=env).stdout)["items"]
    assert {r["name"]: r["distribution"] for r in listed}["mirror"] == "ganzoo-mirror"

    res = run_cli("train", *TINY, "--max-steps", "2", "--out", "run", "--logger", "boom", "--logger", "mirror",
                  env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    warnings = [line for line in res.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: logger 'boom' failed (log: OSError: the tracking server is down); it is off "
                        "for the rest of this run, training goes on"], res.stderr
    run = tmp_path / "run"
    assert (run / "model.safetensors").is_file() and (run / "config.json").is_file()

    events = [json.loads(line) for line in (run / "mirror.jsonl").read_text(encoding="utf-8").splitlines()]
    assert events[0]["event"] == "start" and events[0]["resumed_from"] is None
    assert events[0]["hparams"]["model"] == "dcgan" and events[0]["hparams"]["set.ngf"] == "4"
    assert [e["record"] for e in events if e["event"] == "log"] == _records(run)
    assert [e["tag"] for e in events if e["event"] == "image"][0] == "samples"
    finish = [e for e in events if e["event"] == "finish"]
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    assert len(finish) == 1 and finish[0]["metrics"] == config["metrics"] and finish[0]["step"] == 2
    assert events[-1] == {"event": "close"}

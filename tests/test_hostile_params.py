"""Hostile numbers are refused before anything is allocated: one line, exit 2, no traceback.

Three doors, each through the real CLI: a weights folder's ``config.json`` (a 4 KB file a
stranger can hand you), ``--set`` and the run options of ``ganzoo train`` / ``sample`` / ``eval``,
and a hand-edited checkpoint ``state.json`` on ``ganzoo train --resume``. The memory claims are
measured: the peak RSS of the refusing process alone (tests/rss.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rss import ganzoo_measured

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "weights"
GiB = 2**30


def _one_line(result, *needles: str) -> str:
    """The single ``ganzoo: error:`` line of a refused command (exit 2, no traceback)."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), result.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _folder(tmp_path: Path, shipped: str, edit) -> Path:
    """A copy of a shipped weights folder whose config.json ``edit(config)`` changed."""
    folder = tmp_path / shipped
    shutil.copytree(SHIPPED / shipped, folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    edit(config)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def _set(section: str, key: str, value):
    def edit(config: dict) -> None:
        config[section][key] = value
    return edit


# --------------------------------------------------------------------------------------------
# config.json


needs_rusage = pytest.mark.skipif(sys.platform == "win32", reason="peak RSS needs getrusage")

#: What a refusal may cost above an honest ``ganzoo sample`` on the same machine. The absolute
#: figure depends on the machine and the torch build (0.65 GiB with torch 2.14's CUDA wheel here),
#: so each claim is a difference from a baseline measured the same way in the same session.
SLACK = GiB // 4


@pytest.fixture(scope="module")
def baseline_rss(tmp_path_factory) -> int:
    """Peak RSS of ``ganzoo sample`` on the shipped mlp-gan: torch, the model, a grid written."""
    cwd = tmp_path_factory.mktemp("baseline")
    result, peak = ganzoo_measured(["sample", str(SHIPPED / "mlp-gan.digits"), "--out", "grid.png"], cwd)
    assert result.returncode == 0, result.stderr[-2000:]
    return peak


@needs_rusage
def test_a_4kb_config_asking_for_6m_latents_is_refused_before_any_allocation(tmp_path, baseline_rss):
    """Before: 3.4 GB RSS (2.7 GB above an honest sample), then a shape mismatch. Now: the bound
    refuses it, within a quarter GiB of what sampling the unmodified model costs."""
    folder = _folder(tmp_path, "mlp-gan.digits", _set("hparams", "latent_dim", 6_000_000))
    assert (folder / "config.json").stat().st_size < 4096
    result, peak = ganzoo_measured(["sample", str(folder), "--out", "grid.png"], tmp_path)
    _one_line(result, "config.json", "'latent_dim' must be from 1 to 4,096, got 6000000")
    assert peak < baseline_rss + SLACK, f"peak RSS {peak / GiB:.2f} GiB, baseline {baseline_rss / GiB:.2f} GiB"
    assert not (tmp_path / "grid.png").exists()


@needs_rusage
def test_a_model_within_every_bound_but_too_large_is_sized_on_the_meta_device(tmp_path, baseline_rss):
    """22.9 billion parameters (92 GB in fp32), each setting within its bounds: refused by the
    meta-device count, which itself allocates nothing."""
    def huge(config: dict) -> None:
        config["hparams"].update(ngf=1024, ndf=1024, max_mult=64, image_size=256)

    folder = _folder(tmp_path, "dcgan.digits", huge)
    result, peak = ganzoo_measured(["sample", str(folder)], tmp_path)
    _one_line(result, "would have 22.9 billion parameters", "limit of 1.0 billion", "GANZOO_MAX_PARAMS")
    assert peak < baseline_rss + SLACK, f"peak RSS {peak / GiB:.2f} GiB, baseline {baseline_rss / GiB:.2f} GiB"


def test_the_parameter_limit_comes_from_GANZOO_MAX_PARAMS(run_cli, tmp_path):
    low = run_cli("sample", "mlp-gan.digits", env={"GANZOO_MAX_PARAMS": "1000"})
    _one_line(low, "mlp-gan.digits/config.json", "2.0 million parameters", "limit of 1,000")
    bad = run_cli("sample", "mlp-gan.digits", env={"GANZOO_MAX_PARAMS": "lots"})
    _one_line(bad, "GANZOO_MAX_PARAMS='lots' must be a positive whole number")
    assert not (tmp_path / "grid.png").exists()


def _deep(config: dict) -> None:
    config["train"] = "DEEP"  # replaced by 200,000 nested lists when written (below)


CONFIG_ATTACKS = {
    "nz-6-million": ("dcgan.digits", _set("hparams", "nz", 6_000_000), "'nz' must be from 1 to 4,096"),
    "ngf-negative": ("dcgan.digits", _set("hparams", "ngf", -5), "'ngf' must be from 1 to 1,024, got -5"),
    "nz-null": ("dcgan.digits", _set("hparams", "nz", None), "'nz' must be an int, got None"),
    "max-mult-negative": ("dcgan.digits", _set("hparams", "max_mult", -1), "'max_mult' must be from 1 to 64"),
    "nz-10-to-the-30": ("dcgan.digits", _set("hparams", "nz", 10**30), "'nz' must be from 1 to 4,096"),
    "value-range-strings": ("dcgan.digits", _set("dataset", "value_range", ["a", "b"]),
                            "'dataset.value_range' must be two finite numbers"),
    "value-range-reversed": ("dcgan.digits", _set("dataset", "value_range", [1, -1]),
                             "'dataset.value_range' must be two finite numbers"),
    "class-names-a-string": ("cgan.digits", _set("dataset", "class_names", "0123456789"),
                             "'dataset.class_names' must be a list of strings"),
    "files-a-list": ("dcgan.digits", lambda c: c.update(files=[1]), "'files' must be an object mapping"),
    "hparams-a-list": ("dcgan.digits", lambda c: c.update(hparams=[100]), "'hparams' must be an object"),
    "dataset-a-number": ("dcgan.digits", lambda c: c.update(dataset=7), "'dataset' must be an object"),
    "format-version-text": ("dcgan.digits", lambda c: c.update(format_version="1"),
                            "'format_version' must be an integer >= 1"),
    "nested-200k-deep": ("dcgan.digits", _deep, "invalid JSON (nested too deeply)"),
}


@pytest.mark.parametrize("attack", list(CONFIG_ATTACKS))
def test_a_hostile_config_json_is_one_line(run_cli, tmp_path, attack):
    shipped, edit, message = CONFIG_ATTACKS[attack]
    folder = _folder(tmp_path, shipped, edit)
    path = folder / "config.json"
    if attack == "nested-200k-deep":
        path.write_text(path.read_text().replace('"DEEP"', "[" * 200_000 + "]" * 200_000))
    before = path.read_bytes()
    _one_line(run_cli("sample", str(folder), "--n", "4"), str(path), message)
    assert path.read_bytes() == before and not (tmp_path / "grid.png").exists()


def test_a_config_json_too_large_to_be_ganzoos_is_not_read(run_cli, tmp_path):
    folder = _folder(tmp_path, "dcgan.digits", lambda c: None)
    with open(folder / "config.json", "a", encoding="utf-8") as fh:
        fh.write(" " * (33 * 2**20))  # valid JSON, 33 MB of trailing blanks
    _one_line(run_cli("sample", str(folder)), "invalid JSON", "more than the 33,554,432")


# --------------------------------------------------------------------------------------------
# --set and run options


SET_ATTACKS = {
    "latent-dim-negative": (["train", "mlp-gan", "--set", "latent_dim=-1"], "'latent_dim' must be from 1"),
    "bn-eps-negative": (["train", "mlp-gan", "--set", "bn_eps=-1"], "'bn_eps' must be from 1e-08 to 10"),
    # a 30 GB resize of the digits before: refused by the bound
    "mlp-gan-image-size-4096": (["train", "mlp-gan", "--set", "image_size=4096"],
                                "'image_size' must be from 4 to 256, got 4096"),
    "real-label-1e300": (["train", "dcgan", "--set", "real_label=1e300"], "'real_label' must be from 0 to 1"),
    "seed-above-2-63": (["train", "dcgan", "--seed", "99999999999999999999"],
                        "--seed must be in [0, 9223372036854775807]"),
    "fake-size-1e10": (["train", "dcgan", "fake", "--set", "size=1e10"], "'size' must be an int, got '1e10'"),
    "fake-size-10-billion": (["train", "dcgan", "fake", "--set", "size=10000000000"],
                             "'size' must be from 1 to 10,000,000"),
    "fake-size-times-image": (["train", "dcgan", "fake", "--set", "size=10000000", "--set", "image_size=256",
                               "--set", "channels=3"], "10,000,128 images of 3x256x256 would take 1,831.2 GiB"),
    "sine-points-1e11": (["train", "lstm-regressor", "sine", "--set", "points=1e11"], "'points' must be an int"),
    "sine-points-100-billion": (["train", "lstm-regressor", "sine", "--set", "points=100000000000"],
                                "'points' must be from 1 to 100,000,000"),
    "sine-points-times-window": (["train", "lstm-regressor", "sine", "--set", "points=100000000", "--set",
                                  "seq_len=10000"], "dataset 'sine': 100,000,000 points in windows of 10000"),
    "sine-noise-negative": (["train", "lstm-regressor", "sine", "--set", "noise=-1"], "'noise' must be from 0"),
    "seq-len-negative": (["train", "lstm-regressor", "sine", "--set", "seq_len=-5"], "'seq_len' must be from 1"),
    "sample-n-100-million": (["sample", "mlp-gan.digits", "--n", "100000000"],
                             "'--n': 100000000 is not in the range 1<=x<=10000"),
    "sample-seed-above-2-63": (["sample", "mlp-gan.digits", "--seed", "99999999999999999999"],
                               "'--seed': 99999999999999999999 is not in the range"),
    "sample-interpolate-100k": (["sample", "mlp-gan.digits", "--interpolate", "100000"],
                                "--interpolate must be in [2, 1250]"),
    "eval-seed-above-2-63": (["eval", "mlp-gan.digits", "--seed", "99999999999999999999"],
                             "'--seed': 99999999999999999999 is not in the range"),
}


@pytest.mark.parametrize("attack", list(SET_ATTACKS))
def test_a_hostile_setting_is_one_line_and_writes_nothing(run_cli, tmp_path, attack):
    args, message = SET_ATTACKS[attack]
    _one_line(run_cli(*args, "--device", "cpu") if args[0] == "train" else run_cli(*args), message)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no runs/, no grid.png


# --------------------------------------------------------------------------------------------
# A hand-edited checkpoint state.json


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory) -> Path:
    """A real run stopped after 3 of its 23 steps, with a checkpoint to resume."""
    out = tmp_path_factory.mktemp("run") / "run"
    proc = subprocess.run([sys.executable, "-m", "ganzoo", "train", "classifier", "digits", "--set",
                           "hidden=8", "--max-steps", "3", "--device", "cpu", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


STATE_ATTACKS = {
    "position-negative": ("position", -3, "'position' must be an integer >= 0, got -3"),
    "position-a-string": ("position", "3", "'position' must be an integer >= 0, got '3'"),
    "position-past-the-epoch": ("position", 10**9, "position 1000000000 is past the 23 batches"),
    "step-a-float": ("step", 3.5, "'step' must be an integer >= 0, got 3.5"),
    "epoch-a-bool": ("epoch", True, "'epoch' must be an integer >= 0, got True"),
    "batch-size-zero": ("batch_size", 0, "'batch_size' must be an integer >= 1"),
    "timing-strings": ("timing", ["a", 0], "'timing' must be two finite numbers >= 0"),
    "networks-a-string": ("networks", "model", "'networks' must be a list of network names"),
    "step-missing": ("step", KeyError, "'step' is missing"),
}


@pytest.mark.parametrize("attack", list(STATE_ATTACKS))
def test_a_hand_edited_checkpoint_state_is_refused_on_resume(run_cli, stopped_run, tmp_path, attack):
    key, value, message = STATE_ATTACKS[attack]
    run = tmp_path / "run"
    shutil.copytree(stopped_run, run)
    (step,) = sorted((run / "checkpoints").glob("step-*"))
    state = json.loads((step / "state.json").read_text(encoding="utf-8"))
    if value is KeyError:
        del state[key]
    else:
        state[key] = value
    (step / "state.json").write_text(json.dumps(state), encoding="utf-8")
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    _one_line(run_cli("train", "--resume", str(run), "--max-steps", "6"), str(step), "damaged checkpoint",
              message, "delete it" if attack == "position-past-the-epoch" else f"delete {step}")
    after = {p: p.read_bytes() for p in run.rglob("*") if p.is_file() and p.name != ".lock"}
    assert {p: b for p, b in before.items() if p.name != ".lock"} == after  # nothing saved is touched

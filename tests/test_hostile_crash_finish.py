"""A run killed after its final checkpoint but before its weights folder is complete.

The process is SIGKILLed (a real kill, placed by a wrapper around the real CLI) at each point
between the last checkpoint and ``config.json``. ``ganzoo train --resume`` must then finish the
folder without training, identical to what the uninterrupted run wrote; ``sample`` on the
unfinished folder must say how to finish it; and a complete run still refuses to resume.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

ARGS = ["train", "dcgan", "digits", "--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8", "--set", "image_size=16",
        "--epochs", "1", "--batch-size", "64", "--ema", "0.9"]
MID_EPOCH = ["--max-steps", "9"]  # stops inside the epoch: its end (evaluation) follows the checkpoint

# Each crash point: (what is patched, which call of it kills, kill before or after the call).
CRASHES = {
    "before-final-pictures": ("ganzoo.training.loop:Trainer._epoch_pictures", 1, "before"),
    "before-run-pictures": ("ganzoo.training.loop:Trainer.write_pictures", 1, "before"),
    "after-generator-file": ("ganzoo.weights:write_with", 1, "after"),
    "after-discriminator-file": ("ganzoo.weights:write_with", 2, "after"),
    "after-card": ("ganzoo.card:write_card", 1, "after"),
}

KILLER = textwrap.dedent("""
    import importlib, os, signal, sys
    target, nth, when = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    module, _, attr = target.partition(":")
    owner = importlib.import_module(module)
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    real, calls = getattr(owner, name), []

    def patched(*args, **kwargs):
        calls.append(1)
        if len(calls) == nth and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args, **kwargs)
        if len(calls) == nth and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, patched)
    sys.argv = ["ganzoo", *sys.argv[4:]]
    from ganzoo.cli import main
    main()
""")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True,
                          cwd=cwd, env=_env(), timeout=600)


def _killed(crash: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    target, nth, when = CRASHES[crash]
    return subprocess.run([sys.executable, "-c", KILLER, target, str(nth), when, *args], capture_output=True,
                          text=True, cwd=cwd, env=_env(), timeout=600)


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return {f"{name}:{k}": v for name in ("model.safetensors", "discriminator.safetensors")
            for k, v in load_file(str(folder / name)).items()}


def _without_timings(config: dict) -> dict:
    """config.json less what differs between any two runs (speed, the folder, the device's clock)."""
    config = json.loads(json.dumps(config))
    for record in [config["metrics"], *config.get("history", [])]:
        record.pop("images_per_sec", None)
    return {k: v for k, v in config.items() if k not in ("ganzoo_version",)}


CASES = [("whole-epoch", crash) for crash in CRASHES] + [("mid-epoch", "before-run-pictures")]
_straight: dict[str, Path] = {}


def _reference(kind: str, tmp_path_factory) -> Path:
    """The uninterrupted run a crashed one is compared with (one per kind, made once)."""
    if kind not in _straight:
        cwd = tmp_path_factory.mktemp(f"straight-{kind}")
        res = _cli(*_args(kind), "--out", "run", cwd=cwd)
        assert res.returncode == 0, res.stderr
        _straight[kind] = cwd / "run"
    return _straight[kind]


def _args(kind: str) -> list[str]:
    return ARGS + (MID_EPOCH if kind == "mid-epoch" else [])


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "crash"), CASES, ids=[f"{k}-{c}" for k, c in CASES])
def test_a_run_killed_before_its_weights_resumes_into_them(kind, crash, tmp_path, tmp_path_factory):
    reference = _reference(kind, tmp_path_factory)
    res = _killed(crash, [*_args(kind), "--out", "run"], tmp_path)
    assert res.returncode == -9, (res.returncode, res.stderr[-2000:])
    run = tmp_path / "run"
    assert not (run / "config.json").exists()  # the folder is not complete

    sample = _cli("sample", "run", cwd=tmp_path)
    assert sample.returncode == 2 and "Traceback" not in sample.stderr
    assert sample.stderr.strip().splitlines() == [
        "ganzoo: error: run: this run has no weights yet (still training, or stopped before its end); "
        "finish it with `ganzoo train --resume run`"]

    finished = _cli("train", "--resume", "run", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert "weights folder was never completed; saving it now (no training)" in finished.stderr + finished.stdout

    want, got = _weights(reference), _weights(run)
    assert want.keys() == got.keys() and all(torch.equal(want[k], got[k]) for k in want)
    configs = [json.loads((d / "config.json").read_text()) for d in (reference, run)]
    assert _without_timings(configs[0])["metrics"] == _without_timings(configs[1])["metrics"]
    assert configs[0]["train"]["steps_done"] == configs[1]["train"]["steps_done"]
    assert configs[0]["pictures"] == configs[1]["pictures"]
    files = [sorted(p.name for p in d.iterdir() if p.is_file() and not p.name.startswith("."))
             for d in (reference, run)]
    assert files[0] == files[1]
    for picture in files[0]:
        if picture.startswith("samples"):  # the generator's grids: same networks, same pixels
            assert (run / picture).read_bytes() == (reference / picture).read_bytes(), picture
    assert (run / "README.md").is_file()

    if crash == "after-card":  # once is enough: a complete folder neither resumes nor fails to load
        again = _cli("train", "--resume", "run", cwd=tmp_path)
        assert again.returncode == 2 and "already finished at step" in again.stderr
        assert _cli("sample", "run", "--out", "grid.png", cwd=tmp_path).returncode == 0

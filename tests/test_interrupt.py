"""Ctrl-C and SIGTERM through the real CLI: checkpoint, the resume command, exit 130/143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import ganzoo
from ganzoo.training import checkpoint

SMALL = ["--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8", "--set", "image_size=16"]
ARGS = ["dcgan", "digits", *SMALL, "--epochs", "2", "--batch-size", "64", "--log-every", "3"]


def start(out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "ganzoo", "train", *ARGS, "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=out.parent)


def wait_for_log(proc: subprocess.Popen) -> str:
    """The first log line (training has begun), after the run's opening line."""
    assert proc.stdout is not None
    opening = proc.stdout.readline()
    assert opening.startswith("training dcgan on digits ("), opening
    line = proc.stdout.readline()
    assert line.startswith("[1/2]["), line
    return line


@pytest.mark.slow
def test_ctrl_c_checkpoints_prints_the_resume_command_and_resumes_exactly(tmp_path, run_cli):
    straight = tmp_path / "straight"
    ganzoo.train("dcgan", "digits", out=straight, max_steps=26, epochs=2, batch_size=64,
                 settings={"ngf": 4, "ndf": 4, "nz": 8, "image_size": 16}, progress=False)
    out = tmp_path / "run"
    proc = start(out, "--max-steps", "26")
    wait_for_log(proc)  # step 3 done: interrupt in the middle of epoch 1
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.startswith("ganzoo: error:")]
    assert len(lines) == 1 and "Traceback" not in err
    assert f"continue with: ganzoo train --resume {out}" in lines[0]
    state, _ = checkpoint.load(checkpoint.latest(out))
    assert 3 <= state["step"] < 22 and state["position"] == state["step"]
    assert not (out / "config.json").exists()  # not a finished (loadable) folder yet

    resumed = run_cli("train", "--resume", str(out))
    assert resumed.returncode == 0, resumed.stderr
    for name in ("model.safetensors", "discriminator.safetensors"):
        a, b = load_file(str(straight / name)), load_file(str(out / name))
        assert all(torch.equal(a[k], b[k]) for k in a), name


@pytest.mark.slow
def test_sigterm_exits_143_with_a_checkpoint(tmp_path):
    out = tmp_path / "run"
    proc = start(out)
    wait_for_log(proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 143, err
    assert "interrupted by SIGTERM" in err and "Traceback" not in err
    checkpoint.load(checkpoint.latest(out))


@pytest.mark.slow
def test_a_second_ctrl_c_exits_at_once_and_corrupts_nothing(tmp_path):
    out = tmp_path / "run"
    proc = start(out, "--checkpoint-every", "1")
    wait_for_log(proc)
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    state, tensors = checkpoint.load(checkpoint.latest(out))  # whatever was last is whole
    assert state["step"] >= 3 and any(k.startswith("net/generator/") for k in tensors)

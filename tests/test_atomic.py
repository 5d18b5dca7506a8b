"""Atomic writes: SIGKILL at random moments, a file-size limit and a full disk never break a checkpoint."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganzoo.training import checkpoint

SAVER = r"""
import sys, torch
from ganzoo.training import checkpoint
run, step = sys.argv[1], 0
if checkpoint.list_checkpoints(run):  # continue numbering like a resumed run does
    step = checkpoint.load(checkpoint.latest(run))[0]["step"]
while True:
    step += 1
    tensors = {"w": torch.full((256, 256), float(step)), "b": torch.arange(step % 7 + 1.0)}
    checkpoint.save(run, step, {"step": step, "blob": "x" * 5000}, tensors, keep=3)
    print(step, flush=True)
"""


def check_loadable(run: Path) -> int:
    state, tensors = checkpoint.load(checkpoint.latest(run))
    assert float(tensors["w"][0, 0]) == state["step"]
    assert tensors["b"].numel() == state["step"] % 7 + 1
    return state["step"]


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_the_last_checkpoint_loadable(tmp_path):
    run = tmp_path / "run"
    rng = random.Random(7)
    last = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(run)], stdout=subprocess.PIPE,
                                text=True)
        assert proc.stdout is not None
        proc.stdout.readline()  # at least one save of this process is complete
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        step = check_loadable(run)
        assert step >= 1
        last = step
    assert last >= 1
    assert len(checkpoint.list_checkpoints(run)) <= 4  # keep 3 (+ one a kill left unpruned)


FULL = r"""
import resource, signal, sys, torch
from ganzoo.errors import GanzooError
from ganzoo.training import checkpoint
run = sys.argv[1]
checkpoint.save(run, 1, {"step": 1}, {"w": torch.zeros(4)})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
try:
    checkpoint.save(run, 2, {"step": 2}, {"w": torch.zeros(100000)})
except GanzooError as exc:
    print(exc)
    sys.exit(2)
"""


def test_a_failing_write_keeps_the_previous_checkpoint(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c", FULL, str(run)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    message = proc.stdout.strip()
    assert len(message.splitlines()) == 1 and "cannot write checkpoint" in message
    assert "previous checkpoint is intact" in message
    state, tensors = checkpoint.load(checkpoint.latest(run))
    assert state["step"] == 1 and tensors["w"].numel() == 4
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["latest", "step-000001"] or \
        sorted(p.name for p in (run / "checkpoints").iterdir()) == ["latest", "step-000001"]


def test_disk_full_during_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    import errno

    import safetensors.torch
    import torch

    run = tmp_path / "run"
    checkpoint.save(run, 1, {"step": 1}, {"w": torch.ones(3)})
    real = safetensors.torch.save_file

    def full_disk(tensors, path, metadata=None):  # writes part of the file, then the disk is full
        real(tensors, path, metadata=metadata)
        with open(path, "r+b") as fh:
            fh.truncate(10)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(safetensors.torch, "save_file", full_disk)
    with pytest.raises(checkpoint.CheckpointError, match="No space left on device"):
        checkpoint.save(run, 2, {"step": 2}, {"w": torch.ones(3) * 2})
    state, tensors = checkpoint.load(checkpoint.latest(run))
    assert state["step"] == 1 and torch.equal(tensors["w"], torch.ones(3))
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["latest", "step-000001"]


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_run_folder_follows_the_umask(tmp_path, umask):
    """Weights, checkpoints and their folders get the modes every other file gets (0644/0755
    under umask 022), not mkstemp's or safetensors' private 0600/0700."""
    import os
    import stat
    import subprocess
    import sys

    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "ganzoo", "train", "mlp-gan", "digits", "--max-steps", "2",
         "--set", "image_size=8", "--ema", "0", "--out", str(out)],
        capture_output=True, text=True, preexec_fn=lambda: os.umask(umask), timeout=300)
    assert proc.returncode == 0, proc.stderr
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [out, *out.rglob("*")]}
    assert "model.safetensors" in modes and any(k.endswith("tensors.safetensors") for k in modes)
    want = {p: (0o777 if (out / p).is_dir() else 0o666) & ~umask for p in modes}
    assert modes == want

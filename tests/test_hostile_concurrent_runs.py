"""Two processes never train into one run folder.

A run holds an exclusive ``flock`` on ``RUN_DIR/.ganzoo.lock`` (holding its pid) for its whole
life; a second ``ganzoo train --out`` of that folder, or a ``--resume`` of it, stops with one line
naming the pid, exit 2, before it trains. Everything here is real processes: the first run is
held mid-training with SIGSTOP (it keeps its lock, as a busy run does) while the others start.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganzoo.training.rundir import LOCK_NAME

TINY = ["dcgan", "digits", "--set", "nz=8", "--set", "ngf=4", "--set", "ndf=4", "--batch-size", "16",
        "--log-every", "1000", "--device", "cpu"]


def _start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    """``python -m ganzoo ARGS`` in the background (output to a file: a stopped process must not
    block on a full pipe)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as fh:
        return subprocess.Popen([sys.executable, "-m", "ganzoo", *args], cwd=cwd, env=env,
                                stdout=fh, stderr=subprocess.STDOUT)


def _wait_until(check, proc: subprocess.Popen, log: Path, what: str, timeout: float = 240) -> None:
    end = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"the first run ended (exit {proc.returncode}) before {what}:\n{log.read_text()}")
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _holds_lock(folder: Path, pid: int) -> bool:
    """The lock file names ``pid``: that process wrote it after taking the lock."""
    try:
        return (folder / LOCK_NAME).read_text().strip() == str(pid)
    except OSError:
        return False


def _locked_by_someone(folder: Path) -> bool:
    with open(folder / LOCK_NAME, "rb") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def _finish(proc: subprocess.Popen, log: Path) -> str:
    try:
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert proc.returncode == 0, text
    return text


def _refused_with_pid(res, folder_arg: str, pid: int) -> None:
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith(f"ganzoo: error: {folder_arg} is in use by another ganzoo run (pid {pid}, "), lines[0]
    assert "training " not in res.stdout  # it never started


def test_a_second_trainer_and_a_resume_are_refused_while_a_run_holds_its_folder(run_cli, tmp_path):
    run = tmp_path / "run"
    first = _start(["train", *TINY, "--max-steps", "40", "--checkpoint-every", "2", "--out", str(run)],
                   tmp_path, tmp_path / "first.log")
    try:
        _wait_until(lambda: (run / "checkpoints" / "latest").is_file() and _holds_lock(run, first.pid),
                    first, tmp_path / "first.log", "its first checkpoint")
        first.send_signal(signal.SIGSTOP)  # busy: mid-run, lock held
        assert _locked_by_someone(run)
        before = sorted(p.name for p in (run / "checkpoints").iterdir())

        resume = run_cli("train", "--resume", str(run), "--max-steps", "60", timeout=120)
        _refused_with_pid(resume, f"--resume {run}", first.pid)
        # a second fresh run on the same --out is refused too, naming the holder
        again = run_cli("train", *TINY, "--max-steps", "4", "--out", str(run), timeout=120)
        _refused_with_pid(again, f"--out {run}", first.pid)
        assert sorted(p.name for p in (run / "checkpoints").iterdir()) == before  # nobody wrote
    finally:
        first.send_signal(signal.SIGCONT)
    _finish(first, tmp_path / "first.log")
    config = json.loads((run / "config.json").read_text())
    assert config["train"]["steps_done"] == 40
    assert not (run / LOCK_NAME).exists()  # released with the run

    # A resume holds the folder the same way against a second resume; then it finishes.
    second = _start(["train", "--resume", str(run), "--max-steps", "80"], tmp_path, tmp_path / "second.log")
    try:
        _wait_until(lambda: _holds_lock(run, second.pid), second, tmp_path / "second.log", "the resume's lock")
        second.send_signal(signal.SIGSTOP)
        other = run_cli("train", "--resume", str(run), "--max-steps", "90", timeout=120)
        _refused_with_pid(other, f"--resume {run}", second.pid)
    finally:
        second.send_signal(signal.SIGCONT)
    assert "resuming" in _finish(second, tmp_path / "second.log")
    assert json.loads((run / "config.json").read_text())["train"]["steps_done"] == 80
    assert not (run / LOCK_NAME).exists()


def test_two_trainers_started_together_on_one_out(tmp_path):
    """Both pass the "--out is empty" check; exactly one trains, the other stops in one line."""
    run = tmp_path / "run"
    args = ["train", *TINY, "--max-steps", "6", "--out", str(run)]
    procs = [_start(args, tmp_path, tmp_path / f"{i}.log") for i in range(2)]
    for p in procs:
        p.wait(timeout=300)
    codes = sorted(p.returncode for p in procs)
    logs = {p.pid: (tmp_path / f"{i}.log").read_text() for i, p in enumerate(procs)}
    assert codes == [0, 2], logs  # before the lock: [0, 0], one folder, two runs' files
    winner = next(p for p in procs if p.returncode == 0)
    loser = next(p for p in procs if p.returncode == 2)
    line = logs[loser.pid].strip().splitlines()[-1]
    # Which check stops it depends on timing: the lock (naming the winner) or, if the winner
    # had already locked the folder, the "not empty" check.
    assert line in (f"ganzoo: error: --out {run} is in use by another ganzoo run (pid {winner.pid}, "
                    f"lock {run / LOCK_NAME}); wait for it to finish (or stop it), or pick another --out",
                    f"ganzoo: error: --out {run} already exists and is not empty; pick a new folder "
                    f"(runs are never overwritten)"), logs[loser.pid]
    assert json.loads((run / "config.json").read_text())["train"]["steps_done"] == 6
    assert not (run / LOCK_NAME).exists()


def test_the_lock_file_is_not_a_run_file(tmp_path):
    """While held it holds the pid; push never names it; releasing removes it."""
    import ganzoo
    from ganzoo.api import push_files
    from ganzoo.training import rundir
    from ganzoo.weights import save_folder

    model = ganzoo.create_model("dcgan", channels=1, image_size=16, nz=8, ngf=4, ndf=4)
    folder = save_folder(model, tmp_path / "f", {"model": "dcgan", "dataset": {"name": "digits"}})
    lock = rundir.lock_run_dir(folder, f"--out {folder}")
    assert lock is not None and (folder / LOCK_NAME).read_text() == f"{os.getpid()}\n"
    assert rundir.lock_run_dir(folder, f"--out {folder}") is lock  # this process holds it already
    assert _locked_by_someone(folder)
    config = json.loads((folder / "config.json").read_text())
    assert LOCK_NAME not in push_files(folder, config)
    assert "model.safetensors" in push_files(folder, config)
    lock.release()
    assert not (folder / LOCK_NAME).exists()

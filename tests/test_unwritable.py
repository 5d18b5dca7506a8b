"""An output that cannot be written is one line and exit 2, found before the work: a read-only
folder (an immutable one: the tests run as root, whom plain permissions do not stop), an
over-long name. Nothing is trained first, and nothing is left behind."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def read_only(tmp_path: Path):
    """An empty folder nobody (root included) can create files in: ``chattr +i``."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("this file system has no immutable attribute")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def _one_line(res, *parts: str) -> str:
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def test_train_into_a_read_only_out_fails_before_training(run_cli, read_only):
    res = run_cli("train", "mlp-gan", "digits", "--out", "ro", "--max-steps", "1")
    _one_line(res, "cannot write the run folder ro", "pick a writable --out")
    assert "Loss_D" not in res.stdout  # refused before the first step
    res = run_cli("train", "mlp-gan", "digits", "--max-steps", "1", cwd=read_only)  # runs/ here
    _one_line(res, "cannot write the run folder runs")


def test_sample_convert_and_long_names_are_one_line(run_cli, read_only, tmp_path):
    _one_line(run_cli("sample", "dcgan.digits", "--n", "4", "--out", "ro/g.png"), "ro/g.png")
    _one_line(run_cli("sample", "dcgan.digits", "--n", "4", "--out-dir", "ro/each"), "ro/each")
    long = "a" * 300
    _one_line(run_cli("sample", "dcgan.digits", "--n", "4", "--out", f"{long}.png"), "too long")
    _one_line(run_cli("train", "mlp-gan", "digits", "--out", long, "--max-steps", "1"), "too long")
    import torch

    import ganzoo

    torch.save(ganzoo.create_model("lstm-regressor").state_dict(), tmp_path / "net.pth")
    _one_line(run_cli("convert", "net.pth", "lstm-regressor", "--out", "ro/lstm"), "ro/lstm")
    assert list(read_only.iterdir()) == []

"""Every row of docs/errors.md, through the real CLI: exit 2, one line, no traceback, nothing written.

ROWS is the single source: docs/errors.md must list exactly these ids and example commands
(``python tests/test_errors_table.py`` prints the table's rows from real runs).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "errors.md"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _garbage_weights(root: Path) -> None:
    (root / "w").mkdir()
    (root / "w" / "config.json").write_text(json.dumps({"model": "mlp-gan", "hparams": {}}))
    (root / "w" / "model.safetensors").write_bytes(b"\x00" * 100)


def _bad_config(root: Path) -> None:
    (root / "w").mkdir()
    (root / "w" / "config.json").write_text("{not json")


def _fake_run(root: Path) -> None:
    import torch

    from ganzoo.training import checkpoint

    checkpoint.save(root / "run", 5, {"options": {"model": "mlp-gan", "dataset": "digits"}},
                    {"x": torch.zeros(1)})


def _corrupt_run(root: Path) -> None:
    _fake_run(root)
    (root / "run" / "checkpoints" / "step-000005" / "state.json").write_text("{")


def _file(root: Path) -> None:
    (root / "file.txt").write_text("not a folder")


def _tampered_cifar10(root: Path) -> None:
    """CIFAR-10 batches whose first file runs ``touch pwned`` when unpickled (the md5 differs)."""
    import pickle

    from formats import write_cifar10

    class RunsCode:
        def __reduce__(self):
            return (os.system, ("touch pwned",))

    write_cifar10(root / "data")
    (root / "data" / "cifar-10-batches-py" / "data_batch_1").write_bytes(
        pickle.dumps({"labels": RunsCode(), "data": b""}))


def _full_out(root: Path) -> None:
    (root / "taken").mkdir()
    (root / "taken" / "keep.txt").write_text("mine")


@dataclass
class Row:
    id: str
    mistake: str
    args: list[str]
    expect: str
    setup: Callable[[Path], None] | None = None
    env: Callable[[], dict[str, str]] | None = None

    @property
    def example(self) -> str:
        return "ganzoo " + " ".join(self.args)


ROWS = [
    Row("unknown-model", "unknown model name", ["train", "dcgn", "digits"], "unknown model 'dcgn'"),
    Row("unknown-dataset", "unknown dataset name", ["train", "dcgan", "digitz"], "unknown dataset 'digitz'"),
    Row("unknown-loss", "unknown loss name", ["train", "dcgan", "digits", "--loss", "bce2"], "unknown loss 'bce2'"),
    Row("unknown-info", "unknown name for info", ["info", "mlpgan"], "unknown"),
    Row("unknown-setting", "unknown --set key", ["train", "dcgan", "digits", "--set", "ngff=3"], "unknown setting 'ngff'"),
    Row("set-type", "--set value of the wrong type", ["train", "dcgan", "digits", "--set", "ngf=abc"], "ngf"),
    Row("set-format", "--set without =", ["train", "dcgan", "digits", "--set", "ngf"], "ngf"),
    Row("bad-lr", "negative learning rate", ["train", "dcgan", "digits", "--lr", "-1"], "--lr must be > 0"),
    Row("bad-betas", "one beta instead of two", ["train", "dcgan", "digits", "--betas", "0.5"], "--betas expects two numbers"),
    Row("bad-epochs", "zero epochs", ["train", "dcgan", "digits", "--epochs", "0"], "--epochs must be >= 1"),
    Row("not-a-number", "text where a number goes", ["train", "dcgan", "digits", "--batch-size", "many"], "many"),
    Row("bad-checkpoint-every", "zero --checkpoint-every", ["train", "dcgan", "digits", "--checkpoint-every", "0"], "--checkpoint-every must be >= 1"),
    Row("bad-augment", "unknown DiffAugment policy", ["train", "dcgan", "digits", "--augment", "flip"], "--augment: unknown policy 'flip'"),
    Row("augment-not-gan", "--augment for a model without a discriminator", ["train", "classifier", "digits", "--augment", "translation"], "--augment applies to adversarial or conditional models"),
    Row("bad-ema", "EMA decay outside [0, 1)", ["train", "mlp-gan", "digits", "--ema", "1.5"], "--ema must be in [0, 1)"),
    Row("bad-lr-decay", "--lr-decay outside [0, 1)", ["train", "dcgan", "digits", "--lr-decay", "1.2"], "--lr-decay must be in [0, 1), got 1.2"),
    Row("bad-device", "unknown device", ["train", "dcgan", "digits", "--device", "gpu"], "--device must be one of"),
    Row("missing-data", "dataset folder that does not exist", ["train", "dcgan", "celeba", "--data-root", "nowhere"], "nowhere"),
    Row("tampered-cifar10", "a CIFAR-10 batch file that would run code", ["train", "dcgan-cifar", "cifar10", "--data-root", "data"],
        "asks to load posix.system,", _tampered_cifar10),
    Row("shape-conflict", "setting that contradicts the data", ["train", "classifier", "digits", "--set", "num_classes=5"], "conflicts with dataset"),
    Row("batch-too-big", "batch larger than the dataset", ["train", "mlp-gan", "digits", "--batch-size", "100000"], "--batch-size 100000 is larger"),
    Row("out-not-empty", "--out folder already in use", ["train", "mlp-gan", "digits", "--out", "taken"], "already exists and is not empty", _full_out),
    Row("out-unwritable", "--out below a file", ["train", "mlp-gan", "digits", "--max-steps", "1", "--out", "file.txt/run"], "file.txt", _file),
    Row("no-weights-folder", "weights folder that does not exist", ["sample", "./nope"], "no such weights folder"),
    Row("bad-weights-file", "corrupt model.safetensors", ["sample", "w"], "corrupt or truncated safetensors", _garbage_weights),
    Row("bad-config", "config.json that is not JSON", ["sample", "w"], "invalid JSON", _bad_config),
    Row("label-out-of-range", "a class the conditional model does not have", ["sample", "cdcgan.digits", "--labels", "12"], "label 12 is out of range"),
    Row("labels-not-conditional", "--labels for an unconditional GAN", ["sample", "dcgan.digits", "--labels", "3"], "--labels applies to conditional models"),
    Row("conditional-unlabelled", "a conditional GAN on data without labels", ["train", "cgan", "sine"], "has no labels"),
    Row("unknown-pretrained", "unknown pretrained name", ["sample", "dcgan.digitz"], "unknown pretrained 'dcgan.digitz'"),
    Row("hub-unreachable", "Hub that cannot be reached", ["sample", "someone/some-model"], "someone/some-model",
        None, lambda: {"HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}", "HF_HUB_DISABLE_XET": "1",
                       "HF_HUB_ETAG_TIMEOUT": "2", "HF_HUB_DOWNLOAD_TIMEOUT": "2"}),
    Row("resume-not-a-run", "--resume of a folder that is not a run", ["train", "--resume", "."], "not a ganzoo run folder"),
    Row("resume-missing", "--resume of a folder that does not exist", ["train", "--resume", "nope"], "no such folder"),
    Row("resume-other-model", "--resume with a different model", ["train", "dcgan", "--resume", "run"], "trains model 'mlp-gan', not 'dcgan'", _fake_run),
    Row("resume-changed-setting", "--resume with a changed setting", ["train", "--resume", "run", "--lr", "0.1"], "--lr cannot change on resume", _fake_run),
    Row("resume-corrupt", "--resume of a damaged checkpoint", ["train", "--resume", "run"], "unreadable checkpoint state", _corrupt_run),
]


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() or p.is_dir()}


def run(row: Row, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", **(row.env() if row.env else {})}
    return subprocess.run([sys.executable, "-m", "ganzoo", *row.args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_row(row: Row, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    if row.setup:
        row.setup(work)
    before = snapshot(work)
    result = run(row, work)
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ganzoo: error: ") and "Traceback" not in result.stderr
    assert row.expect in lines[0], lines[0]
    assert snapshot(work) == before  # nothing written or overwritten
    assert not (work / "runs").exists()


def _doc_rows() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`([a-z0-9-]+)`\s*\|[^|]*\|\s*`([^`]*)`\s*\|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def test_docs_list_exactly_these_rows() -> None:
    assert _doc_rows() == {r.id: r.example for r in ROWS}


if __name__ == "__main__":  # print the doc table from real runs
    import tempfile

    print("| id | mistake | example | message |\n|---|---|---|---|")
    for row in ROWS:
        with tempfile.TemporaryDirectory() as d:
            if row.setup:
                row.setup(Path(d))
            msg = run(row, Path(d)).stderr.strip().replace("|", "\\|")
            msg = msg.replace(d, "…")
        print(f"| `{row.id}` | {row.mistake} | `{row.example}` | {msg} |")

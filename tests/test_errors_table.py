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


def _edited_weights(edit: Callable[[dict], None] | None = None, raw: str | None = None) -> Callable[[Path], None]:
    """A copy of the shipped dcgan.digits folder as ``w`` with its config.json edited."""

    def setup(root: Path) -> None:
        import shutil

        from ganzoo.api import resolve

        shutil.copytree(resolve("dcgan.digits"), root / "w")
        config = root / "w" / "config.json"
        if raw is not None:
            config.write_text(raw)
            return
        data = json.loads(config.read_text())
        edit(data)
        config.write_text(json.dumps(data))

    return setup


def _deep_config(root: Path) -> None:
    _edited_weights(lambda c: None)(root)
    text = (root / "w" / "config.json").read_text()
    (root / "w" / "config.json").write_text(text.replace('"train": {', '"train": ' + "[" * 200_000 + "]" * 200_000
                                                         + ', "x": {', 1))


def _huge_config(root: Path) -> None:
    _edited_weights(lambda c: None)(root)
    with (root / "w" / "config.json").open("a") as fh:
        fh.write(" " * (33 * 2**20))


def _hand_edited_state(root: Path) -> None:
    import torch

    from ganzoo.training import checkpoint

    checkpoint.save(root / "run", 5, {"options": {"model": "mlp-gan", "dataset": "digits"}, "step": 5,
                                      "epoch": 0, "position": -3, "train_size": 1437, "batch_size": 64,
                                      "networks": ["discriminator", "generator"], "stepper": {}, "rng": {}},
                    {"x": torch.zeros(1)})


def _only_bombs(root: Path) -> None:
    from formats import zip_with_bombs

    zip_with_bombs(root / "img_align_celeba.zip", [], {"a.jpg": 8 << 20, "b.jpg": 65 << 20})


def _faces(root: Path) -> None:
    from formats import write_jpegs

    write_jpegs(root / "faces" / "img_align_celeba", 100, size=(40, 48))
    (root / "cache" / "datasets").mkdir(parents=True)  # a cache in use already; the failed entry leaves nothing


def _text(name: str, content: str | bytes) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        path = root / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())

    return setup


def _run_file_and_old_run(root: Path) -> None:
    (root / "run.toml").write_text('model = "dcgan"\n')
    (root / "old").mkdir()


def _pixel_bomb(root: Path) -> None:
    from formats import png_1bit

    png_1bit(root / "bomb.png", 20_000, 20_000)  # 400 M pixels, over twice PIL's limit; 50 kB


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
    #: RLIMIT_FSIZE for the command (bytes), to stand for a disk that fills up.
    fsize: int | None = None

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
    Row("checkpoint-wrong-type", "a hand-edited checkpoint with a negative position", ["train", "--resume", "run"],
        "'position' must be an integer >= 0, got -3", _hand_edited_state),
    Row("run-unfinished", "sample a run that has not saved its weights", ["sample", "run"],
        "this run has no weights yet", _fake_run),
    Row("hparam-out-of-bounds", "config.json asks for nz=6,000,000", ["sample", "w"],
        "setting 'nz' must be from 1 to 4,096, got 6000000", _edited_weights(lambda c: c["hparams"].update(nz=6_000_000))),
    Row("hparam-null", "a config.json hyperparameter is null", ["sample", "w"], "setting 'nz' must be an int, got None",
        _edited_weights(lambda c: c["hparams"].update(nz=None))),
    Row("model-too-large", "every setting within bounds, the model too big", ["sample", "w"],
        "would have 22.9 billion parameters, above the limit of 1.0 billion",
        _edited_weights(lambda c: c["hparams"].update(ngf=1024, ndf=1024, max_mult=64, image_size=256))),
    Row("bad-max-params", "GANZOO_MAX_PARAMS is not a number", ["sample", "dcgan.digits"],
        "GANZOO_MAX_PARAMS='lots' must be a positive whole number", None, lambda: {"GANZOO_MAX_PARAMS": "lots"}),
    Row("config-wrong-type", "config.json value_range of strings", ["sample", "w"],
        "'dataset.value_range' must be two finite numbers", _edited_weights(lambda c: c["dataset"].update(
            value_range=["a", "b"]))),
    Row("config-too-deep", "config.json nested 200,000 levels", ["sample", "w"], "nested too deeply", _deep_config),
    Row("config-too-large", "config.json over 32 MiB", ["sample", "w"], "a ganzoo JSON file may have", _huge_config),
    Row("setting-out-of-bounds", "negative latent size", ["train", "mlp-gan", "digits", "--set", "latent_dim=-1"],
        "setting 'latent_dim' must be from 1 to 4,096, got -1"),
    Row("loss-setting-out-of-bounds", "a real label of 1e300", ["train", "dcgan", "digits", "--set", "real_label=1e300"],
        "setting 'real_label' must be from 0 to 1"),
    Row("seed-too-large", "a seed above 2**63-1", ["train", "dcgan", "digits", "--seed", "99999999999999999999"],
        "--seed must be in [0, 9223372036854775807]"),
    Row("sample-n-too-large", "100 million samples", ["sample", "mlp-gan.digits", "--n", "100000000"],
        "100000000 is not in the range 1<=x<=10000"),
    Row("dataset-exceeds-memory", "generated data larger than the machine's memory",
        ["train", "dcgan", "fake", "--set", "size=10000000", "--set", "image_size=256", "--set", "channels=3"],
        "would take 1,831.2 GiB, more than this machine's"),
    Row("zip-bomb-only", "a CelebA zip whose images are all zip bombs", ["train", "dcgan", "celeba", "--data-root", "."],
        "every image inside img_align_celeba.zip is a zip bomb", _only_bombs),
    Row("cache-file-size-limit", "the dataset cache cannot be written (full disk, ulimit -f)",
        ["train", "dcgan", "celeba", "--data-root", "faces", "--cache-dir", "cache", "--max-steps", "1"],
        "the dataset cache of celeba needs", _faces, fsize=2**20),
    Row("runfile-unknown-key", "a misspelt key in a --config file", ["train", "--config", "run.toml"],
        "unknown key 'max_step' of run.toml — did you mean 'max_steps'?",
        _text("run.toml", 'model = "dcgan"\nmax_step = 3\n')),
    Row("runfile-with-resume", "--config with --resume", ["train", "--config", "run.toml", "--resume", "old"],
        "cannot be combined", _run_file_and_old_run),
    Row("runfile-missing", "a --config file that does not exist", ["train", "--config", "missing.toml"],
        "--config missing.toml: no such file"),
    Row("runfile-not-toml", "a --config file that is not TOML", ["train", "--config", "run.toml"], "not valid TOML",
        _text("run.toml", 'model = "dcgan\n')),
    Row("runfile-wrong-type", "a --config value of the wrong type", ["train", "--config", "run.toml"],
        "--epochs must be an integer >= 1, got 'five'", _text("run.toml", 'model = "dcgan"\nepochs = "five"\n')),
    Row("runfile-too-deep", "a --config file nesting arrays 500 deep", ["train", "--config", "run.toml"],
        "nest too deeply", _text("run.toml", "model = " + "[" * 500 + "\n" + "]" * 500 + "\n")),
    Row("runfile-too-large", "a --config file over 64 KiB", ["train", "--config", "run.toml"], "larger than 64 KiB",
        _text("run.toml", ("# " + "x" * 1000 + "\n") * 100)),
    Row("logger-unknown", "a misspelt logger", ["train", "mlp-gan", "digits", "--logger", "tensorbord"],
        "unknown logger 'tensorbord' — did you mean 'tensorboard'?"),
    Row("logger-none-mixed", "--logger none with another logger",
        ["train", "mlp-gan", "digits", "--logger", "none", "--logger", "csv"], "--logger none turns every logger off"),
    Row("invalid-repo-id", "a repo id the Hub rejects, on push", ["push", "w", "alice/x--y"],
        "'alice/x--y' is not a valid Hub repo id", _edited_weights(lambda c: None)),
    Row("space-name-too-long", "push --space to a repo whose Space id would be too long",
        ["push", "w", "alice/" + "m" * 94, "--space"], "its Space would be", _edited_weights(lambda c: None)),
    Row("demo-unknown-model", "demo of a model that does not exist", ["demo", "dcgan.nope"],
        "unknown pretrained 'dcgan.nope'"),
    Row("invalid-repo-id-load", "a repo id the Hub rejects, on load", ["sample", "alice/-x"],
        "alice/-x: no such weights folder, nor a valid Hub repo id"),
    Row("predict-decompression-bomb", "an image over PIL's pixel limit", ["predict", "classifier.digits", "bomb.png"],
        "bomb.png: refused, too many pixels to decode safely", _pixel_bomb),
    Row("convert-not-a-checkpoint", "convert of a text file", ["convert", "notes.txt", "classifier", "--out", "out"],
        "notes.txt: not a checkpoint of a known kind", _text("notes.txt", "just some notes\n")),
    Row("convert-broken-pickle", "convert of a pickle that breaks the unpickler",
        ["convert", "broken.pth", "classifier", "--out", "out"], "broken.pth: not a checkpoint of a known kind",
        _text("broken.pth", b"\x80\x04K\x01K\x02h\x05")),
    Row("export-unknown-format", "an export format nothing registers",
        ["export", "dcgan.digits", "--format", "onxx", "--out", "g.onnx"], "unknown exporter 'onxx'"),
    Row("export-out-unwritable", "export --out inside a file",
        ["export", "dcgan.digits", "--format", "torchscript", "--out", "file.txt/g.pt"], "file.txt", _file),
]


def snapshot(root: Path) -> dict[str, tuple[int, int] | str]:
    # Folders by name only: a temporary file made and removed again changes a folder's mtime.
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else "dir"
            for p in root.rglob("*") if p.is_file() or p.is_dir()}


def run(row: Row, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg", **(row.env() if row.env else {})}
    limit = None
    if row.fsize is not None:
        def limit() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_FSIZE, (row.fsize, row.fsize))
    return subprocess.run([sys.executable, "-m", "ganzoo", *row.args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300, preexec_fn=limit)


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

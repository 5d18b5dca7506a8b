"""A tampered CIFAR-10 folder must not run code: batches that fail the md5 check are read through
a restricted unpickler, and a pickle that asks for any other global is refused with one line.

The attacks are real pickles whose ``__reduce__`` calls ``os.system`` / ``builtins.exec`` to
create a marker file; the marker must never appear.
"""

from __future__ import annotations

import builtins
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from formats import write_cifar10

FOLDER = "cifar-10-batches-py"


class _RunsCode:
    """Unpickling this calls ``func(arg)``: the classic pickle code-execution payload."""

    def __init__(self, func, arg: str) -> None:
        self.func, self.arg = func, arg

    def __reduce__(self):
        return (self.func, (self.arg,))


def _plant(root: Path, name: str, payload: _RunsCode, protocol: int) -> Path:
    """Replace batch ``name`` by a well-formed-looking batch carrying ``payload``."""
    path = root / FOLDER / name
    if name == "batches.meta":
        entry = {"label_names": payload, "num_cases_per_batch": 4, "num_vis": 3072}
    else:
        entry = {"labels": payload, "batch_label": name, "data": np.zeros((4, 3072), dtype=np.uint8),
                 "filenames": ["a.png"] * 4}
    path.write_bytes(pickle.dumps(entry, protocol=protocol))
    return path


ATTACKS = {
    "os-system-in-data-batch": ("data_batch_1", "posix.system", 4,
                                lambda marker: _RunsCode(os.system, f"touch {marker}")),
    # protocols 0-2 write Python 2 names: builtins.exec is pickled as __builtin__.exec
    "exec-in-test-batch-protocol-0": ("test_batch", "__builtin__.exec", 0,
                                      lambda marker: _RunsCode(builtins.exec,
                                                               f"open({str(marker)!r}, 'w').write('x')")),
    "exec-in-meta": ("batches.meta", "__builtin__.exec", 2,
                     lambda marker: _RunsCode(builtins.exec, f"open({str(marker)!r}, 'w').write('x')")),
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_a_batch_that_runs_code_is_refused_through_the_cli(run_cli, tmp_path, attack):
    name, forbidden, protocol, payload = ATTACKS[attack]
    marker = tmp_path / "pwned"
    write_cifar10(tmp_path / "data")
    path = _plant(tmp_path / "data", name, payload(marker), protocol)
    assert forbidden.split(".")[0].encode() in path.read_bytes()  # the payload is really there

    res = run_cli("train", "dcgan-cifar", "cifar10", "--data-root", str(tmp_path / "data"),
                  "--batch-size", "4", "--max-steps", "1", "--out", str(tmp_path / "run"))
    assert res.returncode == 2, res.stderr
    assert not marker.exists(), "the pickle's code ran"
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("ganzoo: error: dataset 'cifar10': refused "), res.stderr
    assert str(path) in lines[-1] and f"asks to load {forbidden}," in lines[-1]
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "run").exists()


def test_the_fixtures_legitimate_batches_still_train(run_cli, tmp_path):
    write_cifar10(tmp_path / "data")
    res = run_cli("train", "dcgan-cifar", "cifar10", "--data-root", str(tmp_path / "data"),
                  "--batch-size", "4", "--max-steps", "1", "--out", str(tmp_path / "run"))
    assert res.returncode == 0, res.stderr
    assert "differ from the official md5 sums" in res.stderr
    assert (tmp_path / "run" / "model.safetensors").is_file()


def test_a_batch_that_is_not_a_dict_is_one_line(tmp_path):
    from ganzoo.data import DataRequest, load_dataset
    from ganzoo.errors import DataError

    write_cifar10(tmp_path)
    (tmp_path / FOLDER / "data_batch_2").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(DataError, match=r"data_batch_2 is not a CIFAR-10 python batch \(it holds a list"):
        load_dataset("cifar10", DataRequest("cifar10", root=tmp_path, progress=False))

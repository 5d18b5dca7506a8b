"""``ganzoo train --config FILE`` and the ``run.toml`` every run folder holds.

A run's ``run.toml`` reproduces its weights bit for bit; the keys are the option table's (so
a new option, a task plugin's included, is expressible with no change here: the checks below
walk the table); flags on the command line override the file; a key that is not an option is
one line with the close match, exit 2. Hostile files (a folder, broken TOML, bytes that are not
UTF-8, a huge file, a value of the wrong type) are one line each, before anything loads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ganzoo import options, runconfig
from ganzoo.errors import ConfigError
from ganzoo.runconfig import tomllib  # the standard library's (tomli on Python 3.10)

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: A tiny DCGAN on digits: seconds per run on a 2-core CPU.
TINY = ["dcgan", "digits", "--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8", "--set", "image_size=16",
        "--max-steps", "3"]


def _one_line(result, *needles: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), result.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _weights(folder: Path) -> dict[str, bytes]:
    found = {p.name: p.read_bytes() for p in sorted(folder.glob("*.safetensors"))}
    assert "model.safetensors" in found, sorted(p.name for p in folder.iterdir())
    return found


@pytest.mark.slow
def test_run_toml_reproduces_the_run_bit_identically_and_flags_override_it(run_cli, tmp_path):
    first = run_cli("train", *TINY, "--out", "a")
    assert first.returncode == 0, first.stderr[-3000:]
    a = tmp_path / "a"
    written = tomllib.loads((a / "run.toml").read_text(encoding="utf-8"))
    assert written["model"] == "dcgan" and written["dataset"] == "digits" and written["max_steps"] == 3
    assert {k: written["set"][k] for k in ("ngf", "ndf", "nz", "image_size")} == \
        {"ngf": 4, "ndf": 4, "nz": 8, "image_size": 16}

    again = run_cli("train", "--config", str(a / "run.toml"), "--out", "b")
    assert again.returncode == 0, again.stderr[-3000:]
    b = tmp_path / "b"
    assert _weights(b) == _weights(a)  # every network, byte for byte
    # the reproduction's own run.toml is the same file: the round trip is a fixed point
    assert (b / "run.toml").read_text(encoding="utf-8") == (a / "run.toml").read_text(encoding="utf-8")

    # flags on the command line win over the file, key by key (nz here replaces the file's nz)
    other = run_cli("train", "--config", str(a / "run.toml"), "--out", "c", "--max-steps", "2",
                    "--set", "nz=6", "--seed", "3")
    assert other.returncode == 0, other.stderr[-3000:]
    c = tmp_path / "c"
    config = json.loads((c / "config.json").read_text(encoding="utf-8"))
    assert config["train"]["steps_done"] == 2 and config["train"]["seed"] == 3
    redone = tomllib.loads((c / "run.toml").read_text(encoding="utf-8"))
    assert redone["set"]["nz"] == 6 and redone["max_steps"] == 2 and redone["seed"] == 3
    assert {k: v for k, v in redone.items() if k not in ("max_steps", "seed", "set")} == \
        {k: v for k, v in written.items() if k not in ("max_steps", "seed", "set")}
    assert _weights(c)["model.safetensors"] != _weights(a)["model.safetensors"]


def _sample(opt) -> object:
    """A valid value of ``opt`` other than its default where its declaration says how."""
    if opt.type == "bool":
        return not opt.default
    if opt.type == "int":
        low = int(opt.min or 0) + 2
        return low if opt.max is None else min(low, int(opt.max))
    if opt.type == "float":
        low = float(opt.min or 0.0)
        high = float(opt.max) if opt.max is not None else low + 2.0
        return (low + high) / 2 + 0.125 * (high - low) / 2
    if opt.type == "pair":
        return [0.25, 0.75]
    if opt.type == "path":
        return "some/where"
    if opt.type == "list":
        return ["csv"]
    if opt.choices:
        return opt.choices[-1]
    return opt.default


def test_every_option_of_the_table_is_a_key_of_the_file(tmp_path):
    """Derived from the option table: each option (the tasks' too) written to a file, as
    ``run.toml`` writes it and with its flag's dashes, reads back as the same value."""
    table = options.table("train")
    assert {"epochs", "max_steps", "logger", "lr_decay"} <= set(table)
    checked = 0
    for name, opt in table.items():
        value = _sample(opt)
        if value is None:  # a free string with no default (--loss): a registered name
            value = "bce" if name == "loss" else pytest.fail(f"no sample value for {opt.flag_name}")
        for key in (name, opt.flag_name[2:]):
            path = tmp_path / f"{key}.toml"
            path.write_text(runconfig.dumps({key: value}), encoding="utf-8")
            got = runconfig.read(path)
            assert got.options == {name: options.coerce(opt, value)}, (key, got.options)
            checked += 1
    assert checked == 2 * len(table)
    # the file's own keys and [set], typed as TOML types them
    path = tmp_path / "top.toml"
    path.write_text(runconfig.dumps({"model": "dcgan", "dataset": "digits", "nproc": 2,
                                     "set": {"nz": 8, "loss.real_label": 0.9, "model.channels": 1}}),
                    encoding="utf-8")
    got = runconfig.read(path)
    assert (got.model, got.dataset, got.nproc) == ("dcgan", "digits", 2)
    assert got.settings == {"nz": 8, "loss.real_label": 0.9, "model.channels": 1}


def test_run_toml_holds_every_option_the_run_used():
    """What ``run.toml`` writes for a resolved run: every option with a value except --out,
    the recipe's included (derived from the table), and the recorded command's --set values."""
    opts = options.resolve("dcgan", "digits", {"nz": "8"}, {"max_steps": 3, "logger": ("csv",)}, runs_dir=None)
    data = tomllib.loads(runconfig.dumps(runconfig.run_config(opts)))
    used = {name for name, value in opts.values.items() if value is not None and name != "out"}
    assert set(data) - {"model", "dataset", "set"} == used
    assert data["set"]["nz"] == 8 and isinstance(data["set"]["nz"], int)
    for name in used:  # each value reads back as the run's
        assert options.coerce(options.table("train")[name], data[name]) == opts.values[name], name
    assert "out" not in data and "nproc" not in data


def test_strings_that_toml_escapes_round_trip(tmp_path):
    nasty = 'quote " back \\ tab \t newline \n del \x7f é☃\U0001f600 [x] = y # z'
    path = tmp_path / "s.toml"
    path.write_text(runconfig.dumps({"data_root": nasty, "set": {"a.b c": nasty}}), encoding="utf-8")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data == {"data_root": nasty, "set": {"a.b c": nasty}}
    with pytest.raises(ConfigError):
        runconfig.dumps({"data_root": "bad \udcff"})


def test_the_documented_example_file_is_accepted(tmp_path):
    """docs/training.md's commented example is a valid run file (every key in it is known)."""
    text = (DOCS / "training.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    assert blocks, "docs/training.md shows no ```toml example"
    path = tmp_path / "example.toml"
    path.write_text(blocks[0], encoding="utf-8")
    got = runconfig.read(path)
    assert got.model and got.options and got.settings


def test_an_unknown_key_is_one_line_with_the_close_match(run_cli, tmp_path):
    (tmp_path / "run.toml").write_text('model = "dcgan"\nmax_step = 3\n', encoding="utf-8")
    _one_line(run_cli("train", "--config", "run.toml"), "unknown key 'max_step'", "run.toml",
              "did you mean 'max_steps'")
    assert not (tmp_path / "runs").exists()


def test_config_and_resume_together_are_refused(run_cli, tmp_path):
    (tmp_path / "run.toml").write_text('model = "dcgan"\n', encoding="utf-8")
    (tmp_path / "old").mkdir()
    _one_line(run_cli("train", "--config", "run.toml", "--resume", "old"), "--config", "--resume",
              "drop --config")


HOSTILE = {
    "a-folder": (None, "is a folder"),
    "missing": (None, "no such file"),
    "broken-toml": (b'model = "dcgan\n', "not valid TOML"),
    "not-utf8": (b'model = "dcg\xff\xfean"\n', "not UTF-8"),
    "huge": (b"\n".join([b"# " + b"x" * 1000] * 100), "larger than 64 KiB"),
    "long-line": (b'model = "' + b"x" * 2000 + b'"\n', "line 1 is 2,010 characters long"),
    "long-dotted-key": (b"epochs." + b".".join([b"x"] * 2000) + b" = 1\n", "line 1 is 4,010 characters"),
    "deep-nesting": (b"model = " + b"[" * 500 + b"\n" + b"]" * 500 + b"\n", "nest too deeply"),
    "deep-inline-tables": (b"model = [" + b"\n".join([b"{a = ["] * 700) + b"1" + b"\n".join([b"]}"] * 700)
                           + b"]\n", "nest too deeply"),
    "deep-dotted-key": (b"epochs." + b".".join([b"x"] * 500) + b" = 1\n", "epochs is a table"),
    "wrong-type": (b'model = "dcgan"\nepochs = "five"\n', "--epochs must be an integer"),
    "negative": (b'model = "dcgan"\nbatch_size = -4\n', "--batch-size must be >= 1"),
    "nan": (b'model = "dcgan"\nlr = nan\n', "--lr must be a finite number"),
    "date": (b'model = "dcgan"\nseed = 2024-01-01\n', "--seed must be an integer"),
    "model-not-a-name": (b"model = 3\n", "model must be a name"),
    "nproc-zero": (b'model = "dcgan"\nnproc = 0\n', "nproc must be an integer >= 1"),
    "set-not-a-table": (b'model = "dcgan"\nset = 3\n', "set must be a table"),
    "set-nested-list": (b'model = "dcgan"\n[set]\nnz = [1, 2]\n', "[set] nz must be a string"),
    "set-deep-table": (b'model = "dcgan"\n[set.model.x]\ny = 1\n', "[set] model.x must be a string"),
    "set-inf": (b'model = "dcgan"\n[set]\nlr = inf\n', "[set] lr must be a string, a finite number"),
    "unknown-setting": (b'model = "dcgan"\n[set]\nnzz = 3\n', "did you mean 'nz'"),
    "unknown-logger": (b'model = "dcgan"\nlogger = ["tensorbord"]\n', "did you mean 'tensorboard'"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_config_file_is_one_line(run_cli, tmp_path, case):
    content, needle = HOSTILE[case]
    path = tmp_path / "run.toml"
    if case == "a-folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    _one_line(run_cli("train", "--config", "run.toml"), needle)
    assert not (tmp_path / "runs").exists()  # refused before a run folder was made

"""Property: whatever a user types, every ``ganzoo`` verb exits 0, 2 or 3, never with a traceback.

Hypothesis builds command lines for every verb from a valid base (so the hostile value is what
gets checked, not a missing argument) plus hostile option values, ``--set`` settings and
positional arguments: negative, zero, huge and non-finite numbers, numbers too large for 64 bits,
empty and very long strings, path traversal, undecodable bytes. Each runs in a worker process
(tests/cli_worker.py) capped at ``CAP`` bytes of address space with ``resource.setrlimit``: a
hostile size that allocates before it is checked fails there as it would on a small machine.
Exit 1 (an exception escaped), a traceback on stderr, or peak RSS above ``RSS_CAP`` fails.

``GANZOO_PROPERTY_EXAMPLES=N`` runs N examples (default 120); ``GANZOO_PROPERTY_LOG=FILE`` appends
each command line, its exit code and the end of its stderr to FILE, to see what was tried.

Every value the test writes stays inside pytest's temporary folder: absolute paths are never
generated, and relative ones resolve below a per-example working folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ganzoo
from ganzoo.api import resolve

HERE = Path(__file__).resolve().parent
CAP = 8 * 2**30  # address space: torch maps ~1.5 GiB of libraries, the ONNX exporter ~0.5 GiB more
RSS_CAP = 2 * 2**30
ANSWER_TIMEOUT = 240  # seconds for one command line; a hang fails the test

# Values that broke or could break a parser, a bound or an allocation (issue #19).
NASTY = ["-1", "0", "-0", "1", "-5", "4096", "1e300", "-1e300", "1e-320", "nan", "inf", "-inf",
         "99999999999999999999", str(2**63), str(-(2**63) - 1), "1e10", "1e11", "100000000", "0x10",
         "1_000", "", " ", "abc", "null", "true", "[]", "{}", "1,2,3", ",", "0,1", "1,0", "nan,1", "a,b",
         "..", "../x", "./", "-", "--", "=", "a=b", "é☃\U0001f600", "\udcff\udcfe", "x" * 300, "%s%n",
         "1\n2", "alice/..", "alice/x--y", "alice/-x", "a/" + "b" * 100]
nasty = st.one_of(st.sampled_from(NASTY), st.integers(-(2**70), 2**70).map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=16))
# What a user could write as an argument that names a file: relative, so it stays in the sandbox.
nasty_arg = nasty.filter(lambda v: not v.startswith("/") and not v.startswith("~"))

#: Train/summary bases: (model, dataset, setting keys the three of model, dataset and loss know).
TRAIN_BASES = [
    ("mlp-gan", "digits", ["latent_dim", "channels", "image_size", "bn_eps", "real_label", "limit"]),
    ("dcgan", "digits", ["nz", "ngf", "ndf", "channels", "image_size", "max_mult", "real_label"]),
    ("classifier", "fake", ["channels", "image_size", "num_classes", "hidden", "size", "test_size",
                            "label_smoothing"]),
    ("lstm-regressor", "sine", ["input_size", "hidden_size", "num_layers", "seq_len", "points", "noise"]),
    ("cgan", "digits", ["latent_dim", "num_classes", "image_size", "bn_eps"]),
]


def _options(verb: str) -> dict[str, bool]:
    """Every option of ``verb`` (name -> is a flag), read from the CLI itself: new options join."""
    import click

    from ganzoo.cli import cli

    cmd = cli.commands[verb]
    ctx = click.Context(cmd, info_name=verb)
    return {p.opts[0]: bool(getattr(p, "is_flag", False)) for p in cmd.get_params(ctx)
            if isinstance(p, click.Option) and p.opts[0] not in ("--help", "--debug")}


# The bases run a real command to its end when no hostile value stops it: keep that short.
BOUNDED = {"train": ["--max-steps", "1", "--batch-size", "16"], "eval": ["--n", "16"], "sample": ["--n", "4"]}
# Options that would only make a valid command long (never unsafe): a hostile value is still tried
# through the bases' own values above, which come first and are overridden when generated.
SLOW_WHEN_VALID = {"train": {"--nproc", "--compile"}, "eval": {"--inception-weights"}}


@st.composite
def command_lines(draw: st.DrawFn, shared: dict[str, str]) -> list[str]:
    verb = draw(st.sampled_from(sorted(_VERBS)))
    base: list[str]
    keys: list[str] = []
    if verb in ("train", "summary"):
        model, dataset, keys = draw(st.sampled_from(TRAIN_BASES))
        base = [model, dataset]
    elif verb == "info":
        base = [draw(st.sampled_from(["mlp-gan", "digits", "adversarial", "bce", "mlp-gan.digits"]))]
    elif verb == "list":
        base = []
    elif verb in ("sample", "eval"):
        base = [draw(st.sampled_from([shared["gan"], shared["cgan"], shared["classifier"]]))]
    elif verb == "predict":
        base = [shared["classifier"], shared["png"]]
    elif verb == "push":
        base = [shared["gan"], "alice/x"]
    elif verb == "demo":
        base = [draw(st.sampled_from([shared["gan"], shared["cgan"], shared["classifier"]]))]
    elif verb == "export":  # torchscript: the ONNX exporter's imports (torch._dynamo, triton) would take
        # ~0.5 GiB of the capped worker's address space for every later example; tests/test_export.py runs it
        base = [draw(st.sampled_from([shared["gan"], shared["cgan"], shared["classifier"]])), "--format",
                "torchscript", "--out", "model.pt"]
    else:  # convert
        base = [shared["state_dict"], "mlp-gan", "--out", "converted"]
    if base and draw(st.booleans()):  # a hostile positional instead of a valid one
        base[draw(st.integers(0, len(base) - 1))] = draw(nasty_arg)
    argv = [verb, *base, *BOUNDED.get(verb, [])]
    options = {k: v for k, v in _VERBS[verb].items() if k not in SLOW_WHEN_VALID.get(verb, set())}
    for name in draw(st.lists(st.sampled_from(sorted(options)), max_size=3, unique=True)):
        if options[name]:
            argv.append(name)
        elif name == "--set":
            key = draw(st.one_of(st.sampled_from(keys or ["nz"]), nasty))
            argv += ["--set", f"{key}={draw(nasty)}"]
        else:
            argv += [name, draw(nasty_arg)]
    if verb == "demo":  # a valid page would serve until stopped: an address no machine has ends it
        argv += ["--host", "192.0.2.1"]  # (the last --host wins; test_demo.py serves real ones)
    return argv


_VERBS: dict[str, dict[str, bool]] = {v: _options(v) for v in
                                      ("list", "info", "summary", "train", "sample", "predict", "push",
                                       "convert", "eval", "export", "demo")}


def test_every_verb_is_covered() -> None:
    from ganzoo.cli import cli

    assert set(cli.commands) == set(_VERBS), "a new verb: add a base command line for it here"


class Worker:
    """The capped process that runs command lines (tests/cli_worker.py)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HERE / "cli_worker.py"), str(CAP)], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self._answer()) == {"ready": True}

    def _answer(self) -> str:
        import select

        ready, _, _ = select.select([self.proc.stdout], [], [], ANSWER_TIMEOUT)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            raise AssertionError(f"the worker hung or died (exit {self.proc.poll()})")
        return line

    def run(self, argv: list[str], cwd: Path) -> dict:
        self.proc.stdin.write(json.dumps({"argv": argv, "cwd": str(cwd)}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self._answer())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> dict[str, str]:
    """Real inputs the bases need: weights folders (copies: eval --write may write into them), a
    picture, a seed-style state dict."""
    import torch
    from PIL import Image

    root = tmp_path_factory.mktemp("cli-property")
    out = {}
    for key, name in (("gan", "mlp-gan.digits"), ("cgan", "cgan.digits"), ("classifier", "classifier.digits")):
        out[key] = str(shutil.copytree(resolve(name), root / name))
    Image.new("L", (8, 8), 128).save(root / "digit.png")
    out["png"] = str(root / "digit.png")
    model = ganzoo.load(out["gan"])
    torch.save(model.networks()[model.primary].state_dict(), root / "generator.pt")
    out["state_dict"] = str(root / "generator.pt")
    return out


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-property-home")
    env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_DISABLE_XET": "1", "HF_TOKEN": "hf_fake",
           "HF_HOME": str(home / "hf"), "HF_HUB_ETAG_TIMEOUT": "2", "HF_HUB_DOWNLOAD_TIMEOUT": "2",
           "GANZOO_HUB_TIMEOUT": "5", "MPLBACKEND": "Agg", "GANZOO_DEBUG": "0"}
    w = Worker(env)
    yield w
    w.close()


@pytest.mark.slow
def test_hostile_command_lines_exit_0_2_or_3_without_traceback(shared, worker, tmp_path):
    counter = iter(range(10**6))

    @settings(max_examples=int(os.environ.get("GANZOO_PROPERTY_EXAMPLES", "120")), deadline=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    @given(argv=command_lines(shared))
    def check(argv: list[str]) -> None:
        cwd = tmp_path / f"e{next(counter)}" / "a" / "b"  # "../x" stays inside tmp_path
        cwd.mkdir(parents=True)
        got = worker.run(argv, cwd)
        if os.environ.get("GANZOO_PROPERTY_LOG"):
            with open(os.environ["GANZOO_PROPERTY_LOG"], "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"argv": argv, "code": got["code"], "err": got["stderr"][-300:]}) + "\n")
        shown = " ".join(argv)[:300]
        assert got["code"] in (0, 2, 3), f"ganzoo {shown}: exit {got['code']}\n{got['stderr'][-3000:]}"
        assert "Traceback" not in got["stderr"], f"ganzoo {shown}:\n{got['stderr'][-3000:]}"
        if got["code"] == 2:
            errors = [line for line in got["stderr"].splitlines() if line.startswith("ganzoo: error: ")]
            assert len(errors) == 1, f"ganzoo {shown}:\n{got['stderr'][-3000:]}"
        assert got["peak_rss"] < RSS_CAP, f"ganzoo {shown}: peak RSS {got['peak_rss'] / 2**20:.0f} MiB"

    check()

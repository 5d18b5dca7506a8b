"""Exact resume: a run stopped mid-epoch and resumed ends with bit-identical weights."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import ganzoo
from ganzoo.errors import ConfigError
from ganzoo.training import checkpoint

SMALL = {"ngf": 4, "ndf": 4, "nz": 8, "image_size": 16}
KW = {"settings": SMALL, "epochs": 2, "batch_size": 64, "log_every": 4, "progress": False,
      "checkpoint_every": 5}
TOTAL = 26  # 22 batches per epoch: crosses one epoch end and stops inside epoch 2


def assert_same_weights(a: Path, b: Path) -> None:
    for name in ("model.safetensors", "discriminator.safetensors"):
        ta, tb = load_file(str(a / name)), load_file(str(b / name))
        assert ta.keys() == tb.keys()
        for key in ta:
            assert torch.equal(ta[key], tb[key]), f"{name}:{key} differs"
        # Tensor bytes are identical; the JSON header may order its metadata either way.
        ba, bb = (a / name).read_bytes(), (b / name).read_bytes()
        assert ba[8 + int.from_bytes(ba[:8], "little"):] == bb[8 + int.from_bytes(bb[:8], "little"):]


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("straight") / "run"
    ganzoo.train("dcgan", "digits", max_steps=TOTAL, out=out, keep_checkpoints=3, **KW)
    return out


@pytest.mark.slow
def test_stopped_mid_epoch_and_resumed_is_bit_identical(straight, tmp_path):
    out = tmp_path / "run"
    ganzoo.train("dcgan", "digits", max_steps=9, out=out, **KW)  # batch 9 of 22: mid-epoch
    state, _ = checkpoint.load(checkpoint.latest(out))
    assert (state["step"], state["epoch"], state["position"]) == (9, 0, 9)
    resumed = ganzoo.train("dcgan", resume=out, max_steps=TOTAL, progress=False)
    assert resumed.out == out and resumed.metrics["steps_done"] == TOTAL
    assert_same_weights(straight, out)
    # The fixed-noise grids of both epochs are there and identical.
    assert (straight / "samples.png").read_bytes() == (out / "samples.png").read_bytes()
    # The card's reproducing command is the straight run's: resume keeps where values came from.
    commands = [json.loads((d / "config.json").read_text())["train"]["command"] for d in (straight, out)]
    assert commands[0] == commands[1] and "--device" not in commands[0]


@pytest.mark.slow
def test_checkpoints_hold_everything_without_pickle(straight):
    steps = checkpoint.list_checkpoints(straight)
    # the epoch end falls on no clock tick (5 minutes) and no --checkpoint-every 5 step: the
    # checkpoints are steps 5, 10, ... and the last; --keep-checkpoints 3 keeps the newest three
    assert [p.name for p in steps] == ["step-000020", "step-000025", "step-000026"]
    assert (straight / "checkpoints" / "latest").read_text().strip() == "step-000026"
    state = json.loads((steps[-1] / "state.json").read_text())
    tensors = load_file(str(steps[-1] / "tensors.safetensors"))
    assert state["step"] == 26 and state["epoch"] == 1 and state["position"] == 4
    assert state["options"]["model"] == "dcgan" and state["options"]["settings"]["ngf"] == "4"
    for key in ("rng/torch", "gen/perm", "gen/noise", "data/order",
                "step/optimizers/generator/state/0/exp_avg",
                "step/optimizers/discriminator/state/0/exp_avg_sq"):
        assert key in tensors, key
    assert any(k.startswith("net/generator/") for k in tensors)
    assert any(k.startswith("net/discriminator/") for k in tensors)
    assert set(state["rng"]) == {"python", "numpy"}
    assert checkpoint.step_state(state, tensors)["calls"] == 26
    assert not list((straight / "checkpoints").glob(".*tmp"))  # no temp leftovers


@pytest.mark.slow
def test_resuming_a_finished_run_asks_for_more_steps(straight, tmp_path):
    before = {p: p.stat().st_mtime_ns for p in straight.rglob("*")}
    with pytest.raises(ConfigError, match="already finished at step 26"):
        ganzoo.train("dcgan", resume=straight, max_steps=TOTAL, progress=False)
    assert {p: p.stat().st_mtime_ns for p in straight.rglob("*")} == before


def test_optimizer_state_round_trips_exactly():
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.999))
    net(torch.randn(4, 3)).sum().backward()
    opt.step()
    tensors: dict = {}
    encoded = checkpoint.encode(opt.state_dict(), "opt", tensors)
    back = checkpoint.decode(json.loads(json.dumps(encoded)), tensors)
    ref = opt.state_dict()
    assert back["param_groups"] == ref["param_groups"]
    assert back["param_groups"][0]["betas"] == (0.5, 0.999)  # a tuple again
    assert set(back["state"]) == {0, 1}  # int keys survive JSON
    for idx, entry in ref["state"].items():
        for key, value in entry.items():
            assert torch.equal(back["state"][idx][key], value)
    fresh = torch.optim.Adam(net.parameters())
    fresh.load_state_dict(back)


@pytest.mark.slow
def test_a_non_finite_loss_stops_with_exit_3_naming_the_step_and_loss(run_cli, tmp_path):
    result = run_cli("train", "dcgan", "digits", "--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8",
                     "--set", "image_size=16", "--max-steps", "4", "--batch-size", "64",
                     "--lr", "1e30", "--log-every", "1", "--out", str(tmp_path / "run"))
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "training diverged: Loss_" in lines[0] and "is nan at step 1" in lines[0]
    assert not (tmp_path / "run" / "config.json").exists()


V1_RUN = Path(__file__).resolve().parent / "data" / "v1-dcgan-run"


SMALL_DCGAN = {"image_size": "16", "ngf": "4", "ndf": "4", "nz": "8"}


def _as_format_1(run: Path) -> None:
    """Rewrite ``run``'s latest checkpoint the way ganzoo 0.1 laid it out (format 1).

    The layout is taken from the shipped 0.1 checkpoint (tests/data/v1-dcgan-run): the step's
    attributes by name, ``_sums``/``_counts``, objects with a ``state_dict`` wrapped, random
    generators as references. The tensors stay this machine's, so the comparison with a
    straight run below holds on any CPU (the shipped one was recorded with native bf16).
    """
    import json

    shipped = json.loads((V1_RUN / "checkpoints" / "step-000003" / "state.json").read_text())
    where = checkpoint.latest(run)
    state = json.loads((where / "state.json").read_text())
    current = dict(state["stepper"]["__dict__"])
    current.pop("frames")  # the progress frames joined the step's state later; 0.1 has none
    renamed = {"_sums": "sums", "_counts": "counts"}
    stepper = {}
    for name, old in shipped["stepper"].items():
        if isinstance(old, dict) and "__generator__" in old:
            stepper[name] = old
        elif isinstance(old, dict) and "__state_dict__" in old:
            stepper[name] = {"__state_dict__": current[renamed.get(name, name)]}
        else:
            stepper[name] = current[renamed.get(name, name)]
    assert set(current) == {renamed.get(k, k) for k, v in shipped["stepper"].items()
                            if not (isinstance(v, dict) and "__generator__" in v)}
    state.update(format=1, stepper=stepper)
    (where / "state.json").write_text(json.dumps(state))


@pytest.mark.slow
def test_a_checkpoint_written_by_ganzoo_0_1_resumes_bit_identically(tmp_path):
    """Format 1 (the step's state found by introspection) upgrades on load: same weights as a
    straight run of the same settings (DiffAugment, EMA and lr decay included)."""
    shipped = tmp_path / "shipped-run"
    shutil.copytree(V1_RUN, shipped)
    state, _ = checkpoint.load(checkpoint.latest(shipped))
    assert state["format"] == 1 and state["step"] == 3
    assert ganzoo.train(resume=shipped, max_steps=6, progress=False).metrics["steps_done"] == 6
    state, _ = checkpoint.load(checkpoint.latest(shipped))
    assert state["format"] == checkpoint.FORMAT == 2  # new checkpoints use the new format

    run = tmp_path / "old-run"
    ganzoo.train("dcgan", "digits", max_steps=3, epochs=2, out=run, settings=SMALL_DCGAN,
                 augment="translation,cutout,color", ema=0.999, lr_decay=0.3, progress=False)
    _as_format_1(run)
    assert checkpoint.load(checkpoint.latest(run))[0]["format"] == 1
    resumed = ganzoo.train(resume=run, max_steps=6, progress=False)
    straight = ganzoo.train("dcgan", "digits", max_steps=6, epochs=2, out=tmp_path / "straight",
                            settings=SMALL_DCGAN, augment="translation,cutout,color", ema=0.999,
                            lr_decay=0.3, progress=False)
    assert resumed.metrics["steps_done"] == 6
    for name in ("model.safetensors", "discriminator.safetensors"):
        a, b = load_file(str(straight.out / name)), load_file(str(run / name))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name

"""The generator's moving average (``--ema``, ganzoo_plugins/tasks/ema.py) and the learning-rate decay
(``--lr-decay``): what is saved, and that resume continues both exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import ganzoo
from ganzoo.api import load
from ganzoo.errors import ConfigError
from ganzoo.training import checkpoint

MLP = {"settings": {"size": "64"}, "batch_size": 16, "progress": False, "device": "cpu"}


def _raw_generator(step_dir: Path) -> dict[str, torch.Tensor]:
    tensors = load_file(str(step_dir / "tensors.safetensors"))
    prefix = "net/generator/"
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def test_the_saved_generator_is_the_moving_average_of_every_step(tmp_path):
    decay, steps = 0.6, 4
    out = tmp_path / "run"
    ganzoo.train("mlp-gan", "fake", max_steps=steps, ema=decay, checkpoint_every=1,
                 keep_checkpoints=steps, out=out, **MLP)
    raws = [_raw_generator(p) for p in checkpoint.list_checkpoints(out)]
    assert len(raws) == steps
    saved = load_file(str(out / "model.safetensors"))
    weights = [k for k in raws[0] if "running" not in k and "num_batches" not in k]
    for key in weights:
        avg = raws[0][key].clone()
        for raw in raws[1:]:
            avg = decay * avg + (1 - decay) * raw[key]
        torch.testing.assert_close(saved[key], avg, rtol=1e-5, atol=1e-6)
        assert not torch.equal(saved[key], raws[-1][key]) or "bias" in key
    # BatchNorm statistics were re-estimated under the averaged weights, not copied.
    stats = [k for k in raws[0] if k.endswith("running_mean")]
    assert stats and any(not torch.equal(saved[k], raws[-1][k]) for k in stats)


def test_re_estimated_statistics_fit_the_averaged_weights(tmp_path):
    result = ganzoo.train("dcgan", "fake", max_steps=6, ema=0.7, out=tmp_path / "run",
                          settings={"image_size": "16", "ngf": "8", "ndf": "8", "channels": "1",
                                    "size": "96"}, batch_size=16, progress=False, device="cpu")
    G = load(result.out).generator
    z = result.model.sample_latent(4096, generator=torch.Generator().manual_seed(11))
    with torch.no_grad():
        G.eval()
        eval_out = G(z)
        G.train()
        train_out = G(z)  # batch statistics of 4,096 fresh samples
    assert (eval_out - train_out).abs().mean() < 0.02


def test_ema_runs_record_it_and_are_deterministic(tmp_path):
    runs = [ganzoo.train("mlp-gan", "fake", max_steps=3, ema=0.9, seed=4, out=tmp_path / str(i), **MLP)
            for i in range(2)]
    assert runs[0].config["train"]["ema"] == 0.9
    assert "--ema 0.9" in runs[0].config["train"]["command"]
    for p, q in zip(runs[0].model.parameters(), runs[1].model.parameters()):
        assert torch.equal(p, q)
    off = ganzoo.train("mlp-gan", "fake", max_steps=3, ema=0, seed=4, out=tmp_path / "off", **MLP)
    # Given explicitly, the off value is recorded: a recipe's average must not come back.
    assert off.config["train"]["ema"] == 0.0 and "--ema 0.0" in off.config["train"]["command"]


@pytest.mark.slow
def test_stopped_and_resumed_with_ema_augment_and_lr_decay_is_bit_identical(tmp_path):
    kw = {**MLP, "ema": 0.8, "augment": "translation,cutout,color", "lr_decay": 0.25, "epochs": 2,
          "checkpoint_every": 5}
    straight = ganzoo.train("mlp-gan", "fake", out=tmp_path / "straight", **kw)
    out = tmp_path / "run"
    ganzoo.train("mlp-gan", "fake", max_steps=7, out=out, **kw)
    state, tensors = checkpoint.load(checkpoint.latest(out))
    assert "ema" in checkpoint.step_state(state, tensors)
    resumed = ganzoo.train("mlp-gan", resume=out, max_steps=8, progress=False)
    for p, q in zip(straight.model.parameters(), resumed.model.parameters()):
        assert torch.equal(p, q)
    for name in ("model.safetensors", "discriminator.safetensors"):
        a, b = load_file(str(straight.out / name)), load_file(str(out / name))
        assert all(torch.equal(a[k], b[k]) for k in a), name


def test_bad_ema_values_are_one_line_errors(tmp_path, run_cli):
    with pytest.raises(ConfigError, match=r"--ema must be in \[0, 1\)"):
        ganzoo.train("mlp-gan", "fake", max_steps=1, ema=1.0, out=tmp_path / "a")
    with pytest.raises(ConfigError, match="--ema applies to adversarial or conditional models; 'lstm-regressor' is a "
                                          "regression model"):
        ganzoo.train("lstm-regressor", "sine", max_steps=1, ema=0.99, out=tmp_path / "b")
    res = run_cli("train", "mlp-gan", "fake", "--max-steps", "1", "--ema", "-0.5",
                  "--out", str(tmp_path / "c"))
    assert res.returncode == 2 and "--ema" in res.stderr and "Traceback" not in res.stderr
    assert not any((tmp_path / n).exists() for n in "abc")


def test_lr_decay_keeps_the_rate_then_falls_linearly_to_zero(tmp_path):
    out = tmp_path / "run"
    result = ganzoo.train("mlp-gan", "fake", epochs=2, lr=1e-3, lr_decay=0.5, checkpoint_every=1,
                          keep_checkpoints=8, out=out, **MLP)
    assert result.config["train"]["lr_decay"] == 0.5
    assert "--lr-decay 0.5" in result.config["train"]["command"]
    rates = []
    for step_dir in checkpoint.list_checkpoints(out):  # after steps 1..8: the rate step k used
        state, tensors = checkpoint.load(step_dir)
        groups = checkpoint.step_state(state, tensors)["optimizers"]["generator"]["param_groups"]
        rates.append(round(groups[0]["lr"], 10))
    assert rates == [1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 7.5e-4, 5e-4, 2.5e-4]
    plain = ganzoo.train("mlp-gan", "fake", max_steps=2, out=tmp_path / "plain", **MLP)
    assert plain.config["train"]["lr_decay"] is None and "--lr-decay" not in plain.config["train"]["command"]


def test_bad_lr_decay_is_a_one_line_error(tmp_path, run_cli):
    res = run_cli("train", "classifier", "digits", "--max-steps", "1", "--lr-decay", "1",
                  "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "--lr-decay" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x").exists()


def test_a_run_shorter_than_the_average_s_horizon_keeps_its_last_weights_and_says_so(tmp_path, capsys):
    out = tmp_path / "run"
    result = ganzoo.train("mlp-gan", "fake", max_steps=3, ema=0.99, out=out, **MLP)
    note = "--ema 0.99 averages over ~100 generator steps but this run took 3; keeping the last step"
    assert note in capsys.readouterr().out
    raw = _raw_generator(checkpoint.latest(out))
    saved = load_file(str(out / "model.safetensors"))
    assert all(torch.equal(saved[k], raw[k]) for k in raw)
    assert result.config["train"]["ema"] == 0.99

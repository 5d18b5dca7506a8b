"""Speed policy (ganzoo/training/perf.py): resolution rules, optimizers, scalers, CLI switches."""

from __future__ import annotations

import pytest
import torch

import ganzoo
from ganzoo.errors import ConfigError
from ganzoo.training import checkpoint, perf

TINY = {"image_size": "16", "ngf": "8", "ndf": "8", "channels": "1"}


def test_auto_precision_follows_the_hardware_rules():
    cpu = torch.device("cpu")
    expected = "bf16" if perf.cpu_has_native_bf16() else "fp32"
    assert perf.resolve_precision("auto", cpu) == expected
    assert perf.resolve_precision("auto", cpu, lower_ok=False) == "fp32"
    assert perf.resolve_precision("fp32", cpu) == "fp32"
    assert perf.resolve_precision("auto", torch.device("mps")) == "fp32"
    with pytest.raises(ConfigError, match="--precision must be one of"):
        perf.resolve_precision("fp8", cpu)


def test_channels_last_only_for_conv_models():
    from ganzoo_plugins.dcgan.model import DCGAN
    from ganzoo_plugins.mlp_gan.model import MLPGAN

    cpu = torch.device("cpu")
    assert perf.Perf.resolve(cpu, DCGAN(image_size=16, ngf=8, ndf=8)).channels_last
    assert not perf.Perf.resolve(cpu, MLPGAN()).channels_last
    assert not perf.Perf.resolve(cpu, DCGAN(image_size=16), channels_last=False).channels_last


@pytest.mark.parametrize("fused", [True, False])
def test_fused_and_foreach_adam_match_the_plain_update(fused):
    torch.manual_seed(0)
    w = torch.randn(7, 5)
    grads = [torch.randn(7, 5) for _ in range(3)]
    results = []
    for opt_fn in (lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.5, 0.999), foreach=False),
                   lambda p: perf.make_optimizer(p, "adam", 1e-2, (0.5, 0.999), fused=fused)):
        p = torch.nn.Parameter(w.clone())
        opt = opt_fn([p])
        for g in grads:
            p.grad = g.clone()
            opt.step()
        results.append(p.detach())
    assert opt.defaults["fused" if fused else "foreach"] is True
    torch.testing.assert_close(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_fp16_run_has_one_scaler_per_optimizer_and_checkpoints_it(tmp_path):
    out = tmp_path / "run"
    result = ganzoo.train("dcgan", "fake", max_steps=2, batch_size=8, settings={**TINY, "size": "32"},
                          precision="fp16", out=out, progress=False, device="cpu")
    assert result.config["train"]["perf"]["precision"] == "fp16"
    assert "--precision fp16" in result.config["train"]["command"]
    state, tensors = checkpoint.load(checkpoint.latest(out))
    assert sorted(checkpoint.step_state(state, tensors)["scalers"]) == ["discriminator", "generator"]


def test_defaults_and_fp32_both_train_and_record_their_settings(tmp_path):
    fast = ganzoo.train("mlp-gan", "fake", max_steps=3, batch_size=16, settings={"size": "64"},
                        out=tmp_path / "fast", progress=False, device="cpu")
    plain = ganzoo.train("mlp-gan", "fake", max_steps=3, batch_size=16, settings={"size": "64"},
                         precision="fp32", fused=False, out=tmp_path / "plain", progress=False,
                         device="cpu")
    assert fast.config["train"]["perf"]["fused"] is True
    assert plain.config["train"]["perf"] == {"precision": "fp32", "channels_last": False,
                                             "fused": False, "compile": False}
    assert "--no-fused" in plain.config["train"]["command"]
    for r in (fast, plain):
        assert all(torch.isfinite(p).all() for p in r.model.parameters())


def test_cli_rejects_an_unknown_precision_in_one_line(run_cli, tmp_path):
    res = run_cli("train", "mlp-gan", "fake", "--max-steps", "1", "--precision", "fp8",
                  "--out", str(tmp_path / "x"))
    assert res.returncode == 2
    assert "--precision" in res.stderr and "fp8" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "x").exists()


def test_api_rejects_an_unknown_precision_before_writing(tmp_path):
    with pytest.raises(ConfigError, match="did you mean 'bf16'"):
        ganzoo.train("mlp-gan", "fake", max_steps=1, precision="bf61", out=tmp_path / "y")
    assert not (tmp_path / "y").exists()


def test_gs_step_through_a_frozen_d_gets_the_same_g_gradients_and_no_d_ones():
    """The G step skips D's weight gradients (issue 14); G's own must not change by a bit."""
    from ganzoo_plugins.dcgan.model import DCGAN
    from ganzoo_plugins.tasks.adversarial import frozen

    torch.manual_seed(0)
    model = DCGAN(image_size=32, ngf=16, ndf=16).to(memory_format=torch.channels_last)
    G, D = model.generator, model.discriminator
    z = torch.randn(16, 100, 1, 1)
    grads = []
    for freeze in (False, True):
        model.zero_grad(set_to_none=True)
        with frozen(D) if freeze else torch.enable_grad():
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out = D(G(z))
            torch.nn.functional.binary_cross_entropy_with_logits(out.float(), torch.ones(16)).backward()
        grads.append([p.grad.clone() for p in G.parameters()])
        assert all((p.grad is None) == freeze for p in D.parameters())
    assert all(torch.equal(a, b) for a, b in zip(*grads))
    assert all(p.requires_grad for p in D.parameters())

    # an exception inside the block still restores every flag
    with pytest.raises(RuntimeError), frozen(D):
        raise RuntimeError("boom")
    assert all(p.requires_grad for p in D.parameters())


def test_training_runs_import_no_dynamo_torchvision_sklearn_or_pyplot(tmp_path):
    """Issue 14's start-up cuts, held for every model family and task (a size check on the meta
    device once brought torch._dynamo back: 1-2 s before a DCGAN's first step)."""
    import subprocess
    import sys

    runs = [("mlp-gan", "digits", {}), ("dcgan", "fake", {"image_size": "16", "size": "64"}),
            ("cdcgan", "digits", {"image_size": "16"}), ("dcgan-cifar", "fake", {"size": "64"}),
            ("classifier", "digits", {}), ("classifier-cnn", "digits", {}), ("lstm-regressor", "sine", {})]
    code = ("import sys, ganzoo\n"
            f"for i, (model, data, settings) in enumerate({runs!r}):\n"
            "    ganzoo.train(model, data, max_steps=1, batch_size=16, progress=False, settings=settings,\n"
            f"                 out={str(tmp_path)!r} + f'/run{{i}}')\n"
            "print(sorted(m for m in ('torch._dynamo', 'torchvision', 'sklearn', 'matplotlib.pyplot')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert all((tmp_path / f"run{i}" / "model.safetensors").is_file() for i in range(len(runs)))


def test_a_parameter_g_and_d_share_still_learns_in_gs_step():
    from ganzoo_plugins.tasks.adversarial import frozen

    shared = torch.nn.Linear(4, 4)
    G, D = torch.nn.Sequential(torch.nn.Linear(2, 4), shared), torch.nn.Sequential(shared, torch.nn.Linear(4, 1))
    with frozen(D, keep=G):
        D(G(torch.randn(3, 2))).sum().backward()
    assert shared.weight.grad is not None and G[0].weight.grad is not None
    assert D[1].weight.grad is None and D[1].weight.requires_grad

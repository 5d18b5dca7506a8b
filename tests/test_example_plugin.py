"""The separately installable plugin distribution ``plugins/ganzoo-example`` (the RaGAN loss).

It must be invisible until ``pip install``-ed, then listed with its distribution name, and its
loss must be exact and train a real model with the real trainer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import ganzoo
from ganzoo import plugins

EXAMPLE = Path(__file__).resolve().parent.parent / "plugins" / "ganzoo-example"


@pytest.fixture
def ragan_plugin(monkeypatch):
    """The example plugin registered in-process, as its entry point would be."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import ganzoo_example

    plugins.register_plugin(ganzoo_example, "ragan", distribution="ganzoo-example",
                            version="0.1.0")
    yield
    plugins.unregister_plugin("ragan")


def reference_d_loss(r, f):
    """RaSGAN's D loss written out per sample (the paper's eq., no shared code with the plugin)."""
    a = -torch.log(torch.sigmoid(r - f.mean())).mean()
    b = -torch.log(1 - torch.sigmoid(f - r.mean())).mean()
    return a + b


def reference_g_loss(r, f):
    a = -torch.log(torch.sigmoid(f - r.mean())).mean()
    b = -torch.log(1 - torch.sigmoid(r - f.mean())).mean()
    return a + b


def test_ragan_matches_the_paper_in_one_joint_d_pass(ragan_plugin):
    """The step's non-separable path: D's joint loss, one backward, no extra D forward."""
    from ganzoo_example.ragan import RaGANLoss

    torch.manual_seed(0)
    D = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 1), torch.nn.Flatten(0))
    real, fake = torch.randn(5, 3, 2, 2), torch.randn(5, 3, 2, 2, requires_grad=True)
    loss = RaGANLoss()
    assert loss.separable is False and loss.penalty(D, real, fake) is None

    calls = []
    D.register_forward_hook(lambda *_: calls.append(1))
    out_real, out_fake = D(real), D(fake.detach())
    total = loss.d_loss(out_real, out_fake)
    total.backward()
    assert len(calls) == 2  # the real and the fake batch, nothing more
    step_grads = [p.grad.clone() for p in D.parameters()]
    assert fake.grad is None  # D's loss does not train G

    D.zero_grad()
    expected = reference_d_loss(D(real), D(fake.detach()))
    expected.backward()
    assert torch.allclose(total, expected)
    for got, want in zip(step_grads, (p.grad for p in D.parameters())):
        assert torch.allclose(got, want, atol=1e-6)

    out = D(fake)
    g = loss.g_loss(out, out_real.detach())
    assert torch.allclose(g, reference_g_loss(D(real).detach(), out), atol=1e-6)
    g.backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0


def test_ragan_g_loss_prefers_fakes_that_beat_the_average_real():
    sys.path.insert(0, str(EXAMPLE))
    try:
        from ganzoo_example.ragan import RaGANLoss
    finally:
        sys.path.remove(str(EXAMPLE))
    real = torch.zeros(8)
    loss = RaGANLoss()
    assert loss.g_loss(torch.full((8,), 3.0), real) < loss.g_loss(torch.full((8,), -3.0), real)
    assert torch.isclose(loss.d_loss(real, real), 2 * F.softplus(torch.tensor(0.0)))


@pytest.mark.slow
def test_ragan_trains_a_gan_with_the_real_trainer(ragan_plugin, tmp_path):
    assert "ragan" in ganzoo.list_losses()
    result = ganzoo.train("mlp-gan", "digits", loss="ragan", max_steps=3, batch_size=16,
                          out=tmp_path / "run", progress=False,
                          settings={"latent_dim": 8})
    assert result.config["loss"]["name"] == "ragan"
    assert (tmp_path / "run" / "config.json").is_file()
    assert all(v == v for v in result.metrics.values() if isinstance(v, float))  # no NaN
    # A loss written for the adversarial task trains the conditional one too (losses_from).
    cond = ganzoo.train("cgan", "digits", loss="ragan", max_steps=3, batch_size=16,
                        out=tmp_path / "cond", progress=False, settings={"latent_dim": 8})
    assert cond.model.task == "conditional" and cond.config["loss"]["name"] == "ragan"


def run_in(python: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GANZOO_PLUGINS")}
    return subprocess.run([str(python), *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.slow
def test_visible_only_after_pip_install(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # See this interpreter's packages (ganzoo among them), whether it is a virtualenv or not:
    # system_site_packages would give the *base* interpreter's, without the user's venv.
    inner = run_in(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    outer = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    # addsitedir also runs the .pth files there (an editable install's import hook).
    (Path(inner.stdout.strip()) / "outer-env.pth").write_text(
        "".join(f"import site; site.addsitedir({d!r})\n" for d in sorted(outer)))

    def listed() -> list[dict]:
        proc = run_in(python, "-m", "ganzoo", "list", "--json", "--kind", "loss")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["items"]

    before = listed()
    assert "bce" in {r["name"] for r in before}
    assert "ragan" not in {r["name"] for r in before}

    # The venv has no pip of its own: the system pip, run by the venv's interpreter, installs
    # into the venv. Build from a copy so no build/ or egg-info lands in the source tree.
    source = shutil.copytree(EXAMPLE, tmp_path / "ganzoo-example",
                             ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    proc = run_in(python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet",
                  "--no-index", str(source))
    assert proc.returncode == 0, proc.stderr

    after = {r["name"]: r for r in listed()}
    assert after["ragan"]["distribution"] == "ganzoo-example"
    assert after["ragan"]["version"] == "0.1.0"
    assert after["ragan"]["plugin"] == "ragan"
    info = run_in(python, "-m", "ganzoo", "info", "ragan")
    assert info.returncode == 0 and "ganzoo-example 0.1.0" in info.stdout
    # The system interpreter (outside the venv) still does not see it.
    outside = subprocess.run([sys.executable, "-m", "ganzoo", "list", "ragan"],
                             capture_output=True, text=True)
    assert "ganzoo-example" not in outside.stdout

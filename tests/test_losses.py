"""The loss plugins: formulas against hand computations, and their registry contract."""

from __future__ import annotations

import math

import pytest
import torch

from ganzoo import registry
from ganzoo.errors import ConfigError
from ganzoo.options import trains


def _loss(name, **params):
    spec = registry.get_loss(name)
    return spec.load_builder()(**{**spec.defaults(), **params})


@pytest.mark.parametrize("name", registry.names("loss"))
def test_every_loss_builds_and_declares_known_tasks(name):
    spec = registry.get_loss(name)
    assert spec.tasks and set(spec.tasks) <= set(registry.names("task"))
    loss = _loss(name)
    if "adversarial" in spec.tasks:
        real = torch.tensor([0.3, -1.2, 2.0], requires_grad=True)
        fake = torch.tensor([-0.4, 0.1, -2.0], requires_grad=True)
        for value in (loss.d_loss(real, fake), loss.g_loss(fake, real)):
            assert value.dim() == 0 and torch.isfinite(value)
        if loss.separable:  # the two-backward form sums to the joint loss
            assert torch.allclose(loss.d_loss_real(real) + loss.d_loss_fake(fake), loss.d_loss(real, fake))
        assert loss.n_critic >= 1


def test_every_model_default_loss_fits_its_task():
    for name in registry.names("model"):
        spec = registry.get_model(name)
        assert trains(registry.get_loss(spec.default_loss), registry.get_task(spec.task)), name


def test_bce_is_the_seeds_label_one_zero_form():
    loss = _loss("bce")
    x = torch.tensor([0.0, 2.0])
    # -log(sigmoid(x)) for real, -log(1 - sigmoid(x)) for fake
    real = float(torch.mean(-torch.log(torch.sigmoid(x))))
    fake = float(torch.mean(-torch.log(1 - torch.sigmoid(x))))
    assert float(loss.d_loss_real(x)) == pytest.approx(real)
    assert float(loss.d_loss_fake(x)) == pytest.approx(fake)
    assert float(loss.g_loss(x, None)) == pytest.approx(real)  # non-saturating: G wants label 1
    assert float(loss.score(torch.tensor([0.0]))) == pytest.approx(0.5)


def test_lsgan_and_regression_mse():
    loss = _loss("mse")
    x = torch.tensor([1.0, 0.0])
    assert float(loss.d_loss_real(x)) == pytest.approx(0.5 * 0.5)
    assert float(loss.d_loss_fake(x)) == pytest.approx(0.5 * 0.5)
    assert float(loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))) == pytest.approx(5.0)


def test_hinge():
    loss = _loss("hinge")
    x = torch.tensor([2.0, 0.0, -3.0])
    assert float(loss.d_loss_real(x)) == pytest.approx((0 + 1 + 4) / 3)
    assert float(loss.d_loss_fake(x)) == pytest.approx((3 + 1 + 0) / 3)
    assert float(loss.g_loss(x, None)) == pytest.approx(1 / 3)


def test_wgan_gp_penalty_is_zero_for_a_unit_gradient_critic_and_positive_otherwise():
    loss = _loss("wgan-gp", gp_weight=10.0, n_critic=3)
    assert loss.n_critic == 3
    w = torch.randn(1, 1, 4, 4)
    unit = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 1, bias=False),
                               torch.nn.Flatten(0))
    with torch.no_grad():
        unit[1].weight.copy_(w.flatten()[None] / w.norm())
    real, fake = torch.randn(5, 1, 4, 4), torch.randn(5, 1, 4, 4)
    assert float(loss.penalty(unit, real, fake).detach()) == pytest.approx(0.0, abs=1e-8)
    with torch.no_grad():
        unit[1].weight.mul_(3.0)  # gradient norm 3 -> penalty 10 * (3 - 1)^2
    assert float(loss.penalty(unit, real, fake).detach()) == pytest.approx(40.0, rel=1e-5)
    assert _loss("wgan-gp", gp_weight=0.0).penalty(unit, real, fake) is None


def test_cross_entropy_matches_torch_and_checks_label_smoothing():
    loss = _loss("cross-entropy")
    logits, y = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    expected = -(math.log(math.exp(2) / (math.exp(2) + 1)) + math.log(math.e / (1 + math.e))) / 2
    assert float(loss(logits, y)) == pytest.approx(expected)
    with pytest.raises(ConfigError, match="label_smoothing must be in"):
        _loss("cross-entropy", label_smoothing=1.5)


def test_wgan_gp_rejects_bad_settings():
    with pytest.raises(ConfigError, match="n_critic must be >= 1"):
        _loss("wgan-gp", n_critic=0)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mse", "hinge", "wgan-gp"])
def test_other_gan_losses_train(name, tmp_path):
    import json

    import ganzoo

    out = tmp_path / name
    ganzoo.train("mlp-gan", "digits", loss=name, max_steps=4, batch_size=16, log_every=1, out=out,
                 settings={"image_size": "16", **({"n_critic": "2"} if name == "wgan-gp" else {})},
                 progress=False)
    logs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()
            if '"log"' in line]
    assert len(logs) == 4
    if name == "wgan-gp":  # G is updated on batches 1 and 3 only
        assert ["Loss_G" in r for r in logs] == [True, False, True, False]
    assert json.loads((out / "config.json").read_text())["loss"]["name"] == name


def test_a_gan_loss_of_the_old_protocol_is_refused_before_training(tmp_path):
    """One-argument g_loss (ganzoo 0.1), or a joint d_loss that would be ignored: one line."""
    import ganzoo
    from ganzoo import plugins
    from ganzoo.errors import PluginLoadError
    from ganzoo.specs import LossSpec

    class Plugin:
        @staticmethod
        @ganzoo.hookimpl
        def register_losses(register):
            register(LossSpec(name="old-style", builder="test_losses:OldStyle", description="d",
                              tasks=("adversarial",)))
            register(LossSpec(name="ignored-joint", builder="test_losses:IgnoredJoint",
                              description="d", tasks=("adversarial",)))

    plugins.register_plugin(Plugin(), "old-losses")
    try:
        with pytest.raises(PluginLoadError, match=r"g_loss must take \(fake_logits, real_logits\)"):
            ganzoo.train("mlp-gan", "fake", loss="old-style", max_steps=1, out=tmp_path / "a",
                         settings={"size": "32"}, batch_size=8, progress=False)
        with pytest.raises(PluginLoadError, match="overrides d_loss but says separable = True"):
            ganzoo.train("mlp-gan", "fake", loss="ignored-joint", max_steps=1, out=tmp_path / "b",
                         settings={"size": "32"}, batch_size=8, progress=False)
    finally:
        plugins.unregister_plugin("old-losses")
    assert not (tmp_path / "a" / "config.json").exists()


class OldStyle:
    n_critic = 1

    def d_loss_real(self, logits):
        return logits.mean()

    def d_loss_fake(self, logits):
        return logits.mean()

    def g_loss(self, logits):
        return logits.mean()


def _ignored_joint():
    from ganzoo_plugins.tasks.adversarial import GANLoss

    class IgnoredJoint(GANLoss):
        def d_loss_real(self, logits):
            return logits.mean()

        def d_loss_fake(self, logits):
            return logits.mean()

        def d_loss(self, real_logits, fake_logits):
            return real_logits.mean() - fake_logits.mean()

        def g_loss(self, fake_logits, real_logits):
            return fake_logits.mean()

    return IgnoredJoint


IgnoredJoint = _ignored_joint()

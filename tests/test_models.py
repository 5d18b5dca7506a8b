"""Registry-driven model tests: every registered model family is built, run, summarised and
trained one step, so a new model plugin is tested with no new test code (as timm does)."""

from __future__ import annotations

import pytest
import torch
import torchinfo

import ganzoo
from ganzoo import registry
from ganzoo.errors import ConfigError
from ganzoo.modeling import ZooModel
from ganzoo.options import trains
from ganzoo_plugins.tasks.adversarial import GenerativeModel
from ganzoo_plugins.tasks.classification import ClassifierModel
from ganzoo_plugins.tasks.regression import RegressorModel

MODELS = ganzoo.list_models()

#: The seeds' parameter counts (issue 2); a default config must reproduce them exactly.
SEED_PARAMS = {
    "mlp-gan": {"generator": 1_510_032, "discriminator": 533_505},
    "dcgan": {"generator": 3_576_704, "discriminator": 2_765_568},
    "classifier": {"model": 669_706},
    "classifier-cnn": {"model": 1_613_258},
    "lstm-regressor": {"model": 166},
    # The basics seed's CIFAR-10 DCGAN (gnet/dnet).
    "dcgan-cifar": {"generator": 921_475, "discriminator": 663_361},
    # PyTorch-GAN's cgan.py at its defaults (1x32x32, latent 100, 10 classes).
    "cgan": {"generator": 1_757_412, "discriminator": 1_055_845},
    # The DCGAN tutorial's networks, G fed a 10-d label embedding too, D with a projection head.
    "cdcgan": {"generator": 3_658_724, "discriminator": 2_770_688},
}


def n_params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def expected_output_shape(model: ZooModel, role: str, batch: int) -> tuple[int, ...]:
    if isinstance(model, GenerativeModel):
        return (batch, *model.image_shape) if role == "generator" else (batch,)
    if isinstance(model, ClassifierModel):
        return (batch, int(model.config["num_classes"]))
    if isinstance(model, RegressorModel):
        return (batch, int(model.config["seq_len"]))
    raise AssertionError(f"{type(model).__name__} is not one of the zoo's model families")


def test_the_seed_families_are_registered():
    assert set(SEED_PARAMS) <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_spec_is_consistent(name):
    spec = registry.get_model(name)
    model = ganzoo.create_model(name)
    assert model.task == spec.task
    assert set(spec.data_params) <= set(spec.params)
    assert spec.description and spec.inputs and spec.outputs
    loss = registry.get_loss(spec.default_loss)
    assert trains(loss, registry.get_task(spec.task)), f"{name}: default loss {loss.name} cannot train {spec.task}"


@pytest.mark.parametrize("name", MODELS)
def test_build_forward_summary_and_one_step(name):
    torch.manual_seed(0)
    model = ganzoo.create_model(name)
    assert isinstance(model, ZooModel)
    # config.json rebuilds the same architecture.
    spec = registry.get_model(name)
    assert set(model.config) == set(spec.params)
    rebuilt = ganzoo.create_model(name, **model.config)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == \
           {k: v.shape for k, v in model.state_dict().items()}

    batch = 3
    model.train()
    for role, net in model.networks().items():
        x = model.example_input(role, batch)
        x = x if isinstance(x, tuple) else (x,)  # several inputs: images and labels
        out = net(*x)
        assert out.shape == expected_output_shape(model, role, batch), role
        assert torch.isfinite(out).all()

        small = model.example_input(role, 2)
        stats = torchinfo.summary(net, input_data=list(small) if isinstance(small, tuple) else [small],
                                  verbose=0)
        assert stats.total_params == n_params(net)

        before = [p.detach().clone() for p in net.parameters()]
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        opt.zero_grad()
        net(*x).float().pow(2).mean().backward()
        assert all(p.grad is not None for p in net.parameters()), f"{role}: unused parameters"
        opt.step()
        assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters())), role
    if isinstance(model, GenerativeModel):
        z = model.example_input("generator", batch)
        z = z if isinstance(z, tuple) else (z,)
        assert model(*z).shape == (batch, *model.image_shape)
        assert model.primary == "generator"
        with torch.no_grad():
            model.eval()
            assert model(*z).abs().max() <= 1.0  # tanh output, the [-1, 1] convention


@pytest.mark.parametrize("name", sorted(SEED_PARAMS))
def test_default_parameter_counts_match_the_seeds(name):
    model = ganzoo.create_model(name)
    assert {role: n_params(net) for role, net in model.networks().items()} == SEED_PARAMS[name]


def test_dcgan_is_the_tutorial_network():
    model = ganzoo.create_model("dcgan")
    convs = [m for m in model.generator if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == \
           [(100, 512), (512, 256), (256, 128), (128, 64), (64, 3)]
    # DCGAN init: conv weights ~ N(0, 0.02)
    w = torch.cat([c.weight.flatten() for c in convs])
    assert abs(w.mean().item()) < 2e-3 and 0.018 < w.std().item() < 0.022


@pytest.mark.parametrize("size", [16, 32, 128, 256])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_any_power_of_two(size, channels):
    model = ganzoo.create_model("dcgan", image_size=size, channels=channels, ngf=8, ndf=8)
    z = model.sample_latent(2)
    img = model.generator(z)
    assert img.shape == (2, channels, size, size)
    assert model.discriminator(img).shape == (2,)


@pytest.mark.parametrize("bad", [48, 8, 512])
def test_dcgan_rejects_other_sizes(bad):
    with pytest.raises(ConfigError, match="image_size"):
        ganzoo.create_model("dcgan", image_size=bad)


def test_mlp_gan_any_image_shape():
    model = ganzoo.create_model("mlp-gan", channels=3, image_size=32, latent_dim=16)
    img = model.generator(model.sample_latent(4))
    assert img.shape == (4, 3, 32, 32)
    assert model.discriminator(img).shape == (4,)


def test_classifiers_configurable():
    for name in ("classifier", "classifier-cnn"):
        model = ganzoo.create_model(name, channels=3, image_size=32, num_classes=5)
        assert model(torch.randn(2, 3, 32, 32)).shape == (2, 5)
    mlp = ganzoo.create_model("classifier", hidden=64)
    assert n_params(mlp) == 784 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10


def test_lstm_regressor_configurable():
    model = ganzoo.create_model("lstm-regressor", hidden_size=8, num_layers=2, seq_len=7)
    h = 8
    lstm = 4 * h * (1 + h) + 8 * h + 4 * h * (h + h) + 8 * h  # two layers with both biases
    assert n_params(model) == lstm + h + 1
    assert model(torch.randn(5, 7)).shape == (5, 7)

"""Every seed's network, exactly: the seed's own ``state_dict`` converts with ``ganzoo convert``
and the loaded model gives the seed network's outputs for the same inputs.

The seed classes below are the tutorials' code (structure and layer order verbatim), given
random weights and perturbed BatchNorm statistics so nothing matches by accident.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from ganzoo.api import load
from ganzoo.weights import convert

from seed_nets import dcgan_tutorial


def _perturb(net: nn.Module) -> None:
    torch.manual_seed(1)
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)


def _cifar_seed() -> tuple[nn.Module, nn.Module]:
    """The PyTorch-basics seed's CIFAR-10 ``gnet`` and ``dnet`` with its ``weights_init``."""
    latent_size, n_channel, n_g_feature, n_d_feature = 64, 3, 64, 64
    gnet = nn.Sequential(
        nn.ConvTranspose2d(latent_size, 4 * n_g_feature, kernel_size=4, bias=False),
        nn.BatchNorm2d(4 * n_g_feature), nn.ReLU(),
        nn.ConvTranspose2d(4 * n_g_feature, 2 * n_g_feature, kernel_size=4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(2 * n_g_feature), nn.ReLU(),
        nn.ConvTranspose2d(2 * n_g_feature, n_g_feature, kernel_size=4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(n_g_feature), nn.ReLU(),
        nn.ConvTranspose2d(n_g_feature, n_channel, kernel_size=4, stride=2, padding=1),
        nn.Sigmoid())
    dnet = nn.Sequential(
        nn.Conv2d(n_channel, n_d_feature, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(n_d_feature, 2 * n_d_feature, kernel_size=4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(2 * n_d_feature), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * n_d_feature, 4 * n_d_feature, kernel_size=4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(4 * n_d_feature), nn.LeakyReLU(0.2),
        nn.Conv2d(4 * n_d_feature, 1, kernel_size=4))

    def weights_init(m: nn.Module) -> None:
        if type(m) in [nn.ConvTranspose2d, nn.Conv2d]:
            nn.init.xavier_normal_(m.weight)
        elif type(m) == nn.BatchNorm2d:  # noqa: E721 - the seed's own test
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.constant_(m.bias, 0)

    torch.manual_seed(0)
    gnet.apply(weights_init)
    dnet.apply(weights_init)
    return gnet, dnet


def test_the_cifar_dcgan_seed_converts_and_draws_the_seed_s_images(run_cli, tmp_path: Path) -> None:
    gnet, dnet = _cifar_seed()
    _perturb(gnet)
    _perturb(dnet)
    gnet.eval()
    dnet.eval()
    torch.save(gnet.state_dict(), tmp_path / "gnet.pth")
    torch.save(dnet.state_dict(), tmp_path / "dnet.pth")
    res = run_cli("convert", "gnet.pth", "dcgan-cifar", "--discriminator", "dnet.pth", "--out", "cifar")
    assert res.returncode == 0, res.stderr
    model = load(tmp_path / "cifar")
    z = torch.randn(8, 64, 1, 1, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        seed_images = gnet(z)
        assert torch.equal(model.generator(z), seed_images)
        assert torch.equal(model.discriminator(seed_images), dnet(seed_images).reshape(-1))
    # The sampler's images are the seed's, [0, 1] as the seed's Sigmoid gives (no rescaling).
    from ganzoo_plugins.tasks.adversarial import latents

    assert torch.equal(model.sample(4, seed=3), gnet(latents(model, 4, seed=3)).detach())


def test_the_celeba_dcgan_tutorial_converts_both_networks(run_cli, tmp_path: Path) -> None:
    netG, netD = dcgan_tutorial()
    for net in (netG, netD):
        _perturb(net)
        net.eval()
    torch.save(netG.state_dict(), tmp_path / "netG.pth")
    torch.save(netD.state_dict(), tmp_path / "netD.pth")
    res = run_cli("convert", "netG.pth", "dcgan", "--discriminator", "netD.pth", "--out", "celeba",
                  "--set", "nz=16", "--set", "ngf=8", "--set", "ndf=8")
    assert res.returncode == 0, res.stderr
    model = load(tmp_path / "celeba")
    z = torch.randn(4, 16, 1, 1, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        images = netG(z)
        assert torch.equal(model.generator(z), images)
        # The tutorial's D ends in a Sigmoid; ganzoo's emits the logit (BCEWithLogits).
        assert torch.allclose(torch.sigmoid(model.discriminator(images)), netD(images).view(-1), atol=1e-6)


def _pytorch_gan_mlp(latent_dim: int = 100,
                     img_shape: tuple[int, int, int] = (1, 28, 28)) -> tuple[nn.Module, nn.Module]:
    """PyTorch-GAN's ``gan.py`` Generator and Discriminator (the MNIST seed)."""

    class Generator(nn.Module):
        def __init__(self) -> None:
            super().__init__()

            def block(in_feat: int, out_feat: int, normalize: bool = True) -> list[nn.Module]:
                layers: list[nn.Module] = [nn.Linear(in_feat, out_feat)]
                if normalize:
                    layers.append(nn.BatchNorm1d(out_feat, 0.8))
                layers.append(nn.LeakyReLU(0.2, inplace=True))
                return layers

            self.model = nn.Sequential(
                *block(latent_dim, 128, normalize=False), *block(128, 256), *block(256, 512),
                *block(512, 1024), nn.Linear(1024, int(math.prod(img_shape))), nn.Tanh())

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.model(z).view(z.size(0), *img_shape)

    class Discriminator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = nn.Sequential(
                nn.Linear(int(math.prod(img_shape)), 512), nn.LeakyReLU(0.2, inplace=True),
                nn.Linear(512, 256), nn.LeakyReLU(0.2, inplace=True), nn.Linear(256, 1), nn.Sigmoid())

        def forward(self, img: torch.Tensor) -> torch.Tensor:
            return self.model(img.view(img.size(0), -1))

    torch.manual_seed(0)
    return Generator(), Discriminator()


def test_the_mnist_mlp_gan_seed_converts_both_networks(tmp_path: Path) -> None:
    G, D = _pytorch_gan_mlp()
    for net in (G, D):
        _perturb(net)
        net.eval()
    torch.save(G.state_dict(), tmp_path / "generator.pth")
    torch.save(D.state_dict(), tmp_path / "discriminator.pth")
    folder = convert(tmp_path / "generator.pth", "mlp-gan", tmp_path / "mlp",
                     discriminator=tmp_path / "discriminator.pth")
    model = load(folder)
    z = torch.randn(5, 100, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        images = G(z)
        assert torch.equal(model.generator(z), images)  # BatchNorm1d eps 0.8, as the seed passes it
        assert torch.allclose(torch.sigmoid(model.discriminator(images)), D(images).view(-1), atol=1e-6)


def test_the_fashion_mnist_classifier_seed_converts(tmp_path: Path) -> None:
    class NeuralNetwork(nn.Module):  # the FashionMNIST quickstart seed
        def __init__(self) -> None:
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear_relu_stack(self.flatten(x))

    torch.manual_seed(0)
    seed = NeuralNetwork().eval()
    torch.save(seed.state_dict(), tmp_path / "model.pth")
    folder = convert(tmp_path / "model.pth", "classifier", tmp_path / "clf", value_range=(0.0, 1.0))
    model = load(folder)
    x = torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(4))  # ToTensor images
    with torch.no_grad():
        assert torch.equal(model(x), seed(x))
    # predict() takes [0, 1] images and, with the seed's range recorded, feeds them unchanged.
    _, probs = model.predict(x)
    with torch.no_grad():
        assert torch.allclose(probs, torch.softmax(seed(x), 1), atol=1e-6)


def test_the_lstm_regressor_seed_converts(tmp_path: Path) -> None:
    class Net(torch.nn.Module):  # the PyTorch-basics seed: sequence-first LSTM + Linear
        def __init__(self, input_size: int, hidden_size: int) -> None:
            super().__init__()
            self.rnn = torch.nn.LSTM(input_size, hidden_size)
            self.fc = torch.nn.Linear(hidden_size, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = x[:, :, None]
            x, _ = self.rnn(x)
            x = self.fc(x)
            x = x[:, :, 0]
            return x

    torch.manual_seed(0)
    seed = Net(input_size=1, hidden_size=5).eval()
    torch.save(seed.state_dict(), tmp_path / "net.pth")
    folder = convert(tmp_path / "net.pth", "lstm-regressor", tmp_path / "lstm")
    model = load(folder)
    series = torch.sin(torch.arange(24.0) / 3).reshape(3, 8)  # 3 windows of 8, batch first
    with torch.no_grad():
        ours = model(series)
        theirs = seed(series.T).T  # the seed is sequence-first
    assert torch.equal(ours, theirs)


def test_dcgan_cifar_trains_with_the_seed_s_recipe_on_cifar10_files(run_cli, tmp_path: Path) -> None:
    """``ganzoo train dcgan-cifar cifar10``: batch 64, Adam 2e-4 (0.5, 0.999), 10 epochs, [0, 1] data."""
    import json

    from formats import write_cifar10

    write_cifar10(tmp_path / "data", per_batch=16)  # 80 training images: one batch of 64 an epoch
    res = run_cli("train", "dcgan-cifar", "cifar10", "--data-root", "data", "--max-steps", "2",
                  "--out", "run")
    assert res.returncode == 0, res.stderr
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    train = config["train"]
    assert (train["batch_size"], train["lr"], train["betas"], train["epochs"]) == (64, 2e-4, [0.5, 0.999], 10)
    assert config["loss"]["name"] == "bce" and config["dataset"]["value_range"] == [0.0, 1.0]
    images = load(tmp_path / "run").sample(4, seed=0)
    assert images.shape == (4, 3, 32, 32) and 0 <= float(images.min()) <= float(images.max()) <= 1


def test_convert_writes_only_the_networks_it_was_given(run_cli, tmp_path: Path) -> None:
    gnet, _ = _cifar_seed()
    torch.save(gnet.state_dict(), tmp_path / "gnet.pth")
    res = run_cli("convert", "gnet.pth", "dcgan-cifar", "--out", "g-only")
    assert res.returncode == 0 and "(model.safetensors)" in res.stdout, res.stderr
    import json

    assert json.loads((tmp_path / "g-only" / "config.json").read_text())["files"] == {"generator": "model.safetensors"}
    assert not (tmp_path / "g-only" / "discriminator.safetensors").exists()
    assert load(tmp_path / "g-only").sample(2, seed=0).shape == (2, 3, 32, 32)
    _, dnet = _cifar_seed()
    torch.save(dnet.state_dict(), tmp_path / "dnet.pth")
    res = run_cli("convert", "dnet.pth", "dcgan-cifar", "--network", "discriminator", "--out", "d-only")
    assert res.returncode == 2 and "needs the generator too" in res.stderr
    assert not (tmp_path / "d-only").exists()

"""PyTorch-GAN's MLP generator (100-128-256-512-1024-C*H*W) and discriminator (C*H*W-512-256-1).

At 1x28x28 they have exactly the seed's 1,510,032 and 533,505 parameters. The discriminator
emits a logit (the seed's Sigmoid moves into the loss, where BCEWithLogits is numerically safe).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganzoo_plugins.tasks.adversarial import GenerativeModel


def generator_layers(inputs: int, shape: tuple[int, int, int], bn_eps: float) -> nn.Sequential:
    """PyTorch-GAN's MLP generator body: inputs-128-256-512-1024-C*H*W, Tanh."""

    def block(i: int, o: int, normalize: bool = True) -> list[nn.Module]:
        layers: list[nn.Module] = [nn.Linear(i, o)]
        if normalize:
            layers.append(nn.BatchNorm1d(o, eps=bn_eps))
        layers.append(nn.LeakyReLU(0.2, inplace=True))
        return layers

    return nn.Sequential(
        *block(inputs, 128, normalize=False),
        *block(128, 256),
        *block(256, 512),
        *block(512, 1024),
        nn.Linear(1024, math.prod(shape)),
        nn.Tanh(),
    )


class _Generator(nn.Module):
    def __init__(self, latent_dim: int, shape: tuple[int, int, int], bn_eps: float) -> None:
        super().__init__()
        self.shape = shape
        self.model = generator_layers(latent_dim, shape, bn_eps)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model(z).view(z.size(0), *self.shape)


class _Discriminator(nn.Module):
    def __init__(self, shape: tuple[int, int, int]) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.Flatten(),
            nn.Linear(math.prod(shape), 512),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(512, 256),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(256, 1),
            nn.Flatten(0),
        )

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return self.model(img)


class MLPGAN(GenerativeModel):
    def __init__(self, latent_dim: int = 100, channels: int = 1, image_size: int = 28,
                 bn_eps: float = 0.8) -> None:
        super().__init__(latent_dim=latent_dim, channels=channels, image_size=image_size,
                         bn_eps=bn_eps)
        shape = (channels, image_size, image_size)
        self.generator = _Generator(latent_dim, shape, bn_eps)
        self.discriminator = _Discriminator(shape)

    @property
    def latent_dim(self) -> int:
        return int(self.config["latent_dim"])

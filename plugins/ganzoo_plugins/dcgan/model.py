"""DCGAN networks: one stride-2 (transposed) convolution block per factor of two in image size.

At 64x64 with nz=100 and ngf=ndf=64 they are exactly the tutorial's networks (G 3,576,704 and
D 2,765,568 parameters). D ends in a logit, not a Sigmoid: BCEWithLogits is stable under
autocast, and the loss plugin decides how the logit is used.
"""

from __future__ import annotations

import math

from torch import nn

from ganzoo.errors import ConfigError
from ganzoo_plugins.tasks.adversarial import GenerativeModel


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: conv weights N(0, 0.02), BatchNorm N(1, 0.02) and bias 0."""
    name = type(module).__name__
    if "Conv" in name:
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _levels(image_size: int) -> int:
    """Number of stride-2 blocks between 4x4 and ``image_size``."""
    n = math.log2(image_size)
    if not n.is_integer() or not 16 <= image_size <= 256:
        raise ConfigError(f"dcgan: image_size must be a power of two from 16 to 256, got {image_size}")
    return int(n) - 2


class DCGAN(GenerativeModel):
    def __init__(self, nz: int = 100, ngf: int = 64, ndf: int = 64, channels: int = 3,
                 image_size: int = 64, max_mult: int = 8) -> None:
        super().__init__(nz=nz, ngf=ngf, ndf=ndf, channels=channels, image_size=image_size,
                         max_mult=max_mult)
        n = _levels(image_size)
        mults = [min(2 ** i, max_mult) for i in range(n - 1, -1, -1)]  # e.g. 8, 4, 2, 1

        g: list[nn.Module] = [
            nn.ConvTranspose2d(nz, ngf * mults[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * mults[0]),
            nn.ReLU(True),
        ]
        for a, b in zip(mults, mults[1:]):
            g += [nn.ConvTranspose2d(ngf * a, ngf * b, 4, 2, 1, bias=False),
                  nn.BatchNorm2d(ngf * b), nn.ReLU(True)]
        g += [nn.ConvTranspose2d(ngf * mults[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.generator = nn.Sequential(*g)

        d_mults = mults[::-1]  # 1, 2, 4, 8
        d: list[nn.Module] = [nn.Conv2d(channels, ndf * d_mults[0], 4, 2, 1, bias=False),
                              nn.LeakyReLU(0.2, inplace=True)]
        for a, b in zip(d_mults, d_mults[1:]):
            d += [nn.Conv2d(ndf * a, ndf * b, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * b),
                  nn.LeakyReLU(0.2, inplace=True)]
        d += [nn.Conv2d(ndf * d_mults[-1], 1, 4, 1, 0, bias=False), nn.Flatten(0)]
        self.discriminator = nn.Sequential(*d)

        self.apply(dcgan_init)

    @property
    def latent_dim(self) -> int:
        return int(self.config["nz"])

    def latent_shape(self, n: int) -> tuple[int, ...]:
        return (n, self.latent_dim, 1, 1)

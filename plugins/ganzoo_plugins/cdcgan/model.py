"""Class-conditional DCGAN networks at any power-of-two size from 16 to 256.

G is the DCGAN generator fed z concatenated to an ``Embedding(K, K)`` of the label, or, with
``g_cond="cbn"``, with its BatchNorm layers made class-conditional: each class has its own gain
and bias after normalisation (de Vries et al. 2017, as in SNGAN/BigGAN). On the embedded digits
the concatenation reached a lower classifier-FID (docs/benchmarks.md). D is the
DCGAN discriminator with a projection head (Miyato & Koyama 2018): the unconditional logit plus
the inner product of a class embedding with the last block's globally summed features, which
is what a conditional discriminator of the log-likelihood-ratio form reduces to. Labels may be
class indices (N,) or class weights (N, K) (a walk that blends classes).
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo_plugins.dcgan.model import _levels, dcgan_init
from ganzoo_plugins.tasks.conditional import ConditionalGenerativeModel, class_embedding


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm without its own affine, then a per-class gain (init 1) and bias (init 0)."""

    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(features, affine=False)
        self.gain = nn.Embedding(num_classes, features)
        self.bias = nn.Embedding(num_classes, features)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        gain = class_embedding(self.gain, labels).to(x.dtype)[:, :, None, None]
        bias = class_embedding(self.bias, labels).to(x.dtype)[:, :, None, None]
        return self.bn(x) * gain + bias


class _Generator(nn.Module):
    def __init__(self, nz: int, ngf: int, channels: int, mults: list[int], num_classes: int,
                 g_cond: str) -> None:
        super().__init__()
        self.g_cond = g_cond
        self.embed = nn.Embedding(num_classes, num_classes) if g_cond == "concat" else None
        widths = [ngf * m for m in mults]
        first = nz + (num_classes if g_cond == "concat" else 0)
        self.convs = nn.ModuleList([nn.ConvTranspose2d(first, widths[0], 4, 1, 0, bias=False)])
        self.convs.extend(nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False) for a, b in zip(widths, widths[1:]))
        if g_cond == "cbn":
            self.norms = nn.ModuleList(ConditionalBatchNorm2d(w, num_classes) for w in widths)
        else:
            self.norms = nn.ModuleList(nn.BatchNorm2d(w) for w in widths)
        self.out = nn.Sequential(nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh())
        self.act = nn.ReLU(True)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = z.reshape(z.size(0), -1)
        if self.embed is not None:
            h = torch.cat((class_embedding(self.embed, labels).to(h.dtype), h), 1)
        h = h[:, :, None, None]
        for conv, norm in zip(self.convs, self.norms):
            h = conv(h)
            h = norm(h, labels) if self.g_cond == "cbn" else norm(h)
            h = self.act(h)
        return self.out(h)


class _Discriminator(nn.Module):
    def __init__(self, ndf: int, channels: int, mults: list[int], num_classes: int) -> None:
        super().__init__()
        d: list[nn.Module] = [nn.Conv2d(channels, ndf * mults[0], 4, 2, 1, bias=False),
                              nn.LeakyReLU(0.2, inplace=True)]
        for a, b in zip(mults, mults[1:]):
            d += [nn.Conv2d(ndf * a, ndf * b, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * b),
                  nn.LeakyReLU(0.2, inplace=True)]
        self.features = nn.Sequential(*d)
        width = ndf * mults[-1]
        self.head = nn.Sequential(nn.Conv2d(width, 1, 4, 1, 0, bias=False), nn.Flatten(0))
        self.embed = nn.Embedding(num_classes, width)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        projection = (class_embedding(self.embed, labels).to(h.dtype) * h.sum((2, 3))).sum(1)
        return self.head(h) + projection


def _init(module: nn.Module) -> None:
    """DCGAN's N(0, 0.02) convolutions and N(1, 0.02) BatchNorm gains; small projection embeddings."""
    if isinstance(module, nn.BatchNorm2d) and not module.affine:
        return
    if isinstance(module, (ConditionalBatchNorm2d,)):
        return
    dcgan_init(module)


class CDCGAN(ConditionalGenerativeModel):
    def __init__(self, nz: int = 100, ngf: int = 64, ndf: int = 64, channels: int = 3,
                 image_size: int = 64, num_classes: int = 10, max_mult: int = 8,
                 g_cond: str = "concat") -> None:
        super().__init__(nz=nz, ngf=ngf, ndf=ndf, channels=channels, image_size=image_size,
                         num_classes=num_classes, max_mult=max_mult, g_cond=g_cond)
        n = _levels(image_size)
        mults = [min(2 ** i, max_mult) for i in range(n - 1, -1, -1)]  # e.g. 8, 4, 2, 1
        self.generator = _Generator(nz, ngf, channels, mults, num_classes, g_cond)
        self.discriminator = _Discriminator(ndf, channels, mults[::-1], num_classes)
        self.apply(_init)
        nn.init.normal_(self.discriminator.embed.weight, 0.0, 0.02)

    @property
    def latent_dim(self) -> int:
        return int(self.config["nz"])

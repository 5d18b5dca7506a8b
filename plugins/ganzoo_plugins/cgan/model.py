"""PyTorch-GAN's conditional MLP generator and discriminator (``cgan.py``).

G: ``Embedding(K, K)`` of the label concatenated to z, then the MLP of ``gan.py`` widened by K
at its input (100+10-128-256-512-1024-C*H*W). D: the image flattened and concatenated to its
own ``Embedding(K, K)``, then 1034-512-512-512-1 with Dropout(0.4). At 1x32x32 with 10 classes
they have the seed's 1,757,412 and 1,055,845 parameters. D emits a logit (the loss decides how
it is used).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganzoo_plugins.mlp_gan.model import generator_layers
from ganzoo_plugins.tasks.conditional import ConditionalGenerativeModel, class_embedding


class _Generator(nn.Module):
    def __init__(self, latent_dim: int, num_classes: int, shape: tuple[int, int, int], bn_eps: float) -> None:
        super().__init__()
        self.shape = shape
        self.label_emb = nn.Embedding(num_classes, num_classes)
        self.model = generator_layers(latent_dim + num_classes, shape, bn_eps)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = torch.cat((class_embedding(self.label_emb, labels).to(z.dtype), z), -1)
        return self.model(x).view(z.size(0), *self.shape)


class _Discriminator(nn.Module):
    def __init__(self, num_classes: int, shape: tuple[int, int, int]) -> None:
        super().__init__()
        self.label_embedding = nn.Embedding(num_classes, num_classes)
        self.model = nn.Sequential(
            nn.Linear(num_classes + math.prod(shape), 512),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(512, 512),
            nn.Dropout(0.4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(512, 512),
            nn.Dropout(0.4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(512, 1),
            nn.Flatten(0),
        )

    def forward(self, img: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        emb = class_embedding(self.label_embedding, labels).to(img.dtype)
        return self.model(torch.cat((img.reshape(img.size(0), -1), emb), -1))


class CGAN(ConditionalGenerativeModel):
    def __init__(self, latent_dim: int = 100, channels: int = 1, image_size: int = 32,
                 num_classes: int = 10, bn_eps: float = 0.8) -> None:
        super().__init__(latent_dim=latent_dim, channels=channels, image_size=image_size,
                         num_classes=num_classes, bn_eps=bn_eps)
        shape = (channels, image_size, image_size)
        self.generator = _Generator(latent_dim, num_classes, shape, bn_eps)
        self.discriminator = _Discriminator(num_classes, shape)

    @property
    def latent_dim(self) -> int:
        return int(self.config["latent_dim"])

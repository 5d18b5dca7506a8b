"""Base classes of the things a :class:`~ganzoo.specs.ModelSpec` builds (imports torch).

The trainer, the sampler, ``summary`` and the weights format only speak to these interfaces, so
a new model family is a plugin module plus one subclass, with no change to the core.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn


class ZooModel(nn.Module):
    """A model of the zoo: one or more networks plus the hyperparameters that built them.

    ``config`` holds every hyperparameter, so ``type(m)(**m.config)`` rebuilds the same
    architecture; it is what ``config.json`` stores next to the weights.
    """

    task: ClassVar[str] = ""

    def __init__(self, **config: Any) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(config)

    def networks(self) -> dict[str, nn.Module]:
        """The separately trained / saved networks, by role (``generator``, ``discriminator``, ``model``)."""
        raise NotImplementedError

    def example_input(self, name: str, batch_size: int = 2) -> torch.Tensor:
        """A valid input batch for network ``name`` (for torchinfo and smoke tests)."""
        raise NotImplementedError

    @property
    def primary(self) -> str:
        """The network ``model.safetensors`` holds: the generator for GANs, the model otherwise."""
        return "generator" if "generator" in self.networks() else "model"


class GenerativeModel(ZooModel):
    """A GAN: ``generator`` maps latent vectors to images in [-1, 1]; ``discriminator`` emits logits."""

    task = "adversarial"
    generator: nn.Module
    discriminator: nn.Module

    @property
    def latent_dim(self) -> int:
        raise NotImplementedError

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of generated images."""
        c, s = int(self.config["channels"]), int(self.config["image_size"])
        return (c, s, s)

    def latent_shape(self, n: int) -> tuple[int, ...]:
        """Shape of a latent batch; DCGAN uses (n, nz, 1, 1), the MLP GAN (n, latent)."""
        return (n, self.latent_dim)

    def sample_latent(self, n: int, generator: torch.Generator | None = None,
                      device: torch.device | str | None = None) -> torch.Tensor:
        return torch.randn(self.latent_shape(n), generator=generator, device=device)

    def networks(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def example_input(self, name: str, batch_size: int = 2) -> torch.Tensor:
        if name == "generator":
            return torch.randn(self.latent_shape(batch_size))
        return torch.randn(batch_size, *self.image_shape)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z)

    def sample(self, n: int, seed: int | None = None, truncation: float | None = None) -> torch.Tensor:
        """``n`` images, float (n, C, H, W) in [0, 1] on the CPU; see :func:`ganzoo.sample.sample`."""
        from . import sample

        return sample.sample(self, n, seed=seed, truncation=truncation)

    def interpolate(self, n_steps: int = 8, seed: int | None = None,
                    start: torch.Tensor | None = None, end: torch.Tensor | None = None) -> torch.Tensor:
        """Images along the slerp path between two latents; see :func:`ganzoo.sample.interpolate`."""
        from . import sample

        return sample.interpolate(self, n_steps, seed=seed, start=start, end=end)


class ClassifierModel(ZooModel):
    """An image classifier: (N, C, H, W) in [-1, 1] -> (N, num_classes) logits."""

    task = "classification"
    net: nn.Module

    def networks(self) -> dict[str, nn.Module]:
        return {"model": self.net}

    def example_input(self, name: str = "model", batch_size: int = 2) -> torch.Tensor:
        c, s = int(self.config["channels"]), int(self.config["image_size"])
        return torch.randn(batch_size, c, s, s)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def predict(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Class indices and probabilities for images in [0, 1]; see :func:`ganzoo.sample.predict`."""
        from . import sample

        return sample.predict(self, x)

    @property
    def class_names(self) -> list[str]:
        from . import sample

        return sample.class_names(self)


class RegressorModel(ZooModel):
    """A sequence regressor: (N, L) -> (N, L), one prediction (the next value) per step."""

    task = "regression"
    net: nn.Module

    def networks(self) -> dict[str, nn.Module]:
        return {"model": self.net}

    def example_input(self, name: str = "model", batch_size: int = 2) -> torch.Tensor:
        return torch.randn(batch_size, int(self.config.get("seq_len", 32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def forecast(self, series: torch.Tensor, steps: int) -> torch.Tensor:
        """The next ``steps`` values of ``series``; see :func:`ganzoo.sample.forecast`."""
        from . import sample

        return sample.forecast(self, series, steps)


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: conv weights N(0, 0.02), BatchNorm N(1, 0.02) and bias 0."""
    name = type(module).__name__
    if "Conv" in name:
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)

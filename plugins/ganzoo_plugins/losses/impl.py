"""The built-in losses. Imported only when a run needs one (imports torch).

GAN losses implement the adversarial task's protocol,
:class:`ganzoo_plugins.tasks.adversarial.GANLoss` (see its docstring and docs/plugins.md): the
built-in ones are *separable*, so the step backpropagates D's real and fake terms one after the
other as the DCGAN tutorial does (errD_real, errD_fake); G's loss sees the real logits too but
these formulas do not need them.

Supervised losses are plain callables ``loss(prediction, target) -> scalar``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ganzoo_plugins.tasks.adversarial import GANLoss

__all__ = ["BCELoss", "CrossEntropyLoss", "GANLoss", "HingeLoss", "MSELoss", "WGANGPLoss"]


class BCELoss(GANLoss):
    """The seeds' loss: real label 1, fake label 0, G trained against label 1 (non-saturating).

    D emits logits and BCEWithLogits applies the sigmoid inside the loss (the CIFAR seed's
    numerically safe form; Sigmoid + BCELoss breaks under autocast). ``real_label`` < 1 is
    one-sided label smoothing (Salimans et al. 2016): it keeps D from growing overconfident
    on a small dataset, which starves G of gradient.
    """

    def __init__(self, real_label: float = 1.0) -> None:
        self.real_label = real_label

    def d_loss_real(self, logits: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, self.real_label))

    def d_loss_fake(self, logits: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))

    def g_loss(self, logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))

    def score(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits.detach().float()).mean()


class MSELoss(GANLoss):
    """Least squares: LSGAN's a=0, b=c=1 for GANs, and plain MSE when called on predictions."""

    def __call__(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(prediction, target)

    def d_loss_real(self, logits: torch.Tensor) -> torch.Tensor:
        return 0.5 * F.mse_loss(logits, torch.ones_like(logits))

    def d_loss_fake(self, logits: torch.Tensor) -> torch.Tensor:
        return 0.5 * F.mse_loss(logits, torch.zeros_like(logits))

    def g_loss(self, logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
        return 0.5 * F.mse_loss(logits, torch.ones_like(logits))


class HingeLoss(GANLoss):
    """The SAGAN / BigGAN hinge: D pushes real logits above 1 and fake below -1."""

    def d_loss_real(self, logits: torch.Tensor) -> torch.Tensor:
        return F.relu(1.0 - logits).mean()

    def d_loss_fake(self, logits: torch.Tensor) -> torch.Tensor:
        return F.relu(1.0 + logits).mean()

    def g_loss(self, logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
        return -logits.mean()


class WGANGPLoss(GANLoss):
    """Wasserstein critic with a gradient penalty on random interpolates (Gulrajani et al.).

    Note: BatchNorm in the critic makes the per-sample penalty approximate; the paper uses
    LayerNorm or none. Kept usable on the zoo's discriminators for comparison.
    """

    def __init__(self, gp_weight: float = 10.0, n_critic: int = 5) -> None:
        from ganzoo.errors import ConfigError

        if gp_weight < 0:
            raise ConfigError(f"loss 'wgan-gp': gp_weight must be >= 0, got {gp_weight} (try 10)")
        if n_critic < 1:
            raise ConfigError(f"loss 'wgan-gp': n_critic must be >= 1, got {n_critic} (try 5)")
        self.gp_weight = float(gp_weight)
        self.n_critic = int(n_critic)

    def d_loss_real(self, logits: torch.Tensor) -> torch.Tensor:
        return -logits.mean()

    def d_loss_fake(self, logits: torch.Tensor) -> torch.Tensor:
        return logits.mean()

    def g_loss(self, logits: torch.Tensor, real_logits: torch.Tensor | None = None) -> torch.Tensor:
        return -logits.mean()

    def penalty(self, discriminator: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                fake: torch.Tensor) -> torch.Tensor | None:
        if self.gp_weight == 0:
            return None
        shape = (real.size(0),) + (1,) * (real.dim() - 1)
        alpha = torch.rand(shape, device=real.device, dtype=real.dtype)
        mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
        out = discriminator(mixed)
        (grad,) = torch.autograd.grad(out.sum(), mixed, create_graph=True)
        norm = grad.flatten(1).norm(2, dim=1)
        return self.gp_weight * ((norm - 1.0) ** 2).mean()


class CrossEntropyLoss:
    """Cross-entropy on logits against int64 class labels (the FashionMNIST seed's loss)."""

    def __init__(self, label_smoothing: float = 0.0) -> None:
        from ganzoo.errors import ConfigError

        if not 0.0 <= label_smoothing < 1.0:
            raise ConfigError(
                f"loss 'cross-entropy': label_smoothing must be in [0, 1), got {label_smoothing}"
            )
        self.label_smoothing = float(label_smoothing)

    def __call__(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, target, label_smoothing=self.label_smoothing)

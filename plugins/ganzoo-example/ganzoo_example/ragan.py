"""The relativistic average GAN loss (Jolicoeur-Martineau 2018, RaSGAN form).

D estimates how much more realistic a real image is than the *average* fake, and vice versa::

    L_D = BCE(C(x_r) - mean C(x_f), 1) + BCE(C(x_f) - mean C(x_r), 0)
    L_G = BCE(C(x_f) - mean C(x_r), 1) + BCE(C(x_r) - mean C(x_f), 0)

ganzoo's adversarial step asks a loss for D's real and fake terms separately (``d_loss_real``,
``d_loss_fake``) and backpropagates each at once, but both relativistic terms need the real and
the fake logits together. So the whole D loss is computed in ``penalty(D, real, fake)``, the
one hook that sees both batches, and the per-side terms are zero. That costs one extra D forward
pass per batch and keeps the loss exact. ``g_loss`` uses the real logits of the same batch from
that D pass (detached, as D is not trained by G's loss).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class RaGANLoss:
    """Duck-types the built-in ``GANLoss`` interface (see ``ganzoo_plugins.losses.impl``)."""

    n_critic: int = 1

    def __init__(self) -> None:
        self._real_logits: torch.Tensor | None = None

    @staticmethod
    def _zero(logits: torch.Tensor) -> torch.Tensor:
        # A leaf that needs grad, so the step's backward() is a no-op instead of a second D pass.
        return torch.zeros((), device=logits.device, requires_grad=True)

    def d_loss_real(self, logits: torch.Tensor) -> torch.Tensor:
        return self._zero(logits)

    def d_loss_fake(self, logits: torch.Tensor) -> torch.Tensor:
        return self._zero(logits)

    def d_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        """The relativistic D loss on both batches' logits."""
        r, f = real_logits.float(), fake_logits.float()
        return (F.binary_cross_entropy_with_logits(r - f.mean(), torch.ones_like(r))
                + F.binary_cross_entropy_with_logits(f - r.mean(), torch.zeros_like(f)))

    def penalty(self, discriminator: torch.nn.Module, real: torch.Tensor,
                fake: torch.Tensor) -> torch.Tensor:
        real_logits = discriminator(real)
        fake_logits = discriminator(fake.detach())
        self._real_logits = real_logits.detach()
        return self.d_loss(real_logits, fake_logits)

    def g_loss(self, logits: torch.Tensor) -> torch.Tensor:
        if self._real_logits is None:
            raise RuntimeError("ragan: g_loss needs a D step first (penalty() sets the real logits)")
        return self.g_loss_against(self._real_logits, logits)

    @staticmethod
    def g_loss_against(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        """The relativistic G loss: fakes should look more real than the average real image."""
        r, f = real_logits.float(), fake_logits.float()
        return (F.binary_cross_entropy_with_logits(f - r.mean(), torch.ones_like(f))
                + F.binary_cross_entropy_with_logits(r - f.mean(), torch.zeros_like(r)))

    def score(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits.detach().float()).mean()

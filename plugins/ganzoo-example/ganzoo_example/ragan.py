"""The relativistic average GAN loss (Jolicoeur-Martineau 2018, RaSGAN form).

D estimates how much more realistic a real image is than the *average* fake, and vice versa::

    L_D = BCE(C(x_r) - mean C(x_f), 1) + BCE(C(x_f) - mean C(x_r), 0)
    L_G = BCE(C(x_f) - mean C(x_r), 1) + BCE(C(x_r) - mean C(x_f), 0)

Both terms need the real and the fake logits together, which the adversarial task's loss
protocol gives every loss: ``d_loss(real_logits, fake_logits)`` and ``g_loss(fake_logits,
real_logits)``. The loss says it is not *separable*, so the step backpropagates D's joint loss
once instead of a real and a fake half, with no extra D pass in the D step; in the G step the
real batch's logits come from the updated D (detached, as D is not trained by G's loss), as in
the reference implementation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganzoo_plugins.tasks.adversarial import GANLoss


class RaGANLoss(GANLoss):
    """RaSGAN on D's logits."""

    separable = False

    def d_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        """The relativistic D loss on both batches' logits."""
        r, f = real_logits.float(), fake_logits.float()
        return (F.binary_cross_entropy_with_logits(r - f.mean(), torch.ones_like(r))
                + F.binary_cross_entropy_with_logits(f - r.mean(), torch.zeros_like(f)))

    def g_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor) -> torch.Tensor:
        """The relativistic G loss: fakes should look more real than the average real image."""
        r, f = real_logits.float(), fake_logits.float()
        return (F.binary_cross_entropy_with_logits(f - r.mean(), torch.ones_like(f))
                + F.binary_cross_entropy_with_logits(r - f.mean(), torch.zeros_like(r)))

    def score(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits.detach().float()).mean()

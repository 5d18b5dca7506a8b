"""Registration module of the example plugin: no torch import here, so ``ganzoo list`` stays fast."""

from ganzoo import hookimpl
from ganzoo.specs import LossSpec


@hookimpl
def register_losses(register):
    register(LossSpec(
        name="ragan",
        builder="ganzoo_example.ragan:RaGANLoss",
        description="Relativistic average GAN loss (RaGAN, Jolicoeur-Martineau 2018)",
        tasks=("adversarial",),
    ))

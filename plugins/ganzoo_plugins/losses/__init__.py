"""The built-in training objectives. Implementations live in ``losses/impl.py`` (imports torch)."""

from ganzoo import hookimpl
from ganzoo.specs import LossSpec, Param


@hookimpl
def register_losses(register):
    register(LossSpec(
        name="bce",
        builder="ganzoo_plugins.losses.impl:BCELoss",
        description="Standard GAN loss on D's logits (BCEWithLogits), non-saturating G loss",
        tasks=("adversarial",),
        params={"real_label": Param("float", 1.0, "D's target for real images; 0.9 is one-sided "
                                                  "label smoothing", min=0, max=1)},
    ))
    register(LossSpec(
        name="mse",
        builder="ganzoo_plugins.losses.impl:MSELoss",
        description="Least-squares GAN (LSGAN) for GANs; mean squared error for regressors",
        tasks=("adversarial", "regression"),
    ))
    register(LossSpec(
        name="hinge",
        builder="ganzoo_plugins.losses.impl:HingeLoss",
        description="Hinge GAN loss (SAGAN / BigGAN form)",
        tasks=("adversarial",),
    ))
    register(LossSpec(
        name="wgan-gp",
        builder="ganzoo_plugins.losses.impl:WGANGPLoss",
        description="Wasserstein loss with gradient penalty (Gulrajani et al. 2017)",
        tasks=("adversarial",),
        params={
            "gp_weight": Param("float", 10.0, "gradient penalty coefficient lambda", min=0, max=1e4),
            "n_critic": Param("int", 5, "critic (D) updates per generator update", min=1, max=100),
        },
    ))
    register(LossSpec(
        name="cross-entropy",
        builder="ganzoo_plugins.losses.impl:CrossEntropyLoss",
        description="Cross-entropy on logits for classifiers",
        tasks=("classification",),
        params={"label_smoothing": Param("float", 0.0, "label smoothing in [0, 1)", min=0, max=1)},
    ))

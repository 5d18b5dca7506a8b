"""The MLP GAN of PyTorch-GAN's ``gan.py`` (the MNIST seed)."""

from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="mlp-gan",
            builder="ganzoo_plugins.mlp_gan.model:MLPGAN",
            description="Fully connected GAN from PyTorch-GAN (gan.py), 1x28x28 by default",
            task="adversarial",
            default_loss="bce",
            default_dataset="digits",
            inputs="z: (N, latent_dim) ~ N(0, 1)",
            outputs="images: (N, channels, image_size, image_size) in [-1, 1]",
            params={
                "latent_dim": Param("int", 100, "size of the latent vector z", min=1, max=4096),
                "channels": Param("int", 1, "image channels", min=1, max=4),
                "image_size": Param("int", 28, "image side in pixels", min=4, max=256),
                "bn_eps": Param("float", 0.8, "BatchNorm1d eps; the seed passes 0.8 positionally "
                                              "(meant as momentum, kept for its published results)",
                                min=1e-8, max=10),
            },
            data_params={"channels": "channels", "image_size": "image_size"},
            recipe={"batch_size": 64, "lr": 2e-4, "betas": (0.5, 0.999), "epochs": 200,
                    "optimizer": "adam",
                    # The seed's 200 MNIST epochs are 187,000 steps; 200 epochs of digits'
                    # 1,437 images are 4,400, and the last step's generator misses classes.
                    # 600 epochs with DiffAugment and a moving average of G's weights meet
                    # the zoo's targets (docs/benchmarks.md, "Quality on digits").
                    "datasets": {"digits": {"epochs": 600, "augment": "translation,cutout,color",
                                            "ema": 0.999}}},
        )
    )

"""The conditional MLP GAN of PyTorch-GAN's ``implementations/cgan/cgan.py``."""

from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="cgan",
            builder="ganzoo_plugins.cgan.model:CGAN",
            description="Conditional MLP GAN from PyTorch-GAN (cgan.py): label embeddings "
                        "concatenated to z and to the image, 1x32x32 by default",
            task="conditional",
            default_loss="mse",  # the seed trains with MSELoss (least squares)
            default_dataset="digits",
            inputs="z: (N, latent_dim) ~ N(0, 1); labels: (N,) class indices",
            outputs="images: (N, channels, image_size, image_size) in [-1, 1]",
            params={
                "latent_dim": Param("int", 100, "size of the latent vector z", min=1, max=4096),
                "channels": Param("int", 1, "image channels", min=1, max=4),
                "image_size": Param("int", 32, "image side in pixels", min=4, max=256),
                "num_classes": Param("int", 10, "number of classes", min=1, max=10000),
                "bn_eps": Param("float", 0.8, "BatchNorm1d eps; the seed passes 0.8 positionally "
                                              "(meant as momentum, kept for its published results)",
                                min=1e-8, max=10),
            },
            data_params={"channels": "channels", "image_size": "image_size", "num_classes": "num_classes"},
            recipe={"batch_size": 64, "lr": 2e-4, "betas": (0.5, 0.999), "epochs": 200,
                    "optimizer": "adam",
                    # Measured on the embedded digits (docs/benchmarks.md, "Conditional GANs").
                    "datasets": {"digits": {"epochs": 400, "augment": "translation,cutout,color",
                                            "ema": 0.999, "lr_decay": 0.3}}},
        )
    )

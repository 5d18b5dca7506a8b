"""The PyTorch-basics seed's CIFAR-10 DCGAN, exactly: latent 64, Sigmoid images in [0, 1]."""

from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="dcgan-cifar",
            builder="ganzoo_plugins.dcgan_cifar.model:DCGANCifar",
            description="The basics seed's CIFAR-10 DCGAN: 256-128-64 ConvTranspose stack to a "
                        "Sigmoid, images in [0, 1] (3x32x32)",
            task="adversarial",
            default_loss="bce",  # the seed's BCEWithLogitsLoss
            default_dataset="cifar10",
            inputs="z: (N, latent_size, 1, 1) ~ N(0, 1)",
            outputs="images: (N, channels, 32, 32) in [0, 1]",
            params={
                "latent_size": Param("int", 64, "size of the latent vector z", min=1, max=4096),
                "n_g_feature": Param("int", 64, "generator feature maps in the last block", min=1, max=1024),
                "n_d_feature": Param("int", 64, "discriminator feature maps in the first block",
                                     min=1, max=1024),
                "channels": Param("int", 3, "image channels", choices=(1, 3)),
                "image_size": Param("int", 32, "image side (the seed's networks are 32x32)", choices=(32,)),
            },
            data_params={"channels": "channels", "image_size": "image_size"},
            # The seed: batch 64, Adam 2e-4 (0.5, 0.999), 10 epochs, ToTensor images in [0, 1].
            recipe={"batch_size": 64, "lr": 2e-4, "betas": (0.5, 0.999), "epochs": 10,
                    "optimizer": "adam"},
        )
    )

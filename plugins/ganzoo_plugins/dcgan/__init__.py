"""DCGAN (Radford et al. 2016) as in the PyTorch DCGAN CelebA tutorial."""

from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="dcgan",
            builder="ganzoo_plugins.dcgan.model:DCGAN",
            description="Deep convolutional GAN from the PyTorch CelebA tutorial (64x64 RGB by default)",
            task="adversarial",
            default_loss="bce",
            default_dataset="digits",
            inputs="z: (N, nz, 1, 1) ~ N(0, 1)",
            outputs="images: (N, channels, image_size, image_size) in [-1, 1]",
            params={
                "nz": Param("int", 100, "size of the latent vector z", min=1, max=4096),
                "ngf": Param("int", 64, "generator feature maps in the last block", min=1, max=1024),
                "ndf": Param("int", 64, "discriminator feature maps in the first block", min=1, max=1024),
                "channels": Param("int", 3, "image channels", choices=(1, 3)),
                "image_size": Param("int", 64, "image side, a power of two",
                                    choices=(16, 32, 64, 128, 256)),
                "max_mult": Param("int", 8, "cap on the feature-map multiplier of deep blocks", min=1, max=64),
            },
            data_params={"channels": "channels", "image_size": "image_size"},
            recipe={"batch_size": 128, "lr": 2e-4, "betas": (0.5, 0.999), "epochs": 5,
                    "optimizer": "adam",
                    # digits has no native size: train it as 1x32x32 (the quality benchmark's
                    # shape) with half-width networks (4x cheaper on a CPU). Its 1,437 images
                    # are too few for the seed's recipe: D memorises them, so DiffAugment on
                    # every image D sees plus one-sided label smoothing; 500 epochs of batch
                    # 64 with the lr decaying over the last 70 %; and the moving average of
                    # G's weights is what gets saved (docs/benchmarks.md, "Quality on digits").
                    "datasets": {"digits": {"batch_size": 64, "epochs": 500,
                                            "augment": "translation,cutout,color", "ema": 0.999,
                                            "lr_decay": 0.3,
                                            "loss_settings": {"real_label": 0.9},
                                            "hparams": {"image_size": 32, "channels": 1,
                                                        "ngf": 32, "ndf": 32}}}},
        )
    )

"""A class-conditional DCGAN: conditional BatchNorm in G, a projection discriminator."""

from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="cdcgan",
            builder="ganzoo_plugins.cdcgan.model:CDCGAN",
            description="Class-conditional DCGAN: label embedding concatenated to z in G, projection "
                        "discriminator (Miyato & Koyama 2018); 64x64 RGB by default",
            task="conditional",
            default_loss="bce",
            default_dataset="digits",
            inputs="z: (N, nz) ~ N(0, 1); labels: (N,) class indices",
            outputs="images: (N, channels, image_size, image_size) in [-1, 1]",
            params={
                "nz": Param("int", 100, "size of the latent vector z", min=1, max=4096),
                "ngf": Param("int", 64, "generator feature maps in the last block", min=1, max=1024),
                "ndf": Param("int", 64, "discriminator feature maps in the first block", min=1, max=1024),
                "channels": Param("int", 3, "image channels", choices=(1, 3)),
                "image_size": Param("int", 64, "image side, a power of two",
                                    choices=(16, 32, 64, 128, 256)),
                "num_classes": Param("int", 10, "number of classes", min=1, max=10000),
                "max_mult": Param("int", 8, "cap on the feature-map multiplier of deep blocks", min=1, max=64),
                # concat measured better than cbn on digits (docs/benchmarks.md, "Conditional GANs").
                "g_cond": Param("str", "concat", "how G sees the label: 'concat' (an embedding "
                                "concatenated to z) or 'cbn' (class-conditional BatchNorm gains and "
                                "biases)", choices=("concat", "cbn")),
            },
            data_params={"channels": "channels", "image_size": "image_size", "num_classes": "num_classes"},
            recipe={"batch_size": 128, "lr": 2e-4, "betas": (0.5, 0.999), "epochs": 5,
                    "optimizer": "adam",
                    # Measured on the embedded digits (docs/benchmarks.md, "Conditional GANs").
                    "datasets": {"digits": {"batch_size": 64, "epochs": 300,
                                            "augment": "translation,cutout,color", "ema": 0.999,
                                            "lr_decay": 0.3,
                                            "loss_settings": {"real_label": 0.9},
                                            "hparams": {"image_size": 32, "channels": 1,
                                                        "ngf": 32, "ndf": 32}}}},
        )
    )

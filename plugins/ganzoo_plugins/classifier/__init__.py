"""The FashionMNIST tutorial's classifiers: the Sequential MLP and the basics seed's small CNN."""

from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param

_COMMON = {
    "channels": Param("int", 1, "image channels", min=1, max=4),
    "image_size": Param("int", 28, "image side in pixels", min=2, max=512),
    "num_classes": Param("int", 10, "number of classes", min=1, max=10000),
}
_DATA = {"channels": "channels", "image_size": "image_size", "num_classes": "num_classes"}
# The seed trains with SGD lr 1e-3 for 10 epochs at batch 64; that recipe barely moves in 10
# epochs on small data, so the default keeps batch 64 and epochs 10 but uses Adam 1e-3.
_RECIPE = {"batch_size": 64, "lr": 1e-3, "betas": (0.9, 0.999), "epochs": 10, "optimizer": "adam"}


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="classifier",
            builder="ganzoo_plugins.classifier.model:MLPClassifier",
            description="Flatten -> Linear-ReLU-Linear-ReLU-Linear classifier (FashionMNIST tutorial)",
            task="classification",
            default_loss="cross-entropy",
            default_dataset="digits",
            inputs="images: (N, channels, image_size, image_size) in [-1, 1]",
            outputs="logits: (N, num_classes)",
            params={**_COMMON, "hidden": Param("int", 512, "width of both hidden layers", min=1, max=16384)},
            data_params=_DATA,
            recipe=_RECIPE,
        )
    )
    register(
        ModelSpec(
            name="classifier-cnn",
            builder="ganzoo_plugins.classifier.model:CNNClassifier",
            description="Conv-Conv-MaxPool-Linear-Dropout-Linear classifier (basics seed, scaled)",
            task="classification",
            default_loss="cross-entropy",
            default_dataset="digits",
            inputs="images: (N, channels, image_size, image_size) in [-1, 1]",
            outputs="logits: (N, num_classes)",
            params={
                **_COMMON,
                "width": Param("int", 16, "channels of the first conv (the seed: 64)", min=1, max=1024),
                "fc": Param("int", 256, "width of the hidden linear layer (the seed: 1024)", min=1, max=16384),
                "dropout": Param("float", 0.5, "dropout before the last layer", min=0, max=1),
            },
            data_params=_DATA,
            recipe=_RECIPE,
        )
    )

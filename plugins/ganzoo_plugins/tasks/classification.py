"""The ``classification`` task: image classifiers, as in the FashionMNIST tutorial's loops.

Per epoch: train loss, test loss and test accuracy; at the end: ``curves.png`` and
``confusion_matrix.png``. ``ganzoo eval``: test accuracy and the confusion matrix;
``ganzoo predict``: the top classes of image files.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganzoo.data import Split
from ganzoo.errors import DataError
from ganzoo.modeling import ZooModel
from ganzoo.sample import device_of, from_unit, inference, load_images
from ganzoo.tasks import Scores, Task
from ganzoo.training.step import RunContext, Step

from .supervised import SupervisedStep

log = logging.getLogger("ganzoo.tasks.classification")


class ClassifierModel(ZooModel):
    """An image classifier: (N, C, H, W) in [-1, 1] -> (N, num_classes) logits."""

    task = "classification"
    #: An exported classifier maps images in the model's value range to one logit per class.
    export_inputs = ("images",)
    export_outputs = ("logits",)
    net: nn.Module

    def networks(self) -> dict[str, nn.Module]:
        return {"model": self.net}

    def example_input(self, name: str = "model", batch_size: int = 2) -> torch.Tensor:
        c, s = int(self.config["channels"]), int(self.config["image_size"])
        return torch.randn(batch_size, c, s, s)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def predict(self, x: Any, batch_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
        """Class indices and probabilities (N, num_classes) for images in [0, 1] (or uint8)."""
        x = self._prepare(x)
        device = device_of(self)
        with inference(self):
            probs = torch.cat([torch.softmax(self(chunk.to(device)).float(), dim=1).cpu()
                               for chunk in x.split(batch_size)])
        return probs.argmax(dim=1), probs

    def _prepare(self, x: Any) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(x)
        if x.dim() == 3:
            x = x[None]
        c, s = int(self.config["channels"]), int(self.config["image_size"])
        if x.dim() != 4 or tuple(x.shape[1:]) != (c, s, s):
            raise DataError(f"predict expects images of shape (N, {c}, {s}, {s}), got {tuple(x.shape)}")
        return from_unit(self, x)

    @property
    def class_names(self) -> list[str]:
        """Names from the saved config, else the indices as strings."""
        data = (getattr(self, "zoo_config", None) or {}).get("dataset") or {}
        names = data.get("class_names") if isinstance(data, dict) else None
        if isinstance(names, list) and names:
            return [str(n) for n in names]
        return [str(i) for i in range(int(self.config.get("num_classes", 0)))]


#: An input whose mean brightness sits further than this many standard deviations of the
#: training images' own (and at least ``FAR_ABSOLUTE`` on the [0, 1] scale) from theirs is
#: unlike anything the classifier saw: a black-on-white digit for a white-on-black model.
FAR_SDS, FAR_ABSOLUTE = 4.0, 0.25


def warn_unlike_training(model: Any, inputs: Sequence[str], images: torch.Tensor) -> None:
    """One warning per input whose brightness is far from the training images' (see
    :func:`training_brightness`); silent when nothing is known about the training data."""
    ref = training_brightness(model)
    if ref is None:
        return
    mean, sd = ref
    far = max(FAR_SDS * sd, FAR_ABSOLUTE)
    for path, value in zip(inputs, images.float().mean(dim=(1, 2, 3)).tolist()):
        if abs(value - mean) > far:
            why = "inverted colours?" if abs(1 - value - mean) < abs(value - mean) else \
                "a different kind of image?"
            log.warning("%s: mean brightness %.2f vs %.2f in training (%s); the prediction may be "
                        "meaningless", path, value, mean, why)


def training_brightness(model: Any) -> tuple[float, float] | None:
    """Mean and standard deviation of the training images' mean brightness, in [0, 1].

    Weights folders do not record it, so it is measured on the dataset ``config.json`` names,
    at the model's input shape, when that dataset needs no files (an embedded one such as
    digits: it is loaded with an empty data folder, no download and no cache); else None.
    """
    data = (getattr(model, "zoo_config", None) or {}).get("dataset") or {}
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        return None
    options = data.get("options") if isinstance(data.get("options"), dict) else {}
    key = (name, int(model.config["channels"]), int(model.config["image_size"]),
           tuple(sorted((str(k), repr(v)) for k, v in options.items())))
    if key not in _BRIGHTNESS:
        _BRIGHTNESS[key] = _measure(name, key[1], key[2], options)
    return _BRIGHTNESS[key]


_BRIGHTNESS: dict[tuple[Any, ...], tuple[float, float] | None] = {}


def _measure(name: str, channels: int, size: int, options: dict[str, Any]) -> tuple[float, float] | None:
    import tempfile
    from pathlib import Path

    from ganzoo.data import DataRequest, load_dataset

    try:
        with tempfile.TemporaryDirectory() as empty:
            bundle = load_dataset(name, DataRequest(name=name, root=Path(empty), image_size=size,
                                                    channels=channels, download=False,
                                                    use_cache=False, progress=False, options=options))
    except Exception as exc:  # noqa: BLE001 - files needed, or gone: nothing to compare with
        log.debug("predict: no brightness reference from dataset '%s' (%s)", name, exc)
        return None
    x = bundle.train.x
    if bundle.modality != "image" or x.dim() != 4 or len(x) < 2 or x.dtype != torch.uint8:
        return None
    means = x.float().mean(dim=(1, 2, 3)) / 255.0
    return float(means.mean()), float(means.std())


def confusion(pred: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
    """Rows: true classes, columns: predictions."""
    return torch.bincount(y * k + pred, minlength=k * k).view(k, k)


class ClassificationStep(SupervisedStep):
    """The FashionMNIST seed's train/test loops: train loss, test loss and accuracy per epoch."""

    def __init__(self, model: Any, loss: Any, ctx: RunContext) -> None:
        super().__init__(model, loss, ctx)
        self.confusion: list[list[int]] | None = None

    def evaluate(self, test: Split | None, batch_size: int) -> dict[str, float]:
        if test is None or test.y is None or len(test) == 0:
            return {}
        logits = self.predict(test, batch_size)
        y = test.y.cpu()
        pred = logits.argmax(1)
        self.confusion = confusion(pred, y, int(logits.size(1))).tolist()
        return {"test_loss": float(self.loss(logits, y)),
                "test_accuracy": float((pred == y).float().mean())}

    def write_pictures(self, history: list[dict[str, Any]]) -> list[str]:
        from .figures import classifier_curves, confusion_matrix

        epochs = [r for r in history if r["kind"] == "epoch"]
        if not epochs or "test_accuracy" not in epochs[-1] or self.confusion is None:
            return []
        out = self.ctx.out
        classifier_curves([r["epoch"] for r in epochs], [r["train_loss"] for r in epochs],
                          [r["test_loss"] for r in epochs], [r["test_accuracy"] for r in epochs],
                          out / "curves.png")
        confusion_matrix(self.confusion, self.ctx.bundle.class_names, out / "confusion_matrix.png")
        return ["curves.png", "confusion_matrix.png"]


class ClassificationTask(Task):
    def check_data(self, opts: Any, bundle: Any) -> None:
        if bundle.train.y is None or bundle.num_classes is None:
            raise DataError(f"dataset '{bundle.name}' has no labels; model '{opts.model_spec.name}' "
                            f"needs a labelled dataset (for example digits)")

    def make_step(self, model: Any, loss: Any, ctx: RunContext) -> Step:
        return ClassificationStep(model, loss, ctx)

    def evaluate(self, model: Any, bundle: Any, *, seed: int, options: dict[str, Any]) -> Scores:
        test = bundle.test
        if test.y is None:
            raise DataError(f"eval: dataset '{bundle.name}' has no labels to score a classifier")
        pred, _ = model.predict(test.x)
        y = test.y.long().cpu()
        k = int(model.config.get("num_classes") or int(y.max()) + 1)
        return Scores(metrics={"test_accuracy": float((pred == y).float().mean())}, n=len(test),
                      details={"confusion": confusion(pred, y, k).tolist(),
                               "class_names": bundle.class_names})

    def report(self, evaluation: Any) -> list[str]:
        matrix = evaluation.details.get("confusion")
        if not matrix:
            return []
        return ["  confusion (rows true, columns predicted):",
                *("    " + " ".join(f"{c:4d}" for c in row) for row in matrix)]

    def draw(self, folder: Any, model: Any, evaluation: Any) -> list[str]:
        from .figures import confusion_matrix

        confusion_matrix(evaluation.details["confusion"], evaluation.details.get("class_names"),
                         folder / "confusion_matrix.png")
        return ["confusion_matrix.png"]

    def predict(self, model: Any, inputs: Sequence[str], options: dict[str, Any]) -> list[str]:
        names = model.class_names
        c, s = int(model.config["channels"]), int(model.config["image_size"])
        images = load_images(inputs, c, s)
        warn_unlike_training(model, inputs, images)
        _, probs = model.predict(images)
        k = min(int(options.get("top", 1)), probs.shape[1])
        lines = []
        for path, row in zip(inputs, probs):
            p, idx = row.topk(k)
            shown = "  ".join(f"{names[i] if i < len(names) else i} {float(q):.3f}"
                              for q, i in zip(p.tolist(), idx.tolist()))
            lines.append(f"{path}\t{shown}")
        return lines

    def demo(self, model: Any) -> None:
        from .demos import classifier_panel

        classifier_panel(model)

    def usage(self, ref: str) -> tuple[list[str], list[str]]:
        return ([f'model = ganzoo.load("{ref}")',
                 "indices, probs = model.predict(images)  # images float (N, C, H, W) in [0, 1]"],
                [f"ganzoo predict {ref} INPUT..."])

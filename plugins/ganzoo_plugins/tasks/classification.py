"""The ``classification`` task: image classifiers, as in the FashionMNIST tutorial's loops.

Per epoch: train loss, test loss and test accuracy; at the end: ``curves.png`` and
``confusion_matrix.png``. ``ganzoo eval``: test accuracy and the confusion matrix;
``ganzoo predict``: the top classes of image files.
"""

from __future__ import annotations

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


class ClassifierModel(ZooModel):
    """An image classifier: (N, C, H, W) in [-1, 1] -> (N, num_classes) logits."""

    task = "classification"
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
        _, probs = model.predict(load_images(inputs, c, s))
        k = min(int(options.get("top", 1)), probs.shape[1])
        lines = []
        for path, row in zip(inputs, probs):
            p, idx = row.topk(k)
            shown = "  ".join(f"{names[i] if i < len(names) else i} {float(q):.3f}"
                              for q, i in zip(p.tolist(), idx.tolist()))
            lines.append(f"{path}\t{shown}")
        return lines

    def usage(self, ref: str) -> tuple[list[str], list[str]]:
        return ([f'model = ganzoo.load("{ref}")',
                 "indices, probs = model.predict(images)  # images float (N, C, H, W) in [0, 1]"],
                [f"ganzoo predict {ref} INPUT..."])

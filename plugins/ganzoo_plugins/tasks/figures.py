"""The built-in tasks' figures: the tutorials' pictures, drawn with :mod:`ganzoo.pictures`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.pictures import auto_scale, figure, grid_image

if TYPE_CHECKING:
    import torch


def real_vs_fake(real: torch.Tensor, fake: torch.Tensor, path: Path) -> None:
    """The tutorial's last figure: a real batch beside a generated one."""
    side = int(real.shape[-1])

    def draw(fig: Any) -> None:
        for i, (title, imgs) in enumerate((("Real images", real), ("Fake images", fake))):
            ax = fig.add_subplot(1, 2, i + 1)
            ax.axis("off")
            ax.set_title(title)
            ax.imshow(grid_image(imgs, scale=auto_scale(side)), cmap="gray")

    figure(path, draw, (10, 5))


def classifier_curves(epochs: Sequence[int], train_loss: Sequence[float], test_loss: Sequence[float],
                      accuracy: Sequence[float], path: Path) -> None:
    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 2, 1)
        ax.plot(epochs, train_loss, marker="o", label="train loss")
        ax.plot(epochs, test_loss, marker="o", label="test loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.legend()
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.plot(epochs, [100 * a for a in accuracy], marker="o", color="tab:green")
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("test accuracy (%)")

    figure(path, draw, (10, 4))


def confusion_matrix(matrix: Sequence[Sequence[int]], class_names: Sequence[str] | None,
                     path: Path) -> None:
    """Rows are true classes, columns predictions; counts written in each cell."""
    import numpy as np

    m = np.asarray(matrix)
    names = list(class_names) if class_names else [str(i) for i in range(len(m))]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        ax.imshow(m, cmap="Blues")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        if len(m) <= 20:
            high = m.max() / 2 if m.size else 0
            for (i, j), v in np.ndenumerate(m):
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                        color="white" if v > high else "black")
        ax.set_title("Confusion matrix (test split)")

    figure(path, draw, (7, 6))


def forecast(x: Sequence[float], y: Sequence[float], pred: Sequence[float], path: Path) -> None:
    """One test window: the input, the true next values and the model's predictions."""

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        t = range(len(x))
        ax.plot(t, x, label="input", color="gray", alpha=0.6)
        ax.plot([i + 1 for i in t], y, label="truth (next value)", marker=".")
        ax.plot([i + 1 for i in t], pred, label="prediction", marker="x")
        ax.set_xlabel("time step")
        ax.legend()
        ax.set_title("Forecast vs truth (first test window)")

    figure(path, draw, (10, 4))

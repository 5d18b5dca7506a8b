"""The pictures a run leaves behind (the tutorials' figures), written atomically.

matplotlib runs on the Agg backend (no display needed); the GIF is assembled with PIL.
Images come in as float tensors in [-1, 1], (N, C, H, W).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .io import write_with

if TYPE_CHECKING:
    import torch
    from PIL import Image


def grid_image(images: torch.Tensor, nrow: int | None = None, scale: int = 1) -> Image.Image:
    """A PIL image of a padded grid; small images are upscaled (nearest) so digits stay visible."""
    import numpy as np
    from PIL import Image
    from torchvision.utils import make_grid

    n = images.size(0)
    nrow = nrow or max(1, int(math.ceil(math.sqrt(n))))
    grid = make_grid(images.detach().float().cpu(), nrow=nrow, padding=2, normalize=True,
                     value_range=(-1, 1), pad_value=1.0)
    array = (grid.clamp(0, 1).mul(255).round().to(dtype=__import__("torch").uint8)
             .permute(1, 2, 0).numpy())
    if array.shape[2] == 1:
        array = array[:, :, 0]
    image = Image.fromarray(np.ascontiguousarray(array))
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


def auto_scale(side: int) -> int:
    """Upscale factor that makes a grid cell at least ~64 px wide."""
    return max(1, 64 // max(side, 1))


def save_image(image: Image.Image, path: Path) -> None:
    write_with(path, lambda tmp: image.save(tmp, format="PNG"))


def save_gif(frames: Sequence[Image.Image], path: Path, ms_per_frame: int = 400) -> None:
    """The DCGAN tutorial's animation of the fixed-noise grid over training."""
    frames = [f.convert("P") if f.mode not in ("L", "P") else f for f in frames]
    if not frames:
        return
    write_with(path, lambda tmp: frames[0].save(tmp, format="GIF", save_all=True,
                                                append_images=list(frames[1:]),
                                                duration=ms_per_frame, loop=0))


def _figure(path: Path, draw: Any, size: tuple[float, float] = (8, 4)) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=size)
    try:
        draw(fig)
        fig.tight_layout()
        write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    finally:
        plt.close(fig)


def real_vs_fake(real: torch.Tensor, fake: torch.Tensor, path: Path) -> None:
    """The tutorial's last figure: a real batch beside a generated one."""
    side = int(real.shape[-1])

    def draw(fig: Any) -> None:
        for i, (title, imgs) in enumerate((("Real images", real), ("Fake images", fake))):
            ax = fig.add_subplot(1, 2, i + 1)
            ax.axis("off")
            ax.set_title(title)
            ax.imshow(grid_image(imgs, scale=auto_scale(side)), cmap="gray")

    _figure(path, draw, (10, 5))


def loss_curves(steps: Sequence[int], series: dict[str, Sequence[float]], path: Path,
                title: str = "Generator and Discriminator Loss During Training",
                xlabel: str = "iterations") -> None:
    """Line plots sharing one x axis (the tutorial's G/D loss plot)."""

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        few = len(steps) <= 30  # a short run logs a handful of points: show them as dots
        for label, ys in series.items():
            ax.plot(list(steps)[: len(ys)], list(ys), label=label, marker="o" if few else None)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("loss")
        ax.legend()

    _figure(path, draw, (10, 5))


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

    _figure(path, draw, (10, 4))


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

    _figure(path, draw, (7, 6))


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

    _figure(path, draw, (10, 4))

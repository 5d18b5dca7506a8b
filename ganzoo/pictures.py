"""Drawing helpers for the pictures runs and evaluations leave behind, written atomically.

Task plugins compose their figures from these (a grid of samples, an animation, a line plot,
any matplotlib figure). matplotlib runs on the Agg backend (no display needed) and is imported
only when a figure is drawn; the GIF is assembled with PIL. Images come in as float tensors
in [-1, 1], (N, C, H, W).
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


def label_rows(grid: Image.Image, labels: Sequence[str]) -> Image.Image:
    """``grid`` with ``labels[i]`` written left of its i-th row (a class-by-row sample grid)."""
    from PIL import Image, ImageDraw, ImageFont

    rows = max(len(labels), 1)
    font = ImageFont.load_default()
    draw = ImageDraw.Draw(grid)
    width = max(int(draw.textlength(str(t), font=font)) for t in labels) + 12 if labels else 0
    out = Image.new(grid.mode, (grid.width + width, grid.height), "white" if grid.mode != "L" else 255)
    out.paste(grid, (width, 0))
    pen = ImageDraw.Draw(out)
    cell = grid.height / rows
    for i, text in enumerate(labels):
        box = pen.textbbox((0, 0), str(text), font=font)
        y = int(cell * i + (cell - (box[3] - box[1])) / 2)
        pen.text((6, y), str(text), fill="black" if grid.mode != "L" else 0, font=font)
    return out


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


def figure(path: Path, draw: Any, size: tuple[float, float] = (8, 4)) -> None:
    """Draw with ``draw(fig)`` on a fresh matplotlib figure and save it as a PNG, atomically."""
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


def line_plot(steps: Sequence[int], series: dict[str, Sequence[float]], path: Path, title: str,
              xlabel: str = "iterations", ylabel: str = "loss") -> None:
    """Line plots sharing one x axis (the tutorials' loss plots); short runs show dots."""

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        few = len(steps) <= 30  # a short run logs a handful of points: show them as dots
        for label, ys in series.items():
            ax.plot(list(steps)[: len(ys)], list(ys), label=label, marker="o" if few else None)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend()

    figure(path, draw, (10, 5))

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

    n = images.size(0)
    nrow = nrow or max(1, int(math.ceil(math.sqrt(n))))
    grid = make_grid(images.detach().float().cpu(), nrow=nrow)
    array = (grid.clamp(0, 1).mul(255).round().to(dtype=__import__("torch").uint8)
             .permute(1, 2, 0).numpy())
    image = Image.fromarray(np.ascontiguousarray(array))
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


def make_grid(images: torch.Tensor, nrow: int = 8, padding: int = 2, pad_value: float = 1.0) -> torch.Tensor:
    """``torchvision.utils.make_grid(images, nrow, padding, normalize=True, value_range=(-1, 1),
    pad_value)``, value for value (tests/test_pictures.py compares them).

    Our own because importing torchvision costs 2 s, most of it torch._dynamo pulled in by
    torchvision.ops, and every epoch end of a GAN run drew a grid through it.
    """
    import torch

    x = images.clamp(-1, 1).sub(-1).div(2)  # make_grid's normalize: clamp, - low, / (high - low)
    if x.size(1) == 1:  # gray -> RGB, as make_grid does
        x = torch.cat((x, x, x), 1)
    if x.size(0) == 1:
        return x[0]
    n, c, h, w = x.shape
    cols = min(nrow, n)
    rows = int(math.ceil(n / cols))
    cell_h, cell_w = h + padding, w + padding
    grid = x.new_full((c, cell_h * rows + padding, cell_w * cols + padding), pad_value)
    for k in range(n):
        top, left = (k // cols) * cell_h + padding, (k % cols) * cell_w + padding
        grid[:, top:top + h, left:left + w] = x[k]
    return grid


def upscale_to(image: Image.Image, width: int) -> Image.Image:
    """``image`` enlarged (nearest, a whole factor) to ``width``; as it is when not narrower."""
    from PIL import Image

    factor = width // max(image.width, 1)
    if factor <= 1:
        return image
    return image.resize((image.width * factor, image.height * factor), Image.NEAREST)


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
    # "P" (Pillow's web palette, dithered) even for grey grids: "L" keeps 256 levels but made a
    # 100-epoch digits GIF 2.8x larger (and its run folder over issue 14's 30 MB).
    frames = [f.convert("P") if f.mode not in ("L", "P") else f for f in frames]
    if not frames:
        return
    # optimize=False: Pillow's palette pruning cost 0.5 s of a 40-frame GIF's 0.6 (grey 28x28 or
    # colour 64x64 grids) and saved nothing (grey: 2.7 MB without it, 3.0 MB with it).
    write_with(path, lambda tmp: frames[0].save(tmp, format="GIF", save_all=True,
                                                append_images=list(frames[1:]), optimize=False,
                                                duration=ms_per_frame, loop=0))


def figure(path: Path, draw: Any, size: tuple[float, float] = (8, 4)) -> None:
    """Draw with ``draw(fig)`` on a fresh matplotlib figure and save it as a PNG, atomically.

    A bare ``Figure`` on the Agg canvas, not pyplot: no global figure manager to close, and
    0.2 s less to import at the end of every run.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    draw(fig)
    fig.tight_layout()
    write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))


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


#: Frames a run's ``progress.gif`` holds at most, evenly spaced over its epochs.
MAX_FRAMES = 100


class Frames:
    """A run's per-epoch pictures, at most ``limit`` of them evenly spaced over ``epochs``.

    Kept in memory as PNG bytes (a few tens of KB each) and saved with the task's checkpoint
    state, so the run folder gets no file per epoch and a resumed run draws the same GIF as an
    uninterrupted one. A 500-epoch run keeps epochs 5, 10, ..., 500; a 40-epoch run all 40.
    """

    def __init__(self, epochs: int, limit: int = MAX_FRAMES) -> None:
        self.epochs, self.limit = max(int(epochs), 1), max(int(limit), 1)
        self._png: dict[int, bytes] = {}

    def wanted(self, epoch: int) -> bool:
        """Whether ``epoch`` (1-based) is one of the evenly spaced ones (the last always is)."""
        k, n = self.limit, self.epochs
        return epoch >= n or (epoch * k) // n != ((epoch - 1) * k) // n

    def add(self, epoch: int, image: Image.Image) -> None:
        import io

        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=1)  # 2x faster than the default, ~10 % larger
        self._png[int(epoch)] = buf.getvalue()
        self._thin()

    def images(self) -> list[Image.Image]:
        """The frames in epoch order, decoded."""
        import io

        from PIL import Image

        out = []
        for epoch in sorted(self._png):
            with Image.open(io.BytesIO(self._png[epoch])) as im:
                im.load()
                out.append(im.copy())
        return out

    def __len__(self) -> int:
        return len(self._png)

    def _thin(self) -> None:
        """A resumed run with more ``--epochs`` re-spaces: drop frames off the new grid first,
        then (still too many) keep ``limit`` evenly spaced ones, the first and last included."""
        if len(self._png) <= self.limit:
            return
        extra = [e for e in sorted(self._png) if not self.wanted(e)]
        for epoch in extra[: len(self._png) - self.limit]:
            del self._png[epoch]
        epochs = sorted(self._png)
        if len(epochs) > self.limit:
            keep = {epochs[round(i * (len(epochs) - 1) / max(self.limit - 1, 1))] for i in range(self.limit)}
            self._png = {e: self._png[e] for e in epochs if e in keep}

    def state_dict(self) -> dict[int, Any]:
        import torch

        return {e: torch.frombuffer(bytearray(png), dtype=torch.uint8) for e, png in self._png.items()}

    def load_state_dict(self, state: dict[int, Any]) -> None:
        """Merge the saved frames in: a resume starts empty and gets them all; ``--on-nan skip``
        rolls the networks back to a checkpoint but keeps the frames drawn since."""
        self._png.update({int(e): bytes(t.numpy().tobytes()) for e, t in state.items()})
        self._thin()

"""The built-in tasks' panels of ``ganzoo demo`` (see :meth:`ganzoo.tasks.Task.demo`).

Each panel calls the same verbs as the CLI (``ganzoo.sample.sample``, the model's ``predict``
and ``forecast``), so a page and a shell give the same answers for the same seed. Every event
has an ``api_name``, the name ``gradio_client`` calls it by:

- GANs: ``/generate`` (images, seed, truncation[, class]) -> a grid; ``/walk`` (points, frames
  per leg, seed[, class]) -> a looping GIF of a spherical latent walk.
- classifiers: ``/classify`` (an image) and ``/classify_drawing`` (a sketch) -> top-5 classes.
- regressors: ``/forecast`` (a series as text, or a CSV file; steps) -> a plot and the values.

Gradio is imported inside each panel: importing this module costs nothing.
"""

from __future__ import annotations

import math
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

from ganzoo.errors import GanzooError
from ganzoo.limits import MAX_SEED

#: Images the Generate tab draws at most (a 64-image grid is what the training run shows).
MAX_IMAGES = 64
#: Class choices besides the class names: a random class per image, or one row per class.
ANY_CLASS, EVERY_CLASS = "random", "all (one row per class)"
#: The largest seed the page offers: a browser's numbers are doubles, exact up to 2**53.
PAGE_MAX_SEED = min(MAX_SEED, 2**53 - 1)
#: Walk GIFs a page keeps on disk (Gradio serves copies from its own cache).
KEEP_WALKS = 8


def _answer(fn: Any) -> Any:
    """``fn`` with ganzoo's one-line errors shown on the page (``gr.Error``) instead of a trace."""
    import functools

    import gradio as gr

    @functools.wraps(fn)
    def wrapped(*args: Any) -> Any:
        try:
            return fn(*args)
        except GanzooError as exc:
            # Shown on the page; not printed as a traceback in the terminal serving it.
            raise gr.Error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                           print_exception=False) from None

    return wrapped


def _seed(value: Any) -> int:
    """The seed box's value as an int (Gradio hands numbers over as floats, or None when empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    return int(value)


# --------------------------------------------------------------------------------------------
# GANs


def generator_panel(model: Any, class_names: list[str] | None = None) -> None:
    """Generate and latent-walk tabs; ``class_names`` adds the class pickers of a conditional GAN."""
    import gradio as gr
    import torch

    from ganzoo.sample import animation_frames, preview, sample

    walks = tempfile.TemporaryDirectory(prefix="ganzoo-walks-")  # removed with the page's process

    def class_index(choice: str) -> int:
        if class_names is None or choice not in class_names:
            raise GanzooError(f"class: '{choice}' is not one of {', '.join(class_names or [])}")
        return class_names.index(choice)

    def generate(n: Any, seed: Any, truncation: Any, *choice: str | None) -> Any:
        n, options = int(n), {"truncation": float(truncation)} if truncation else {}
        picked = choice[0] if choice and choice[0] not in (None, ANY_CLASS) else None
        if picked is not None and picked != EVERY_CLASS:
            # The index itself, not its text: a class *named* "2" may sit at another index.
            index = class_index(picked)
            images = model.sample(n, seed=_seed(seed), labels=torch.full((n,), index), **options)
            return preview(images, n, [class_names[index]])  # type: ignore[index]
        drawn = sample(model, n, seed=_seed(seed), **options, **({"labels": "all"} if picked else {}))
        return preview(drawn.images, drawn.nrow, drawn.row_labels)

    def walk(points: Any, steps: Any, seed: Any, *choice: str | None) -> str:
        points = int(points)
        options: dict[str, Any] = {}
        if choice and choice[0] not in (None, ANY_CLASS):
            k = len(class_names or [])
            if choice[0] == EVERY_CLASS:
                points = max(points, k)  # through every class, then back to the first
                options["labels"] = [i % k for i in range(points)]
            else:
                options["labels"] = class_index(choice[0])
        pictures = animation_frames(model.walk(points, int(steps), seed=_seed(seed), **options))
        folder = Path(walks.name)
        for old in sorted(folder.glob("*.gif"), key=lambda p: p.stat().st_mtime)[:-KEEP_WALKS + 1]:
            old.unlink(missing_ok=True)
        out = folder / f"walk-{uuid.uuid4().hex[:12]}.gif"
        pictures[0].save(out, format="GIF", save_all=True, append_images=pictures[1:], duration=80, loop=0)
        return str(out)

    choices = [ANY_CLASS, EVERY_CLASS, *class_names] if class_names is not None else None
    with gr.Tab("Generate"):
        with gr.Row():
            n = gr.Slider(1, MAX_IMAGES, value=16, step=1, label="Images", elem_id="n")
            seed = gr.Number(value=0, precision=0, minimum=0, maximum=PAGE_MAX_SEED, label="Seed", elem_id="seed",
                             info="The same seed draws the same images, here and in `ganzoo sample`.")
        truncation = gr.Slider(0.0, 3.0, value=0.0, step=0.1, label="Truncation",
                               info="Redraw latent entries beyond ±t: smaller is cleaner but less varied "
                                    "(0 = off).")
        picked = [gr.Dropdown(choices, value=ANY_CLASS, label="Class", elem_id="class")] if choices else []
        button = gr.Button("Generate", variant="primary", elem_id="generate")
        grid = gr.Image(label="Samples", type="pil", format="png", elem_id="samples", interactive=False)
        button.click(_answer(generate), [n, seed, truncation, *picked], grid, api_name="generate")
    with gr.Tab("Latent walk"):
        with gr.Row():
            points = gr.Slider(2, 16, value=6, step=1, label="Points", info="Random latents the walk visits.")
            steps = gr.Slider(2, 32, value=12, step=1, label="Frames per leg")
            walk_seed = gr.Number(value=0, precision=0, minimum=0, maximum=PAGE_MAX_SEED, label="Seed")
        walk_picked = [gr.Dropdown([c for c in choices if c != EVERY_CLASS] + [EVERY_CLASS], value=ANY_CLASS,
                                   label="Class", info="One class to walk within; 'all' blends through "
                                   "every class in turn (at least one point per class).")] if choices else []
        walk_button = gr.Button("Walk", variant="primary", elem_id="walk")
        animation = gr.Image(label="Walk (a looping GIF)", type="filepath", elem_id="walk-gif", interactive=False)
        walk_button.click(_answer(walk), [points, steps, walk_seed, *walk_picked], animation, api_name="walk")


# --------------------------------------------------------------------------------------------
# Classifiers


def classifier_panel(model: Any, top: int = 5) -> None:
    """Upload or draw an image; the ``top`` classes with their probabilities."""
    import gradio as gr
    import numpy as np
    from PIL import Image

    from ganzoo.sample import image_tensor

    from .classification import training_brightness

    names = model.class_names
    channels, size = int(model.config["channels"]), int(model.config["image_size"])

    def ranked(image: Any) -> dict[str, float]:
        _, probs = model.predict(image_tensor(image, channels, size)[None])
        return {names[i] if i < len(names) else str(i): float(p) for i, p in enumerate(probs[0].tolist())}

    def classify(image: Any) -> dict[str, float]:
        if image is None:
            raise GanzooError("classify: upload an image first")
        return ranked(image)

    def classify_drawing(sketch: Any) -> dict[str, float]:
        ink = _ink(sketch)
        if ink is None:
            raise GanzooError("classify: draw something first")
        # Like the training images: ink bright on dark when they are mostly dark (digits), else dark.
        reference = training_brightness(model)
        picture = ink if reference is not None and reference[0] < 0.5 else 255 - ink
        return ranked(Image.fromarray(np.asarray(picture, dtype=np.uint8)))

    with gr.Tab("Upload"):
        image = gr.Image(label="Image", type="pil", image_mode="RGB", sources=["upload", "clipboard"],
                         elem_id="image")
        button = gr.Button("Classify", variant="primary", elem_id="classify")
        ranking = gr.Label(num_top_classes=top, label=f"Top {top}", elem_id="ranking")
        button.click(_answer(classify), image, ranking, api_name="classify")
    with gr.Tab("Draw"):
        sketch = gr.Sketchpad(label="Draw here", type="numpy", image_mode="RGBA", canvas_size=(280, 280),
                              brush=gr.Brush(default_size=18, colors=["#000000"], color_mode="fixed"),
                              elem_id="sketch")
        draw_button = gr.Button("Classify the drawing", variant="primary", elem_id="classify-drawing")
        draw_ranking = gr.Label(num_top_classes=top, label=f"Top {top}")
        draw_button.click(_answer(classify_drawing), sketch, draw_ranking, api_name="classify_drawing")


def _ink(sketch: Any) -> Any:
    """A drawing's strokes as a square float array (255 = ink), cropped tight around them.

    The strokes are the drawn layers' opacity, whatever colour the brush had; cropping and
    centring make a small digit drawn in a corner look like the centred training digits.
    """
    import numpy as np

    if sketch is None:
        return None
    layers = sketch.get("layers") if isinstance(sketch, dict) else None
    arrays = [np.asarray(layer) for layer in (layers or []) if layer is not None]
    if not arrays and isinstance(sketch, dict) and sketch.get("composite") is not None:
        composite = np.asarray(sketch["composite"])
        gray = composite[..., :3].mean(axis=-1) if composite.ndim == 3 else composite
        arrays = [np.stack([gray] * 3 + [255 - gray], axis=-1)]
    if not arrays:
        return None
    alpha = np.max([a[..., 3] if a.ndim == 3 and a.shape[-1] == 4 else 255 - a.mean(axis=-1) for a in arrays],
                   axis=0).astype(np.float32)
    rows, cols = np.nonzero(alpha > 16)
    if rows.size == 0:
        return None
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    # A tight square: the training digits fill their frame's height (a margin costs accuracy).
    side = int(max(bottom - top, right - left)) + 2
    square = np.zeros((side, side), dtype=np.float32)
    y0, x0 = (side - (bottom - top)) // 2, (side - (right - left)) // 2
    square[y0:y0 + bottom - top, x0:x0 + right - left] = alpha[top:bottom, left:right]
    return square.clip(0, 255)


# --------------------------------------------------------------------------------------------
# Regressors


_NUMBER_SPLIT = re.compile(r"[\s,;]+")


def series_from_text(text: str) -> list[float]:
    """Numbers separated by commas, semicolons, spaces or new lines."""
    values = []
    for i, word in enumerate(w for w in _NUMBER_SPLIT.split(text.strip()) if w):
        try:
            value = float(word)
        except ValueError:
            raise GanzooError(f"series: value {i + 1}, '{word[:20]}', is not a number") from None
        if not math.isfinite(value):
            raise GanzooError(f"series: value {i + 1} is {word}; give finite numbers")
        values.append(value)
    if not values:
        raise GanzooError("series: paste numbers (separated by commas or new lines) or upload a CSV")
    return values


def forecast_panel(model: Any, example: list[float] | None = None) -> None:
    """Paste or upload a series; the forecast plotted after it, and its values."""
    import gradio as gr
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .regression import read_series

    def forecast(text: str, upload: Any, steps: Any) -> tuple[Any, str]:
        series = read_series(str(upload)) if upload else series_from_text(text or "")
        future = model.forecast(series, int(steps)).tolist()
        fig = Figure(figsize=(8, 3.5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(range(len(series)), series, label="series", color="tab:blue")
        ax.plot(range(len(series) - 1, len(series) + len(future)), [series[-1], *future],
                label=f"forecast ({len(future)} steps)", color="tab:orange", marker=".")
        ax.axvline(len(series) - 1, color="gray", linewidth=0.8, linestyle="--")
        ax.set_xlabel("time step")
        ax.legend(loc="upper left")
        fig.tight_layout()
        return fig, ", ".join(f"{v:.6g}" for v in future)

    example = example or [round(math.sin(0.1 * i), 4) for i in range(int(model.config.get("seq_len", 64)) * 2)]
    text = gr.Textbox(label="Series", lines=4, value=", ".join(f"{v:g}" for v in example),
                      info="Numbers separated by commas, spaces or new lines; the forecast continues them.",
                      elem_id="series")
    upload = gr.File(label="…or a CSV (the last column is the series)", file_types=[".csv", ".txt"],
                     type="filepath")
    steps = gr.Slider(1, 500, value=50, step=1, label="Steps to forecast")
    button = gr.Button("Forecast", variant="primary", elem_id="forecast")
    plot = gr.Plot(label="Forecast", elem_id="forecast-plot")
    values = gr.Textbox(label="Forecast values", lines=3, buttons=["copy"])
    button.click(_answer(forecast), [text, upload, steps], [plot, values], api_name="forecast")

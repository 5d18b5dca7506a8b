"""The uniform sampler: one way to get outputs from any zoo model, whatever its kind.

``ganzoo sample`` / ``predict`` and the models' ``.sample`` / ``.predict`` methods end in the
model's task (see :mod:`ganzoo.tasks`); this module holds what every task shares, so seeding,
value ranges, eval mode and file writing are handled once. Random inputs are always drawn on
the CPU from a seeded ``torch.Generator``: the same seed gives the same outputs on every device
and in every process.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

from .errors import ConfigError, DataError
from .limits import MAX_SAMPLES, MAX_SEED

log = logging.getLogger(__name__)


def value_range(model: Any) -> tuple[float, float]:
    """The range the model's images live in: the saved dataset description's, else the model
    class's (``ZooModel.value_range``)."""
    data = (getattr(model, "zoo_config", None) or {}).get("dataset") or {}
    vr = data.get("value_range") if isinstance(data, dict) else None
    if isinstance(vr, (list, tuple)) and len(vr) == 2 and float(vr[1]) > float(vr[0]):
        return float(vr[0]), float(vr[1])
    lo, hi = getattr(model, "value_range", (-1.0, 1.0))
    return float(lo), float(hi)


def to_unit(model: Any, x: torch.Tensor) -> torch.Tensor:
    """Model-range values -> [0, 1] (clamped)."""
    lo, hi = value_range(model)
    return ((x.float() - lo) / (hi - lo)).clamp_(0.0, 1.0)


def from_unit(model: Any, x: torch.Tensor) -> torch.Tensor:
    """[0, 1] (or uint8) images -> the model's input range."""
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
    lo, hi = value_range(model)
    return x.float() * (hi - lo) + lo


@contextlib.contextmanager
def inference(model: torch.nn.Module) -> Iterator[None]:
    """Eval mode and no grad for the duration, restoring the caller's training flag after."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        model.train(was_training)


def device_of(model: torch.nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def rng(seed: int | None) -> torch.Generator:
    """A CPU generator seeded with ``seed`` (fresh entropy for None)."""
    g = torch.Generator(device="cpu")
    if seed is None:
        g.seed()
    else:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise ConfigError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
        g.manual_seed(seed)
    return g


def count(n: Any, what: str = "n", limit: int = MAX_SAMPLES) -> int:
    """``n`` checked as a count of outputs: 1 .. ``limit`` (more would only exhaust memory)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= limit:
        raise ConfigError(f"{what} must be an integer from 1 to {limit:,}, got {n!r}")
    return n


def normal(shape: Sequence[int], generator: torch.Generator, truncation: float | None = None) -> torch.Tensor:
    """N(0, 1) noise; with ``truncation`` t, entries with |z| > t are redrawn (a truncated normal)."""
    z = torch.randn(tuple(shape), generator=generator)
    if truncation is not None:
        if not truncation > 0:
            raise ConfigError(f"truncation must be > 0, got {truncation!r}")
        # Rejection sampling keeps the distribution a truncated normal, not a clipped one.
        for _ in range(10_000):
            bad = z.abs() > truncation
            if not bad.any():
                break
            z[bad] = torch.randn(int(bad.sum()), generator=generator)
        else:  # pragma: no cover - only for absurdly small truncation values
            z.clamp_(-truncation, truncation)
    return z


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between latents, the path that stays where N(0, I) has its mass."""
    a_flat, b_flat = a.reshape(-1).double(), b.reshape(-1).double()
    cos = torch.dot(a_flat, b_flat) / (a_flat.norm() * b_flat.norm())
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    t = t.double().reshape(-1, *([1] * a.dim()))
    if omega.abs() < 1e-6:  # (anti)parallel: fall back to a straight line
        out = (1 - t) * a.double() + t * b.double()
    else:
        so = torch.sin(omega)
        out = (torch.sin((1 - t) * omega) / so) * a.double() + (torch.sin(t * omega) / so) * b.double()
    return out.to(a.dtype)


def load_images(paths: Sequence[str], channels: int, size: int) -> torch.Tensor:
    """Image files resized and converted to (N, channels, size, size), float in [0, 1].

    PIL's guard against decompression bombs holds: an image over twice ``Image.MAX_IMAGE_PIXELS``
    is refused naming the file, one over the limit itself is read with a one-line warning (PIL
    would print a Python warning, source line and all).
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    out = []
    for path in paths:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", Image.DecompressionBombWarning)
                img_file = Image.open(path)
            for warning in caught:
                if issubclass(warning.category, Image.DecompressionBombWarning):
                    log.warning("%s: %s; reading it anyway (predict shrinks it to %dx%d)",
                                path, str(warning.message).rstrip("."), size, size)
                else:
                    warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
            with img_file as img:
                out.append(image_tensor(img, channels, size))
        except FileNotFoundError:
            raise DataError(f"{path}: no such image file") from None
        except Image.DecompressionBombError as exc:
            raise DataError(f"{path}: refused, too many pixels to decode safely ({str(exc).rstrip('.')}); "
                            f"shrink the image first (the model reads it at {size}x{size})") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise DataError(f"{path}: not a readable image ({exc}); pass PNG or JPEG files") from None
    return torch.stack(out)


def image_tensor(image: Any, channels: int, size: int) -> torch.Tensor:
    """A PIL image as (channels, size, size) float in [0, 1]: converted, resized (bilinear, which
    PIL antialiases when shrinking), as ``ganzoo predict`` reads files and the demo its uploads."""
    import numpy as np
    from PIL import Image

    image = image.convert("L" if channels == 1 else "RGB").resize((size, size), Image.BILINEAR)
    arr = np.asarray(image, dtype=np.uint8)
    arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    return torch.from_numpy(arr.copy()).float() / 255.0


# --------------------------------------------------------------------------------------------
# The verbs, for any model


def sample(model: Any, n: int, seed: int | None = None, **options: Any) -> Any:
    """``n`` outputs of a generative model as its task lays them out (:class:`ganzoo.tasks.Samples`).

    ``options`` are the task's sample options (a GAN's ``truncation``).
    """
    from . import options as _options
    from . import tasks

    task = tasks.for_model(model)
    values = _options.task_values("sample", task.name, options, _label(model))
    return task.sample(model, count(n), seed=seed, options=values)


def predict(model: Any, inputs: Sequence[str], **options: Any) -> list[str]:
    """One line per input file (``path<TAB>result``), as the model's task answers."""
    from . import options as _options
    from . import tasks

    task = tasks.for_model(model)
    values = _options.task_values("predict", task.name, options, _label(model))
    return task.predict(model, list(inputs), values)


def _label(model: Any) -> str:
    """The model's registered name for messages, else its class name."""
    name = (getattr(model, "zoo_config", None) or {}).get("model")
    return name if isinstance(name, str) else type(model).__name__


#: The image formats ``ganzoo sample --out`` writes, by file suffix (PIL format names).
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def image_format(path: str | Path, flag: str = "") -> str:
    """The PIL format ``path``'s suffix names; an unknown suffix raises, naming the known ones
    (``flag``, such as ``--out``, prefixes the message).

    The CLI calls it before anything is generated, so a typo costs no sampling time.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        what = f"{suffix!r} is not an image format ganzoo writes" if suffix else \
            "no suffix names the image format"
        known = ", ".join(list(IMAGE_FORMATS)[:-1]) + f" or {list(IMAGE_FORMATS)[-1]}"
        raise ConfigError(f"{flag + ' ' if flag else ''}{path}: {what}; use {known}")
    return IMAGE_FORMATS[suffix]


def save_picture(image: Any, path: str | Path) -> None:
    """A PIL image written atomically in the format ``path``'s suffix names.

    JPEG has no alpha channel, so RGBA/LA/P images become RGB or L first; JPEG at quality 95
    and lossless WebP keep the samples' pixels close to (WebP: equal to) the PNG's.
    """
    from .io import write_with

    fmt = image_format(path)
    options: dict[str, Any] = {}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("L" if image.mode in ("L", "LA", "I", "I;16", "F") else "RGB")
        options = {"quality": 95}
    elif fmt == "WEBP":
        options = {"lossless": True}
    write_with(path, lambda tmp: image.save(tmp, format=fmt, **options))


def save_grid(images: torch.Tensor, path: str | Path, nrow: int | None = None,
              row_labels: Sequence[str] | None = None) -> None:
    """A grid of images in [0, 1], written atomically in the format of ``path``'s suffix (see
    :data:`IMAGE_FORMATS`); ``row_labels`` go left of each row."""
    from PIL import Image

    image_format(path)  # before any work
    nrow = nrow or max(1, math.ceil(math.sqrt(images.shape[0])))
    if not row_labels:
        from torchvision.utils import make_grid

        # torchvision's save_image, made here so the format follows the suffix
        grid = make_grid(images, nrow=nrow, padding=2)
        array = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()
        save_picture(Image.fromarray(array), path)
        return
    save_picture(preview(images, nrow, row_labels), path)


def preview(images: torch.Tensor, nrow: int | None = None, row_labels: Sequence[str] | None = None) -> Any:
    """A PIL grid of images in [0, 1] for people to look at: small images upscaled (nearest) so
    an 8x8 digit is not a speck, ``row_labels`` left of each row (a labelled grid, the demo's)."""
    from .pictures import auto_scale, grid_image, label_rows

    grid = grid_image(images * 2 - 1, nrow=nrow, scale=auto_scale(int(images.shape[-1])))
    return label_rows(grid, list(row_labels)) if row_labels else grid


def animation_frames(images: torch.Tensor) -> list[Any]:
    """One upscaled PIL frame per image in [0, 1] (a latent walk's GIF frames)."""
    from .pictures import auto_scale, grid_image

    scale = auto_scale(int(images.shape[-1]))
    return [grid_image(img[None] * 2 - 1, nrow=1, scale=scale) for img in images]


def save_animation(images: torch.Tensor, path: str | Path, ms_per_frame: int = 120) -> None:
    """A looping GIF with one image in [0, 1] per frame (a latent walk), written atomically."""
    from .pictures import save_gif

    save_gif(animation_frames(images), Path(path), ms_per_frame=ms_per_frame)


def save_each(images: torch.Tensor, folder: str | Path, prefix: str = "sample") -> list[str]:
    """One PNG per image (``sample_0000.png`` ...), each written atomically."""
    from torchvision.utils import save_image

    from .io import write_with

    Path(folder).mkdir(parents=True, exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        p = str(Path(folder) / f"{prefix}_{i:04d}.png")
        write_with(p, lambda t, img=img: save_image(img, str(t), format="png"))
        paths.append(p)
    return paths

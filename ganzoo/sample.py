"""The uniform sampler: one way to get outputs from any zoo model, whatever its family.

Generators, classifiers and regressors expose ``.sample`` / ``.predict`` / ``.forecast`` by
delegating here, so seeding, value ranges and eval mode are handled once. Latents are always
drawn on the CPU from a seeded ``torch.Generator``: the same seed gives the same images on every
device and in every process.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from .errors import ConfigError, DataError


def _value_range(model: Any) -> tuple[float, float]:
    """The range the model's images live in, from the saved dataset description if there is one."""
    data = (getattr(model, "zoo_config", None) or {}).get("dataset") or {}
    vr = data.get("value_range") if isinstance(data, dict) else None
    if isinstance(vr, (list, tuple)) and len(vr) == 2 and float(vr[1]) > float(vr[0]):
        return float(vr[0]), float(vr[1])
    return (-1.0, 1.0)


@contextlib.contextmanager
def _eval(model: torch.nn.Module) -> Iterator[None]:
    """Eval mode and no grad for the duration, restoring the caller's training flag after."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        model.train(was_training)


def _device(model: torch.nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def _rng(seed: int | None) -> torch.Generator:
    g = torch.Generator(device="cpu")
    if seed is None:
        g.seed()
    else:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
        g.manual_seed(seed)
    return g


def _count(n: Any, what: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"{what} must be a positive integer, got {n!r}")
    return n


def latents(model: Any, n: int, seed: int | None = None, truncation: float | None = None) -> torch.Tensor:
    """``n`` latent vectors on the CPU; with ``truncation``, entries with |z| > t are redrawn."""
    n = _count(n)
    g = _rng(seed)
    z = torch.randn(model.latent_shape(n), generator=g)
    if truncation is not None:
        if not truncation > 0:
            raise ConfigError(f"truncation must be > 0, got {truncation!r}")
        # Rejection sampling keeps the distribution a truncated normal, not a clipped one.
        for _ in range(10_000):
            bad = z.abs() > truncation
            if not bad.any():
                break
            z[bad] = torch.randn(int(bad.sum()), generator=g)
        else:  # pragma: no cover - only for absurdly small truncation values
            z.clamp_(-truncation, truncation)
    return z


def _to_unit(model: Any, x: torch.Tensor) -> torch.Tensor:
    lo, hi = _value_range(model)
    return ((x.float() - lo) / (hi - lo)).clamp_(0.0, 1.0)


def generate(model: Any, z: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Images for latents ``z`` as float (N, C, H, W) in [0, 1] on the CPU."""
    device = _device(model)
    out = []
    with _eval(model):
        for chunk in z.split(batch_size):
            out.append(_to_unit(model, model.generator(chunk.to(device))).cpu())
    return torch.cat(out)


def sample(model: Any, n: int, seed: int | None = None, truncation: float | None = None,
           batch_size: int = 256) -> torch.Tensor:
    """``n`` images, float (n, C, H, W) in [0, 1] on the CPU; the same seed gives the same tensor."""
    return generate(model, latents(model, n, seed, truncation), batch_size)


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


def interpolate(model: Any, n_steps: int = 8, seed: int | None = None,
                start: torch.Tensor | None = None, end: torch.Tensor | None = None) -> torch.Tensor:
    """Images along the slerp path between two latents (drawn from ``seed`` unless given)."""
    n_steps = _count(n_steps, "n_steps")
    if start is None or end is None:
        pair = latents(model, 2, seed)
        start = pair[0] if start is None else start
        end = pair[1] if end is None else end
    t = torch.linspace(0.0, 1.0, n_steps) if n_steps > 1 else torch.zeros(1)
    return generate(model, slerp(start.cpu(), end.cpu(), t))


def _prepare_images(model: Any, x: Any) -> torch.Tensor:
    """Images as the model wants them: uint8 [0, 255] or float [0, 1] in, model range out."""
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(x)
    if x.dim() == 3:
        x = x[None]
    c, s = int(model.config["channels"]), int(model.config["image_size"])
    if x.dim() != 4 or tuple(x.shape[1:]) != (c, s, s):
        raise DataError(f"predict expects images of shape (N, {c}, {s}, {s}), got {tuple(x.shape)}")
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
    lo, hi = _value_range(model)
    return x.float() * (hi - lo) + lo


def predict(model: Any, x: Any, batch_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Class indices and probabilities (N, num_classes) for images in [0, 1] (or uint8)."""
    x = _prepare_images(model, x)
    device = _device(model)
    probs = []
    with _eval(model):
        for chunk in x.split(batch_size):
            probs.append(torch.softmax(model(chunk.to(device)).float(), dim=1).cpu())
    p = torch.cat(probs)
    return p.argmax(dim=1), p


def class_names(model: Any) -> list[str]:
    """Names from the saved config, else the indices as strings."""
    data = (getattr(model, "zoo_config", None) or {}).get("dataset") or {}
    names = data.get("class_names") if isinstance(data, dict) else None
    if isinstance(names, list) and names:
        return [str(n) for n in names]
    return [str(i) for i in range(int(model.config.get("num_classes", 0)))]


def load_images(model: Any, paths: Sequence[str]) -> torch.Tensor:
    """Image files resized and converted to the model's input shape, float in [0, 1]."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    c, s = int(model.config["channels"]), int(model.config["image_size"])
    out = []
    for path in paths:
        try:
            with Image.open(path) as img:
                img = img.convert("L" if c == 1 else "RGB").resize((s, s), Image.BILINEAR)
                arr = np.asarray(img, dtype=np.uint8)
        except FileNotFoundError:
            raise DataError(f"{path}: no such image file") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise DataError(f"{path}: not a readable image ({exc}); pass PNG or JPEG files") from None
        arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        out.append(torch.from_numpy(arr.copy()))
    return torch.stack(out).float() / 255.0


def forecast(model: Any, series: Any, steps: int) -> torch.Tensor:
    """Continue ``series`` by ``steps`` values, feeding each prediction back in (autoregressive)."""
    steps = _count(steps, "steps")
    x = torch.as_tensor(series, dtype=torch.float32)
    if x.dim() != 1 or x.numel() < 1:
        raise DataError(f"forecast expects a non-empty 1-D series, got shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise DataError("forecast: the series contains NaN or infinite values")
    window = int(model.config.get("seq_len", x.numel()))
    device = _device(model)
    values = x.tolist()
    with _eval(model):
        for _ in range(steps):
            ctx = torch.tensor(values[-window:], dtype=torch.float32, device=device)[None]
            values.append(float(model(ctx)[0, -1]))
    return torch.tensor(values[x.numel():], dtype=torch.float32)


def save_grid(images: torch.Tensor, path: str, nrow: int | None = None) -> None:
    """A PNG grid of images in [0, 1], written atomically."""
    from torchvision.utils import save_image

    from .io import write_with

    nrow = nrow or max(1, math.ceil(math.sqrt(images.shape[0])))
    write_with(path, lambda p: save_image(images, str(p), nrow=nrow, padding=2, format="png"))


def save_each(images: torch.Tensor, folder: str, prefix: str = "sample") -> list[str]:
    """One PNG per image (``sample_0000.png`` ...), each written atomically."""
    from pathlib import Path

    from torchvision.utils import save_image

    from .io import write_with

    Path(folder).mkdir(parents=True, exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        p = str(Path(folder) / f"{prefix}_{i:04d}.png")
        write_with(p, lambda t, img=img: save_image(img, str(t), format="png"))
        paths.append(p)
    return paths

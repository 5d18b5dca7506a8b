"""Shape decisions and tensor conversions shared by the dataset builders.

One place decides "which size and how many channels" so every dataset follows the same rule:
explicit user values win, then a dataset's native shape, then the model's defaults.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ganzoo.data import DataRequest
from ganzoo.errors import DataError
from ganzoo.limits import check_bytes

log = logging.getLogger("ganzoo.datasets")

#: Where torchvision-style datasets live when --data-root is not given (the seeds use "data").
DEFAULT_ROOT = Path("data")

#: ITU-R 601-2 luma, the weights PIL uses for "L": RGB -> gray keeps perceived brightness.
_LUMA = (0.299, 0.587, 0.114)


def target_shape(
    request: DataRequest,
    native: tuple[int, int] | None = None,
    fallback: tuple[int, int] = (1, 28),
) -> tuple[int, int]:
    """(channels, image_size) this request must produce.

    ``native`` is the dataset's own (channels, size) when it has one (mnist, cifar10): it is kept
    unless the user asked otherwise. Datasets without one take the model's defaults.
    """
    if native is not None:
        channels = request.channels or native[0]
        size = request.image_size or native[1]
    else:
        channels = request.channels or request.default_channels or fallback[0]
        size = request.image_size or request.default_image_size or fallback[1]
    if channels not in (1, 3):
        raise DataError(f"dataset '{request.name}': channels must be 1 or 3, got {channels} "
                        f"(set --set channels=1 or 3)")
    if size < 1:
        raise DataError(f"dataset '{request.name}': image size must be positive, got {size}")
    return int(channels), int(size)


def convert_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """uint8 (N, C, H, W) to ``channels``: gray repeats, RGB -> gray by luminance."""
    have = x.shape[1]
    if have == channels:
        return x
    if have == 1 and channels == 3:
        return x.expand(-1, 3, -1, -1).contiguous()
    if have == 3 and channels == 1:
        w = torch.tensor(_LUMA, dtype=torch.float32).view(1, 3, 1, 1)
        return (x.float() * w).sum(1, keepdim=True).round_().clamp_(0, 255).to(torch.uint8)
    raise DataError(f"cannot convert {have}-channel images to {channels} channels")


def resize_uint8(x: torch.Tensor, size: int, chunk: int = 4096) -> torch.Tensor:
    """Square uint8 images (N, C, h, w) to (N, C, size, size), bilinear with antialiasing."""
    if x.shape[-2:] == (size, size):
        return x
    n, c = int(x.shape[0]), int(x.shape[1])
    check_bytes(n * c * size * size, f"{n:,} images resized to {c}x{size}x{size}",
                "use a smaller image size")
    out = torch.empty((x.shape[0], x.shape[1], size, size), dtype=torch.uint8)
    for i in range(0, x.shape[0], chunk):  # bounded float memory for 60k-image sets
        part = x[i:i + chunk].float()
        part = F.interpolate(part, size=(size, size), mode="bilinear", antialias=True,
                             align_corners=False)
        out[i:i + chunk] = part.round_().clamp_(0, 255).to(torch.uint8)
    return out


def fit_images(x: torch.Tensor, channels: int, size: int) -> torch.Tensor:
    """Resize then convert channels, converting to gray first when that means less work."""
    if channels < x.shape[1]:
        return resize_uint8(convert_channels(x, channels), size)
    return convert_channels(resize_uint8(x, size), channels)


def numpy_nchw(images: np.ndarray) -> torch.Tensor:
    """(N, H, W) or (N, H, W, C) uint8 numpy -> contiguous uint8 tensor (N, C, H, W)."""
    t = torch.from_numpy(np.ascontiguousarray(images))
    if t.ndim == 3:
        return t.unsqueeze(1)
    return t.permute(0, 3, 1, 2).contiguous()

"""The contract between dataset plugins and the trainer.

A dataset builder gets a :class:`DataRequest` (what the model needs and what the user passed)
and returns a :class:`DataBundle`: whole splits as tensors. Images are kept as uint8 (N, C, H, W),
possibly memory-mapped from the preprocess-once cache, and turned into float [-1, 1] per batch
on the training device by :func:`to_float`; series are float32 (N, L) windows with targets.
This keeps decoding out of the training loop, which is what makes GAN epochs fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch stays out of registration-time imports
    import torch


@dataclass
class DataRequest:
    """What the trainer asks a dataset for.

    ``image_size`` / ``channels`` / ``seq_len`` are what the user set explicitly, or ``None``:
    then a dataset with a native shape (mnist 1x28x28, cifar10 3x32x32) keeps it and the model
    follows the data, while a dataset without one (digits, celeba, imagefolder, fake) uses the
    model's defaults from ``default_image_size`` / ``default_channels`` / ``default_seq_len``.
    ``options`` are the dataset's own settings (``--set column=price`` for ``csv``), already
    typed against ``DatasetSpec.params``.
    """

    name: str
    root: Path | None = None
    image_size: int | None = None
    channels: int | None = None
    seq_len: int | None = None
    default_image_size: int | None = None
    default_channels: int | None = None
    default_seq_len: int | None = None
    shape: tuple[int, ...] | None = None
    download: bool = False
    cache_dir: Path | None = None
    use_cache: bool = True
    seed: int = 0
    progress: bool = True
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Split:
    """One split: ``x`` uint8 images (N, C, H, W) or float32 series (N, L); ``y`` labels/targets."""

    x: torch.Tensor
    y: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass
class DataBundle:
    """A dataset ready for training: splits plus the metadata saved into ``config.json``."""

    name: str
    modality: str  # "image" | "series"
    train: Split
    test: Split | None = None
    class_names: list[str] | None = None
    value_range: tuple[float, float] = (-1.0, 1.0)
    #: How stored values map to model inputs, recorded so samplers can undo it.
    normalization: str = "uint8 x -> x / 127.5 - 1"
    source: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.train.x.shape[1:])

    @property
    def num_classes(self) -> int | None:
        return len(self.class_names) if self.class_names else None

    def describe(self) -> dict[str, Any]:
        """The JSON-friendly description stored in a run's ``config.json``."""
        return {
            "name": self.name,
            "modality": self.modality,
            "shape": list(self.sample_shape),
            "value_range": list(self.value_range),
            "normalization": self.normalization,
            "class_names": self.class_names,
            "num_train": len(self.train),
            "num_test": len(self.test) if self.test is not None else 0,
            "source": self.source,
        }


def to_float(x: torch.Tensor, device: torch.device | str | None = None,
             value_range: tuple[float, float] = (-1.0, 1.0)) -> torch.Tensor:
    """uint8 [0, 255] -> float32 in ``value_range`` ([-1, 1] unless the model says otherwise,
    see ``ZooModel.value_range``) on ``device``; float input is only moved."""
    import torch

    x = x.to(device, non_blocking=True) if device is not None else x
    if x.dtype == torch.uint8:
        lo, hi = value_range
        if (lo, hi) == (-1.0, 1.0):
            return x.float().div_(127.5).sub_(1.0)
        return x.float().mul_((hi - lo) / 255.0).add_(lo)
    return x.float()


def load_dataset(name: str, request: DataRequest | None = None, **settings: Any) -> DataBundle:
    """Build dataset ``name`` for ``request``: the one entry point the trainer and the API use.

    ``settings`` are the dataset's own options (``column="price"``), type-checked against the
    spec's params here so every caller rejects the same mistakes with the same message.
    """
    import dataclasses

    from . import registry
    from .config import resolve
    from .errors import DataError

    spec = registry.get_dataset(name)
    request = request if request is not None else DataRequest(name=name)
    options = resolve("dataset", name, spec.params, {**request.options, **settings})
    request = dataclasses.replace(request, name=name, options=options)  # the caller's stays as is
    builder = spec.load_builder()
    bundle = builder(request)
    if not isinstance(bundle, DataBundle):
        raise DataError(
            f"dataset '{name}': builder {spec.builder} returned {type(bundle).__name__}, "
            f"not a DataBundle (fix the plugin '{spec.plugin}')"
        )
    return bundle

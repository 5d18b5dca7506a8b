"""Datasets that need no files: the embedded ``digits``, random ``fake`` data and ``sine``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from ganzoo.data import DataBundle, DataRequest, Split
from ganzoo.errors import DataError
from ganzoo.limits import check_bytes

from ._common import fit_images, target_shape

#: The digits split is fixed (independent of the run's seed) so test accuracy is comparable.
DIGITS_SPLIT_SEED = 0
DIGITS_TEST_FRACTION = 0.2
#: 1,797 images (0..16), labels and the fixed train/test indices; 49 KB.
DIGITS_FILE = "digits.npz"


def digits(request: DataRequest) -> DataBundle:
    """The 1,797 8x8 digits scikit-learn bundles, upscaled to what the model asks for.

    Read from ``digits.npz`` beside this module: a copy of ``sklearn.datasets.load_digits()``
    and of its stratified 80/20 ``train_test_split(random_state=0)``, made once (see
    ``tests/test_datasets.py``, which checks the copy against scikit-learn). Importing
    scikit-learn to read 49 KB cost 0.85 s of every digits run's start-up, and its install
    pulls in scipy.
    """
    channels, size = target_shape(request, native=None, fallback=(1, 28))
    with np.load(Path(__file__).with_name(DIGITS_FILE)) as raw:
        # values 0..16 -> 0..255 so they go through the same uint8 path as real images
        images = np.rint(raw["images"] * (255.0 / 16.0)).astype(np.uint8)
        labels = raw["labels"].astype(np.int64)
        idx_train, idx_test = raw["train"].astype(np.int64), raw["test"].astype(np.int64)
    x = fit_images(torch.from_numpy(images).unsqueeze(1), channels, size)
    y = torch.from_numpy(labels)
    tr, te = torch.from_numpy(idx_train), torch.from_numpy(idx_test)
    return DataBundle(
        name=request.name, modality="image",
        train=Split(x[tr].contiguous(), y[tr].contiguous()),
        test=Split(x[te].contiguous(), y[te].contiguous()),
        class_names=[str(i) for i in range(10)],
        source="scikit-learn's load_digits (UCI optical digits; shipped copy, 1,797 8x8 images), "
               "bilinear upscale",
        info={"split_seed": DIGITS_SPLIT_SEED, "native_size": 8},
    )


def fake(request: DataRequest) -> DataBundle:
    """Random data of the requested shape, for smoke tests and benchmarks.

    A 1-element ``request.shape`` (or a model that asks for ``seq_len`` and no image size) gives
    a series; otherwise images take the explicit or model-default shape.
    """
    opts = request.options
    n_train, n_test = int(opts.get("size", 512)), int(opts.get("test_size", 128))
    num_classes = int(opts.get("num_classes", 10))
    if n_train < 1 or n_test < 0 or num_classes < 1:
        raise DataError("dataset 'fake': size and num_classes must be >= 1, test_size >= 0 "
                        "(e.g. --set size=256)")
    gen = torch.Generator().manual_seed(request.seed)
    shape = request.shape
    wants_series = (shape is not None and len(shape) == 1) or (
        shape is None and (request.seq_len or request.default_seq_len)
        and not (request.image_size or request.default_image_size)
    )
    n = n_train + n_test
    if wants_series:
        length = int(shape[0]) if shape else int(request.seq_len or request.default_seq_len)
        check_bytes(n * (length + 1) * 4 * 3, f"dataset 'fake': {n:,} series of {length + 1} values",
                    "lower --set size / test_size or the model's seq_len")
        series = torch.rand((n_train + n_test, length + 1), generator=gen) * 2 - 1
        x, y = series[:, :-1].contiguous(), series[:, 1:].contiguous()
        return DataBundle(
            name=request.name, modality="series",
            train=Split(x[:n_train], y[:n_train]), test=Split(x[n_train:], y[n_train:]),
            normalization="none (uniform in [-1, 1])", source="random (fake)",
        )
    if shape is not None:
        if len(shape) != 3:
            raise DataError(f"dataset 'fake': shape must be (C, H, W) or (L,), got {tuple(shape)}")
        channels, height, width = (int(s) for s in shape)
    else:
        channels, height = target_shape(request, native=None, fallback=(1, 28))
        width = height
    check_bytes(n * (channels * height * width + 8), f"dataset 'fake': {n:,} images of "
                f"{channels}x{height}x{width}", "lower --set size / test_size or the image size")
    x = torch.randint(0, 256, (n_train + n_test, channels, height, width), generator=gen,
                      dtype=torch.uint8)
    y = torch.randint(0, num_classes, (n_train + n_test,), generator=gen, dtype=torch.int64)
    return DataBundle(
        name=request.name, modality="image",
        train=Split(x[:n_train], y[:n_train]), test=Split(x[n_train:], y[n_train:]),
        class_names=[str(i) for i in range(num_classes)], source="random (fake)",
    )


def sine(request: DataRequest) -> DataBundle:
    """A seeded noisy sum of sines, cut into next-step windows; the last 20% is the test split.

    The split is by time (no window of the test part overlaps training) so the test MSE measures
    forecasting, and ``info["naive_test_mse"]`` (predict "same as now") is the bar to beat.
    """
    opts = request.options
    points, noise = int(opts.get("points", 2000)), float(opts.get("noise", 0.05))
    length = int(request.seq_len or request.default_seq_len or 32)
    if points < 4 * (length + 1):
        raise DataError(f"dataset 'sine': points={points} is too short for windows of {length} "
                        f"(use --set points={8 * (length + 1)} or more)")
    # float64 time, sines and noise, then float32 windows of length + 1 (and their x/y copies)
    check_bytes(points * (5 * 8 + 3 * 4 * (length + 1)), f"dataset 'sine': {points:,} points in "
                f"windows of {length}", "lower --set points or seq_len")
    rng = np.random.default_rng(request.seed)
    t = np.arange(points, dtype=np.float64)
    periods = (50.0, 23.0, 11.0)
    amps = (0.6, 0.25, 0.15)
    phases = rng.uniform(0, 2 * math.pi, size=3)
    values = sum(a * np.sin(2 * math.pi * t / p + ph) for a, p, ph in zip(amps, periods, phases))
    values = values + rng.normal(0.0, noise, size=points)
    return series_bundle(request, values.astype(np.float32), length,
                         source=f"synthetic: sum of sines, periods {periods}, noise {noise}",
                         normalization="none (values about [-1, 1])")


def series_bundle(request: DataRequest, values: np.ndarray, length: int, source: str,
                  normalization: str, test_fraction: float = 0.2,
                  info: dict | None = None) -> DataBundle:
    """Cut a 1-D series into (input, next-step target) windows, split by time."""
    cut = int(len(values) * (1 - test_fraction))
    train_v, test_v = values[:cut], values[cut:]
    if len(train_v) < length + 1 or len(test_v) < length + 1:
        raise DataError(f"dataset '{request.name}': {len(values)} values are too few for windows "
                        f"of {length} with a {test_fraction:.0%} test part "
                        f"(need at least {int((length + 1) / test_fraction) + 1})")

    def windows(v: np.ndarray) -> Split:
        w = np.lib.stride_tricks.sliding_window_view(v, length + 1)
        w = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))
        return Split(w[:, :-1].contiguous(), w[:, 1:].contiguous())

    train, test = windows(train_v), windows(test_v)
    naive = float(((test.x - test.y) ** 2).mean())
    return DataBundle(
        name=request.name, modality="series", train=train, test=test,
        value_range=(float(values.min()), float(values.max())), normalization=normalization,
        source=source, info={"naive_test_mse": naive, "points": int(len(values)), **(info or {})},
    )

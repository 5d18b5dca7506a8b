"""Writers for small fixtures in the datasets' real on-disk formats (no downloads in tests)."""

from __future__ import annotations

import gzip
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image


def write_idx_images(path: Path, images: np.ndarray) -> None:
    """IDX3 ubyte (magic 2051, big-endian N, rows, cols), gzipped as distributed."""
    n, rows, cols = images.shape
    payload = struct.pack(">IIII", 2051, n, rows, cols) + images.astype(np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as fh:
        fh.write(payload)


def write_idx_labels(path: Path, labels: np.ndarray) -> None:
    payload = struct.pack(">II", 2049, len(labels)) + labels.astype(np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as fh:
        fh.write(payload)


def write_mnist(root: Path, folder: str = "MNIST", n_train: int = 20, n_test: int = 10,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """ROOT/FOLDER/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz; returns train x, y."""
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    out = None
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_idx_images(raw / f"{prefix}-images-idx3-ubyte.gz", x)
        write_idx_labels(raw / f"{prefix}-labels-idx1-ubyte.gz", y)
        out = out or (x, y)
    return out


def write_cifar10(root: Path, per_batch: int = 4, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """ROOT/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta} as python pickles."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    first = None
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        with open(folder / name, "wb") as fh:
            pickle.dump({"batch_label": name, "data": data, "labels": labels,
                         "filenames": [f"{name}_{i}.png" for i in range(per_batch)]}, fh)
        first = first or (data, labels)
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
             "truck"]
    with open(folder / "batches.meta", "wb") as fh:
        pickle.dump({"label_names": names, "num_cases_per_batch": per_batch,
                     "num_vis": 3072}, fh)
    return first


def write_jpegs(folder: Path, n: int, size: tuple[int, int] = (178, 218), seed: int = 0,
                mode: str = "RGB", fmt: str = "JPEG", suffix: str = ".jpg") -> list[Path]:
    """``n`` random images of ``size`` (width, height), numbered like CelebA (000001.jpg)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    w, h = size
    for i in range(n):
        shape = (h, w) if mode == "L" else (h, w, 3)
        # smooth-ish content (a gradient plus noise) so JPEG sizes are realistic
        base = np.linspace(0, 200, w, dtype=np.float32)[None, :]
        arr = np.clip(base[..., None] if mode != "L" else base, 0, 255)
        arr = (np.broadcast_to(arr, shape) + rng.integers(0, 56, size=shape)).astype(np.uint8)
        p = folder / f"{i + 1:06d}{suffix}"
        Image.fromarray(arr, mode=mode).save(p, format=fmt, quality=90) if fmt == "JPEG" \
            else Image.fromarray(arr, mode=mode).save(p, format=fmt)
        paths.append(p)
    return paths


def zip_folder(folder: Path, archive: Path, arcdir: str = "img_align_celeba") -> Path:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, f"{arcdir}/{p.name}")
    return archive


def truncate(path: Path, keep: int = 200) -> Path:
    """Cut a file short, as an interrupted download leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    return path

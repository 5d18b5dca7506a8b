"""Writers for small fixtures in the datasets' real on-disk formats (no downloads in tests)."""

from __future__ import annotations

import gzip
import pickle
import struct
import zipfile
import zlib
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


def _deflated_zeros(size: int) -> tuple[bytes, int]:
    """Raw deflate of ``size`` zero bytes and their CRC-32, in a second or two for gigabytes.

    One 1 MiB block is compressed once and repeated: a full flush resets the compressor, so each
    copy is an independent run of deflate blocks, and only the last one is marked final.
    """
    block = 1 << 20
    whole, rest = divmod(size, block)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = comp.compress(bytes(block)) + comp.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = last.compress(bytes(rest)) + last.flush(zlib.Z_FINISH)
    crc, chunk = 0, bytes(block)
    for _ in range(whole):
        crc = zlib.crc32(chunk, crc)
    return one * whole + tail, zlib.crc32(bytes(rest), crc)


def zip_with_bombs(archive: Path, files: list[Path], zeros: dict[str, int],
                   arcdir: str = "img_align_celeba") -> Path:
    """A real zip: ``files`` stored as ``ARCDIR/NAME``, plus one deflated member of N zero bytes
    per ``zeros`` entry (name -> N), as a zip bomb is made: 2 GiB inflate from about 2 MB.

    Written by hand (zipfile would deflate every byte, about 20 s for 2 GiB); sizes stay under
    4 GiB, so no zip64 records are needed. ``unzip -t`` and zipfile both accept it.
    """
    members: list[tuple[str, int, bytes, int, int]] = []  # name, method, data, crc, size
    for p in files:
        data = p.read_bytes()
        members.append((f"{arcdir}/{p.name}", 0, data, zlib.crc32(data), len(data)))
    for name, size in zeros.items():
        data, crc = _deflated_zeros(size)
        members.append((f"{arcdir}/{name}", 8, data, crc, size))
    dos_time, dos_date = 0, (2015 - 1980) << 9 | 1 << 5 | 1
    central, offset = [], 0
    with open(archive, "wb") as fh:
        for name, method, data, crc, size in members:
            raw = name.encode()
            fields = (20, 0, method, dos_time, dos_date, crc, len(data), size, len(raw))
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + raw)
            fh.write(data)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0,
                                       0o100644 << 16, offset) + raw)
            offset += 30 + len(raw) + len(data)
        directory = b"".join(central)
        fh.write(directory)
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                             len(directory), offset, 0))
    return archive


def truncate(path: Path, keep: int = 200) -> Path:
    """Cut a file short, as an interrupted download leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    return path


def png_1bit(path: Path, width: int, height: int) -> Path:
    """A valid all-black 1-bit PNG of width x height pixels, a few kB on disk."""
    row = b"\0" + bytes((width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path

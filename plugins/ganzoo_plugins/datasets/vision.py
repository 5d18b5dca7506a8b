"""The seeds' datasets through torchvision: ``mnist``, ``fashion-mnist`` and ``cifar10``.

These are already small uint8 arrays once loaded, so they need no cache: torchvision reads
them, we keep ``.data`` as a tensor and only resize / convert channels when explicitly asked.
"""

from __future__ import annotations

import gzip
import logging
import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganzoo.data import DataBundle, DataRequest, Split
from ganzoo.errors import DataError
from ganzoo.io import write_with

from ._common import DEFAULT_ROOT, fit_images, numpy_nchw, target_shape

log = logging.getLogger("ganzoo.datasets")

_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _root(request: DataRequest) -> Path:
    return (Path(request.root) if request.root is not None else DEFAULT_ROOT).expanduser()


def _download_failed(request: DataRequest, root: Path, exc: BaseException) -> DataError:
    """One line for a failed ``--download``: torchvision's reason is on its last line."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    reason = lines[-1] if lines else type(exc).__name__
    reason = reason.removeprefix("<urlopen error ").removesuffix(">")
    return DataError(f"dataset '{request.name}': --download into {root} failed ({reason}); check "
                     f"the network, or put the files there by hand (ganzoo info {request.name})")


def _gunzip_raw(raw: Path) -> None:
    """torchvision wants the raw IDX files; users often have only the ``.gz`` downloads."""
    for name in _MNIST_FILES:
        target, packed = raw / name, raw / f"{name}.gz"
        if not target.exists() and packed.is_file():
            def unpack(tmp: Path, packed: Path = packed) -> None:
                with gzip.open(packed, "rb") as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            try:
                write_with(target, unpack)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise DataError(f"cannot unpack {packed}: {exc} (download it again)") from None


def _idx_dataset(request: DataRequest, cls_name: str, pretty: str) -> DataBundle:
    import torchvision.datasets as tvd

    cls = getattr(tvd, cls_name)
    root = _root(request)
    raw = root / cls_name / "raw"
    if raw.is_dir():
        _gunzip_raw(raw)
    try:
        train = cls(str(root), train=True, download=request.download)
        test = cls(str(root), train=False, download=request.download)
    except (RuntimeError, OSError, ValueError) as exc:
        if request.download:
            raise _download_failed(request, root, exc) from None
        files = ", ".join(f"{f}[.gz]" for f in _MNIST_FILES)
        raise DataError(f"dataset '{request.name}': {pretty} files not found or unreadable in "
                        f"{raw} (expected {files}); pass --data-root to the folder holding "
                        f"{cls_name}/raw, or add --download to fetch them") from None
    return _bundle(request, (train.data, train.targets), (test.data, test.targets),
                   list(train.classes), native=(1, 28), source=f"torchvision {cls_name} at {root}")


def _bundle(request: DataRequest, train: tuple[Any, Any], test: tuple[Any, Any],
            classes: list[str], native: tuple[int, int], source: str) -> DataBundle:
    channels, size = target_shape(request, native=native)

    def split(x: Any, y: Any) -> Split:
        x = numpy_nchw(np.asarray(x, dtype=np.uint8))
        return Split(fit_images(x, channels, size), torch.as_tensor(np.asarray(y), dtype=torch.int64))

    return DataBundle(name=request.name, modality="image", train=split(*train),
                      test=split(*test), class_names=classes, source=source)


def mnist(request: DataRequest) -> DataBundle:
    return _idx_dataset(request, "MNIST", "MNIST")


def fashion_mnist(request: DataRequest) -> DataBundle:
    return _idx_dataset(request, "FashionMNIST", "Fashion-MNIST")


def cifar10(request: DataRequest) -> DataBundle:
    """CIFAR-10's python batches through torchvision.

    torchvision also checks each batch's md5 against the official release. When every batch is
    present but a checksum differs (a re-packed or subset copy, or our test fixtures) we read
    the same pickle layout ourselves and say so, instead of refusing files that are fine; such
    files are untrusted, so they go through a restricted unpickler that admits numpy arrays and
    plain containers only (a tampered batch is refused, never run).
    """
    import torchvision.datasets as tvd

    root = _root(request)
    folder = root / tvd.CIFAR10.base_folder
    try:
        train = tvd.CIFAR10(str(root), train=True, download=request.download)
        test = tvd.CIFAR10(str(root), train=False, download=request.download)
        return _bundle(request, (train.data, train.targets), (test.data, test.targets),
                       list(train.classes), native=(3, 32), source=f"torchvision CIFAR10 at {root}")
    except (RuntimeError, OSError) as exc:  # a failed download is a URLError, an OSError
        names = [f for f, _ in tvd.CIFAR10.train_list + tvd.CIFAR10.test_list]
        names.append(tvd.CIFAR10.meta["filename"])
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            if request.download:
                raise _download_failed(request, root, exc) from None
            raise DataError(f"dataset 'cifar10': {len(missing)} file(s) missing in {folder} "
                            f"(first: {missing[0]}; expected data_batch_1..5, test_batch, "
                            f"batches.meta); pass --data-root to the folder holding "
                            f"cifar-10-batches-py, or add --download to fetch it") from None
    train_xy = _read_batches(folder, [f for f, _ in tvd.CIFAR10.train_list])
    test_xy = _read_batches(folder, [f for f, _ in tvd.CIFAR10.test_list])
    meta_path = folder / tvd.CIFAR10.meta["filename"]
    names = _unpickle(meta_path).get(tvd.CIFAR10.meta["key"])
    if not isinstance(names, list):
        raise DataError(f"dataset 'cifar10': {meta_path} has no list of class names under "
                        f"'{tvd.CIFAR10.meta['key']}'; download it again with --download")
    classes = [str(c) for c in names]
    log.warning("cifar10: files in %s differ from the official md5 sums; read them anyway "
                "(they hold only plain CIFAR-10 batches)", folder)
    return _bundle(request, train_xy, test_xy, classes, native=(3, 32),
                   source=f"CIFAR-10 python batches at {folder} (md5 differs from the release)")


class _Forbidden(pickle.UnpicklingError):
    """A batch file asked for a global a CIFAR-10 batch never holds."""


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles CIFAR-10's python batches and nothing else.

    A batch is a dict of str, bytes, int, lists and numpy uint8 arrays, which need only numpy's
    array reconstruction. Any other global (``os.system``, ``builtins.exec``, a class to
    instantiate) is refused before it is imported, so a tampered file cannot run code.
    """

    def find_class(self, module: str, name: str) -> Any:
        allowed = _allowed_globals().get((module, name))
        if allowed is None:
            raise _Forbidden(f"{module}.{name}")
        return allowed


def _allowed_globals() -> dict[tuple[str, str], Any]:
    try:  # numpy >= 2 (``numpy.core`` is a deprecated alias there)
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct
    return {("numpy.core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}


def _unpickle(path: Path) -> dict[str, Any]:
    """One batch file through :class:`_BatchUnpickler` (never ``pickle.load``: these files
    failed the md5 check, so they are not the official release)."""
    try:
        with open(path, "rb") as fh:
            entry = _BatchUnpickler(fh, encoding="latin1").load()
    except _Forbidden as exc:
        raise DataError(f"dataset 'cifar10': refused {path}: it asks to load {exc}, which no "
                        f"CIFAR-10 batch holds (unpickling it could run code); delete it and "
                        f"download the dataset again with --download") from None
    except Exception as exc:  # noqa: BLE001 - a corrupt pickle can raise anything
        raise DataError(f"dataset 'cifar10': {path} is not a CIFAR-10 python batch ({exc}); "
                        f"download it again with --download") from None
    if not isinstance(entry, dict):
        raise DataError(f"dataset 'cifar10': {path} is not a CIFAR-10 python batch (it holds a "
                        f"{type(entry).__name__}, not a dict); download it again with --download")
    return entry


def _read_batches(folder: Path, names: list[str]) -> tuple[np.ndarray, list[int]]:
    """The layout torchvision's CIFAR10 reads: ``data`` (N, 3072) rows, ``labels``."""
    xs, ys = [], []
    for name in names:
        entry = _unpickle(folder / name)
        try:
            xs.append(np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            ys.extend(int(v) for v in entry.get("labels", entry.get("fine_labels", [])))
        except (KeyError, ValueError) as exc:
            raise DataError(f"dataset 'cifar10': {folder / name} has an unexpected layout "
                            f"({exc}); download it again with --download") from None
    x = np.concatenate(xs).transpose(0, 2, 3, 1)  # HWC, as torchvision keeps it
    if len(ys) != len(x):
        raise DataError(f"dataset 'cifar10': {len(x)} images but {len(ys)} labels in {folder}")
    return x, ys

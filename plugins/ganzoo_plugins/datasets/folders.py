"""Image files on disk: ``celeba`` (folder or the downloaded zip) and ``imagefolder``.

Both decode through the preprocess-once cache with the DCGAN tutorial's transform (Resize to the
short side, CenterCrop), so only the first run pays for JPEG decoding.
"""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganzoo.cache import file_key, image_store
from ganzoo.data import DataBundle, DataRequest, Split
from ganzoo.errors import DataError

from ._common import DEFAULT_ROOT, target_shape

log = logging.getLogger("ganzoo.datasets")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
CELEBA_HINT = ("download img_align_celeba.zip from the CelebA page "
               "(https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html) and pass --data-root: the zip "
               "itself, the folder holding it, or the unzipped img_align_celeba folder")


def _decode_file(data: bytes | Path, channels: int, size: int) -> np.ndarray:
    """Decode one image as the tutorial does: Resize(size) + CenterCrop(size); -> uint8 CHW."""
    from PIL import Image
    from torchvision.transforms import functional as TF

    with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as img:
        img = img.convert("L" if channels == 1 else "RGB")  # gray -> RGB repeats, RGB -> L luma
        img = TF.center_crop(TF.resize(img, size), size)
        arr = np.asarray(img, dtype=np.uint8)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def _transform(channels: int, size: int) -> dict[str, Any]:
    return {"resize": size, "center_crop": size, "channels": channels, "interp": "bilinear-pil"}


def _root(request: DataRequest) -> Path:
    root = Path(request.root) if request.root is not None else DEFAULT_ROOT
    return root.expanduser()


def _limit(request: DataRequest, items: list[Any]) -> list[Any]:
    limit = int(request.options.get("limit", 0) or 0)
    if limit < 0:
        raise DataError(f"dataset '{request.name}': limit must be >= 0, got {limit}")
    return items[:limit] if limit else items


def _bundle(request: DataRequest, store: Any, class_names: list[str] | None,
            source: str) -> DataBundle:
    if len(store.x) == 0:
        raise DataError(f"dataset '{request.name}': none of the images in {source} could be "
                        f"read (first: {store.skipped[0] if store.skipped else '?'})")
    y = torch.tensor(store.labels, dtype=torch.int64) if store.labels is not None else None
    info: dict[str, Any] = {"cached": store.path is not None, "cache_hit": store.from_cache,
                            "cache_path": str(store.path) if store.path else None,
                            "skipped": len(store.skipped)}
    if store.skipped:
        info["first_skipped"] = store.skipped[0]
    x = torch.from_numpy(store.x)
    fraction = float(request.options.get("test_split", 0.0) or 0.0)  # bounds: the spec's Param
    train, test = _hold_out(x, y, fraction)
    info["test_split"] = fraction
    return DataBundle(name=request.name, modality="image", train=train, test=test,
                      class_names=class_names, source=source, info=info)


def _hold_out(x: torch.Tensor, y: torch.Tensor | None, fraction: float) -> tuple[Split, Split | None]:
    """The last ``fraction`` of the (sorted) files as the test split, of each class if labelled.

    Deterministic and independent of the seed, so a run, its ``--resume`` and ``ganzoo eval``
    see the same split. Unlabelled images are one tail slice: a view of the memory-mapped
    cache, no copy (CelebA's 200k images stay on disk).
    """
    if fraction <= 0 or len(x) < 2:
        return Split(x, y), None
    if y is None:
        n_test = min(max(1, round(len(x) * fraction)), len(x) - 1)
        return Split(x[:len(x) - n_test]), Split(x[len(x) - n_test:])
    test_mask = torch.zeros(len(y), dtype=torch.bool)
    for label in torch.unique(y):
        where = torch.nonzero(y == label).flatten()
        if len(where) > 1:  # a class of one image stays in training
            test_mask[where[len(where) - max(1, round(len(where) * fraction)):]] = True
    if not test_mask.any():
        return Split(x, y), None
    keep = torch.nonzero(~test_mask).flatten()
    held = torch.nonzero(test_mask).flatten()
    return Split(x[keep], y[keep]), Split(x[held], y[held])


def celeba(request: DataRequest) -> DataBundle:
    """CelebA's ``img_align_celeba`` folder of JPEGs, or the zip it is downloaded as."""
    root = _root(request)
    folder, archive = root / "img_align_celeba", root / "img_align_celeba.zip"
    if root.name == "img_align_celeba" and root.is_dir():
        folder = root
    elif root.suffix == ".zip" and root.is_file():
        archive = root
    channels, size = target_shape(request, native=None, fallback=(3, 64))
    store_args = dict(cache_dir=request.cache_dir, use_cache=request.use_cache,
                      progress=request.progress)
    if folder.is_dir():
        files = _limit(request, sorted(p for p in folder.iterdir()
                                       if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()))
        if not files:
            raise DataError(f"dataset 'celeba': no .jpg images in {folder} ({CELEBA_HINT})")
        store = image_store(
            "celeba", [file_key(p, folder) for p in files], _transform(channels, size), files,
            lambda p: _decode_file(p, channels, size), (channels, size, size), **store_args)
        return _bundle(request, store, None, str(folder))
    if archive.is_file():
        try:
            with zipfile.ZipFile(archive) as zf:
                members = sorted(m.filename for m in zf.infolist() if not m.is_dir()
                                 and Path(m.filename).suffix.lower() in IMAGE_EXTENSIONS
                                 and not Path(m.filename).name.startswith("._"))
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(f"dataset 'celeba': {archive} is not a readable zip ({exc}); "
                            f"download it again or unzip it to {folder}") from None
        members = _limit(request, members)
        if not members:
            raise DataError(f"dataset 'celeba': no .jpg images inside {archive} ({CELEBA_HINT})")
        local = threading.local()

        def decode(member: str) -> np.ndarray:
            zf = getattr(local, "zf", None)
            if zf is None:  # one handle per thread: reads never interleave seeks
                zf = local.zf = zipfile.ZipFile(archive)
            return _decode_file(zf.read(member), channels, size)

        st = archive.stat()
        sources = [(archive.name, st.st_size, st.st_mtime_ns, len(members))]
        store = image_store("celeba", sources, _transform(channels, size), members, decode,
                            (channels, size, size), describe=lambda m: f"{archive}:{m}",
                            **store_args)
        return _bundle(request, store, None, str(archive))
    given = (f"--data-root {root}" if request.root is not None
             else f"no --data-root, so the default ./{DEFAULT_ROOT}")
    found = "does not exist" if not root.exists() else "holds neither layout"
    raise DataError(f"dataset 'celeba': {given} {found}; wanted a folder of CelebA JPEGs "
                    f"({root}/img_align_celeba/*.jpg) or the zip they come in "
                    f"({root}/img_align_celeba.zip); {CELEBA_HINT}")


def imagefolder(request: DataRequest) -> DataBundle:
    """Any folder of images; first-level sub-folders with images become the classes."""
    root = _root(request)
    if not root.is_dir():
        raise DataError(f"dataset 'imagefolder': folder {root} does not exist "
                        f"(pass --data-root to a folder of png/jpg/webp/bmp images)")
    files = sorted(p for p in root.rglob("*")
                   if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not files:
        raise DataError(f"dataset 'imagefolder': no images ({', '.join(IMAGE_EXTENSIONS)}) "
                        f"found under {root}")
    nested = [p for p in files if p.parent != root]
    class_names: list[str] | None = None
    labels: list[int] | None = None
    if nested:
        top_level = [p for p in files if p.parent == root]
        if top_level:
            log.warning("imagefolder: ignoring %d image(s) directly in %s (first: %s); "
                        "images are labelled by sub-folder", len(top_level), root, top_level[0])
        files = nested
        class_names = sorted({p.relative_to(root).parts[0] for p in files})
        index = {c: i for i, c in enumerate(class_names)}
        labels = [index[p.relative_to(root).parts[0]] for p in files]
    files = _limit(request, files)
    labels = labels[:len(files)] if labels is not None else None
    channels, size = target_shape(request, native=None, fallback=(3, 64))
    store = image_store(
        f"imagefolder-{_slug(root)}", [file_key(p, root) for p in files],
        {**_transform(channels, size), "root": str(root.resolve())}, files,
        lambda p: _decode_file(p, channels, size), (channels, size, size), labels=labels,
        cache_dir=request.cache_dir, use_cache=request.use_cache, progress=request.progress)
    return _bundle(request, store, class_names, str(root))


def _slug(root: Path) -> str:
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in root.resolve().name)
    return name[:40] or "root"

"""Image files on disk: ``celeba`` (folder or the downloaded zip) and ``imagefolder``.

Both decode through the preprocess-once cache with the DCGAN tutorial's transform (Resize to the
short side, CenterCrop), so only the first run pays for JPEG decoding.

Neither trusts its files: a zip member that would inflate past :data:`MAX_MEMBER_BYTES`, or by
more than :data:`MAX_MEMBER_RATIO` to one, is skipped unread (a zip bomb), members over 1 MiB
are streamed to the decoder rather than read whole, and an image with more pixels than PIL's
decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``) is skipped before it is decoded.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch

from ganzoo.cache import file_key, image_store
from ganzoo.cachefiles import human_size
from ganzoo.data import DataBundle, DataRequest, Split
from ganzoo.errors import DataError

from ._common import DEFAULT_ROOT, target_shape

log = logging.getLogger("ganzoo.datasets")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
CELEBA_HINT = ("download img_align_celeba.zip from the CelebA page "
               "(https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html) and pass --data-root: the zip "
               "itself, the folder holding it, or the unzipped img_align_celeba folder")

#: No image in a dataset zip inflates past this (a CelebA JPEG is ~10 KB); a bigger member is
#: skipped unread, whatever its name says.
MAX_MEMBER_BYTES = 64 * 2**20
#: JPEG and PNG barely deflate further, so a member inflating more than this is a zip bomb...
MAX_MEMBER_RATIO = 100
#: ...once it is bigger than this: a small solid-colour BMP may deflate 1000:1 and is harmless.
RATIO_FLOOR_BYTES = 2**20
#: Members up to this size are read whole (faster for small JPEGs); bigger ones are streamed.
_READ_WHOLE_BYTES = 2**20
#: What zipfile reads at a time when a streamed member is drained to check its CRC.
_CHUNK = 2**20


class PixelBomb(ValueError):
    """An image whose header promises more pixels than PIL's decompression-bomb limit."""


def _decode_file(data: Path | IO[bytes], channels: int, size: int) -> np.ndarray:
    """Decode one image as the tutorial does: Resize(size) + CenterCrop(size); -> uint8 CHW.

    The pixel count is checked from the header, before anything is decoded. PIL raises past
    twice its limit and only warns between once and twice; both are a skip here (the warning is
    silenced by :func:`_pixel_guard`, so a skipped image is one line, not a Python warning).
    """
    from PIL import Image
    from torchvision.transforms import functional as TF

    try:
        opened = Image.open(data)
    except Image.DecompressionBombError as exc:
        raise PixelBomb(f"decompression bomb: {exc}".rstrip(".")) from None
    with opened as img:
        limit = Image.MAX_IMAGE_PIXELS
        if limit and img.width * img.height > limit:
            raise PixelBomb(f"decompression bomb: {img.width}x{img.height} = "
                            f"{img.width * img.height:,} pixels, over PIL's limit of {limit:,} "
                            f"(PIL.Image.MAX_IMAGE_PIXELS)")
        img = img.convert("L" if channels == 1 else "RGB")  # gray -> RGB repeats, RGB -> L luma
        img = TF.center_crop(TF.resize(img, size), size)
        arr = np.asarray(img, dtype=np.uint8)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


@contextlib.contextmanager
def _pixel_guard() -> Iterator[None]:
    """Silence PIL's DecompressionBombWarning while a cache is built: :func:`_decode_file`
    turns the same condition into a skip, reported with the other skipped files."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _inflates_too_far(info: zipfile.ZipInfo) -> bool:
    """A zip bomb, judged from the central directory alone: nothing is read or inflated.

    zipfile never returns more than a member's declared size, so the declared size bounds it.
    """
    if info.file_size > MAX_MEMBER_BYTES:
        return True
    return info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_MEMBER_RATIO * info.compress_size


def _zip_images(archive: Path, folder: Path) -> list[zipfile.ZipInfo]:
    """The image members of ``archive`` worth decoding, sorted by name; zip bombs are skipped (one
    warning with the count and the first), and a zip holding nothing else is one error.

    Members travel as their ``ZipInfo``, never by name: a zip may hold two entries of one name,
    and a name would find the last, which need not be the one judged here.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = [m for m in zf.infolist() if not m.is_dir()
                     and Path(m.filename).suffix.lower() in IMAGE_EXTENSIONS
                     and not Path(m.filename).name.startswith("._")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"dataset 'celeba': {archive} is not a readable zip ({exc}); "
                        f"download it again or unzip it to {folder}") from None
    bombs = sorted((m for m in infos if _inflates_too_far(m)), key=lambda m: m.filename)
    members = sorted((m for m in infos if not _inflates_too_far(m)), key=lambda m: m.filename)
    if bombs:
        first = bombs[0]
        what = (f"{len(bombs)} member(s) that would inflate past {human_size(MAX_MEMBER_BYTES)} or "
                f"by over {MAX_MEMBER_RATIO}:1, first: {archive}:{first.filename} "
                f"({human_size(first.file_size)} from {human_size(first.compress_size)})")
        if infos and not members:
            raise DataError(f"dataset 'celeba': every image inside {archive} is a zip bomb "
                            f"({what}); this is not CelebA's zip: download it again ({CELEBA_HINT})")
        log.warning("celeba: skipped %s", what)
    return members


def _decode_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, channels: int, size: int) -> np.ndarray:
    """Decode a zip member. A small one (every CelebA JPEG) is read whole, which is fastest and
    checks its CRC; a bigger one is streamed to the decoder and then drained in chunks, so that
    zipfile checks its CRC too, and memory never holds more than a chunk of it."""
    if info.file_size <= _READ_WHOLE_BYTES:
        return _decode_file(io.BytesIO(zf.read(info)), channels, size)
    with zf.open(info) as fh:
        arr = _decode_file(fh, channels, size)
        while fh.read(_CHUNK):
            pass
    return arr


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
        with _pixel_guard():
            store = image_store(
                "celeba", [file_key(p, folder) for p in files], _transform(channels, size), files,
                lambda p: _decode_file(p, channels, size), (channels, size, size), **store_args)
        return _bundle(request, store, None, str(folder))
    if archive.is_file():
        members = _limit(request, _zip_images(archive, folder))
        if not members:
            raise DataError(f"dataset 'celeba': no .jpg images inside {archive} ({CELEBA_HINT})")
        local = threading.local()

        def decode(member: zipfile.ZipInfo) -> np.ndarray:
            zf = getattr(local, "zf", None)
            if zf is None:  # one handle per thread: reads never interleave seeks
                zf = local.zf = zipfile.ZipFile(archive)
            return _decode_member(zf, member, channels, size)

        st = archive.stat()
        sources = [(archive.name, st.st_size, st.st_mtime_ns, len(members))]
        with _pixel_guard():
            store = image_store("celeba", sources, _transform(channels, size), members, decode,
                                (channels, size, size), describe=lambda m: f"{archive}:{m.filename}",
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
    with _pixel_guard():
        store = image_store(
            f"imagefolder-{_slug(root)}", [file_key(p, root) for p in files],
            {**_transform(channels, size), "root": str(root.resolve())}, files,
            lambda p: _decode_file(p, channels, size), (channels, size, size), labels=labels,
            cache_dir=request.cache_dir, use_cache=request.use_cache, progress=request.progress)
    return _bundle(request, store, class_names, str(root))


def _slug(root: Path) -> str:
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in root.resolve().name)
    return name[:40] or "root"

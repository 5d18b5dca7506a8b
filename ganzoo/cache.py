"""The preprocess-once cache: decode, resize and crop images once, then train from uint8 arrays.

A GAN epoch over JPEGs spends its time decoding; an epoch over a memory-mapped uint8 array
spends it training. An entry lives in ``CACHE/datasets/NAME-KEY/`` as ``images.npy`` (N, C, H, W)
plus ``meta.json``. The key hashes the source files (path, size, mtime) and the transform, so a
changed file or size builds a new entry. ``meta.json`` is written last and atomically, after
``images.npy`` was moved into place: an entry without it (a killed build) is never trusted.
How ``images.npy`` is written safely (reserved space, stale temporary files) is in
:mod:`ganzoo.cachefiles`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .cachefiles import sweep_stale_temp_files, write_images
from .io import write_json

log = logging.getLogger("ganzoo.cache")

#: Bump when the stored layout or the preprocessing changes: old entries are then ignored.
FORMAT_VERSION = 1

T = TypeVar("T")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/ganzoo`` (``~/.cache/ganzoo`` when unset), as other tools do."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ganzoo"


def file_key(path: Path, base: Path) -> tuple[str, int, int]:
    """What identifies one source file's content cheaply: relative path, size, mtime (ns)."""
    st = path.stat()
    return (path.relative_to(base).as_posix() if base in path.parents or path == base
            else str(path), st.st_size, st.st_mtime_ns)


def cache_key(name: str, sources: Iterable[Sequence[Any]], transform: dict[str, Any]) -> str:
    """sha256 over the dataset name, the sorted source keys, the transform and the format."""
    h = hashlib.sha256()
    payload = {"name": name, "format": FORMAT_VERSION, "transform": transform}
    h.update(json.dumps(payload, sort_keys=True, default=str).encode())
    for item in sorted(tuple(s) for s in sources):
        h.update(json.dumps(list(item), default=str).encode())
        h.update(b"\n")
    return h.hexdigest()


@dataclass
class ImageStore:
    """Decoded images: ``x`` uint8 (N, C, H, W), memory-mapped when it came from the cache."""

    x: np.ndarray
    labels: list[int] | None
    skipped: list[str] = field(default_factory=list)
    path: Path | None = None
    from_cache: bool = False
    build_seconds: float = 0.0


def _entry_dir(cache_dir: Path, name: str, key: str) -> Path:
    return cache_dir / "datasets" / f"{name}-{key[:20]}"


def _read_entry(entry: Path, key: str) -> ImageStore | None:
    meta_path = entry / "meta.json"
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") != key or meta.get("format") != FORMAT_VERSION:
            return None
        # "c" = copy-on-write: a writable view (torch wants one) that never touches the file
        arr = np.load(entry / "images.npy", mmap_mode="c")
        count = int(meta["count"])
        if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[0] < count:
            return None
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        log.warning("ignoring unreadable cache entry %s (%s); rebuilding", entry, exc)
        return None
    return ImageStore(arr[:count], meta.get("labels"), meta.get("skipped", []), entry,
                      from_cache=True)


def image_store(
    name: str,
    sources: Sequence[Sequence[Any]],
    transform: dict[str, Any],
    items: Sequence[T],
    decode: Callable[[T], np.ndarray],
    shape: tuple[int, int, int],
    *,
    labels: Sequence[int] | None = None,
    describe: Callable[[T], str] = str,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress: bool = True,
    workers: int | None = None,
) -> ImageStore:
    """Return the decoded images of ``items``, from the cache when its key still matches.

    ``decode(item)`` returns uint8 (C, H, W) of ``shape`` or raises for an unreadable file; such
    items are skipped and reported (count and first path), never fatal, so a bad file found at
    build time can never stop an epoch. ``labels`` run parallel to ``items``.
    """
    key = cache_key(name, sources, transform)
    entry = _entry_dir(cache_dir or default_cache_dir(), name, key)
    if use_cache:
        sweep_stale_temp_files(entry.parent)
        found = _read_entry(entry, key)
        if found is not None:
            log.info("using cached %s: %d images from %s", name, len(found.x), entry)
            return found
    start = time.perf_counter()
    n = len(items)
    if use_cache:
        kept, skipped, first_error = write_images(
            entry, name, (n, *shape),
            lambda out: _fill(out, items, decode, shape, describe, name, progress, workers))
        store_labels = [int(labels[i]) for i in kept] if labels is not None else None
        write_json(entry / "meta.json", {
            "key": key, "format": FORMAT_VERSION, "name": name, "count": len(kept),
            "shape": list(shape), "transform": transform, "labels": store_labels,
            "skipped": skipped, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        })
        result = _read_entry(entry, key)
        assert result is not None  # just written; a failure here is a ganzoo bug
        result.from_cache = False
    else:
        out = np.empty((n, *shape), dtype=np.uint8)
        kept, skipped, first_error = _fill(out, items, decode, shape, describe, name, progress, workers)
        store_labels = [int(labels[i]) for i in kept] if labels is not None else None
        result = ImageStore(out[:len(kept)], store_labels, skipped)
    result.build_seconds = time.perf_counter() - start
    if skipped:
        log.warning("%s: skipped %d unreadable file(s), first: %s (%s)", name, len(skipped),
                    skipped[0], first_error)
    return result


def _fill(out: np.ndarray, items: Sequence[T], decode: Callable[[T], np.ndarray],
          shape: tuple[int, int, int], describe: Callable[[T], str], name: str,
          progress: bool, workers: int | None) -> tuple[list[int], list[str], str | None]:
    """Decode into ``out`` compactly (good images first, in order).

    Returns the kept indices, the skipped items' descriptions and why the first was skipped.
    """

    def safe(item: T) -> np.ndarray | Exception:
        try:
            arr = decode(item)
        except Exception as exc:  # noqa: BLE001 - any decoder failure means "bad file"
            return exc
        if arr.shape != shape or arr.dtype != np.uint8:
            return ValueError(f"decoded to {arr.shape} {arr.dtype}, expected {shape} uint8")
        return arr

    kept: list[int] = []
    skipped: list[str] = []
    first_error: str | None = None
    workers = workers or min(8, os.cpu_count() or 1)
    with _Progress(f"caching {name}", len(items), progress) as bar, \
            ThreadPoolExecutor(max_workers=workers) as pool:  # PIL decodes without the GIL
        for i, arr in enumerate(pool.map(safe, items, chunksize=1)):
            if isinstance(arr, Exception):
                skipped.append(describe(items[i]))
                first_error = first_error or (str(arr).splitlines() or [type(arr).__name__])[0]
            else:
                out[len(kept)] = arr
                kept.append(i)
            bar.advance()
    return kept, skipped, first_error


class _Progress:
    """A rich bar on a terminal, a start and an end line otherwise (logs stay readable)."""

    def __init__(self, label: str, total: int, enabled: bool):
        self.label, self.total, self.enabled = label, total, enabled
        self._rich: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if not self.enabled:
            return self
        if sys.stderr.isatty():
            from rich.progress import Progress

            self._rich = Progress(transient=True)
            self._rich.start()
            self._task = self._rich.add_task(self.label, total=self.total)
        else:
            sys.stderr.write(f"{self.label}: decoding {self.total} images once...\n")
            sys.stderr.flush()
        return self

    def advance(self) -> None:
        if self._rich is not None:
            self._rich.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.stop()
        elif self.enabled and exc[0] is None:
            sys.stderr.write(f"{self.label}: done\n")
            sys.stderr.flush()

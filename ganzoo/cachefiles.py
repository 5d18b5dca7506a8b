"""The cache's ``images.npy`` on disk: space reserved before it is written, and leftovers swept.

``images.npy`` is written through a memory map, and a write to a mapped page the disk has no
room for is a SIGBUS: the process dies without a word and its temporary file stays for ever.
So its blocks are reserved first (``posix_fallocate``), and a full disk is one line naming the
size, the folder and the way out. The temporary file names its writer's pid and stays
``flock``-ed by it until renamed, so a later build can tell a dead writer's leftover (deleted)
from a live writer's (kept).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from .errors import DataError
from .io import fsync_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the writer's pid alone tells a stale file
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("ganzoo.cache")

R = TypeVar("R")

#: ``.images.npy.pid<PID>.<random>.tmp.npy``: a build's temporary file, named after its writer.
_TMP_GLOB = ".images.npy.*.tmp.npy"
_TMP_NAME = re.compile(r"\.images\.npy\.pid(\d+)\.[0-9a-f]+\.tmp\.npy")
#: Room kept free beside ``images.npy`` for ``meta.json`` and the file system's own bookkeeping.
SPACE_MARGIN = 1 << 20
#: An older ganzoo's temporary file (no pid, no lock) is stale once untouched this long: a
#: live writer touches it with every image it stores.
LEGACY_STALE_SECONDS = 3600


def human_size(n: float) -> str:
    """Bytes for people: ``812 bytes``, ``2.3 MiB``, ``2.0 GiB``."""
    units = ("bytes", "KiB", "MiB", "GiB", "TiB")
    step = 0
    while n >= 1024 and step < len(units) - 1:
        n, step = n / 1024, step + 1
    return f"{n:.0f} bytes" if step == 0 else f"{n:.1f}".removesuffix(".0") + f" {units[step]}"


def _no_room(name: str, need: int, where: Path, why: str,
             fix: str = "free some space there") -> DataError:
    return DataError(f"the dataset cache of {name} needs {human_size(need)} in {where} but {why}; "
                     f"{fix}, point the cache at a bigger disk (--cache-dir DIR, or "
                     f"XDG_CACHE_HOME), or decode into memory with --no-cache")


def _create_locked(entry: Path) -> tuple[Path, int]:
    """A new temporary file in ``entry``, named after this process, ``flock``-ed until closed."""
    for attempt in (0, 1):  # a concurrent failed build may remove the empty entry folder once
        entry.mkdir(parents=True, exist_ok=True)
        tmp = entry / f".images.npy.pid{os.getpid()}.{secrets.token_hex(4)}.tmp.npy"
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)  # 0666 less the umask
        except FileNotFoundError:
            if attempt:
                raise
            continue
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a new file nobody else can have locked: no wait
        return tmp, fd
    raise AssertionError("unreachable")


def _reserve(tmp: Path, fd: int, name: str, shape: tuple[int, ...]) -> np.memmap:
    """Create the memory-mapped ``.npy`` and reserve its blocks, or raise one line.

    Without the reservation the file is sparse and a full disk shows up as SIGBUS at some later
    page write; with it, every page the map touches already has its block.
    """
    header = 4096  # an .npy header is at most a few hundred bytes; this bounds it generously
    need = int(np.prod(shape, dtype=np.int64)) + header
    free = shutil.disk_usage(tmp.parent).free
    if free < need + SPACE_MARGIN:
        raise _no_room(name, need + SPACE_MARGIN, tmp.parent, f"only {human_size(free)} is free")
    try:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=shape)
        size = os.fstat(fd).st_size
        if size and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(fd, 0, size)
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS):
                    raise
                log.debug("cannot reserve %s on this file system (%s)", tmp, exc)
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            raise _no_room(name, need, tmp.parent, "this process may not write a file that big",
                           fix="raise the limit (ulimit -f)") from None
        if exc.errno == errno.ENOSPC:
            why = f"the disk is full ({human_size(shutil.disk_usage(tmp.parent).free)} free)"
        elif exc.errno == errno.EDQUOT:
            why = "your disk quota is used up"
        else:
            why = f"reserving it failed ({exc.strerror or exc})"
        raise _no_room(name, need, tmp.parent, why) from None
    return out


def write_images(entry: Path, name: str, shape: tuple[int, ...],
                 fill: Callable[[np.ndarray], R]) -> R:
    """Fill ``entry/images.npy`` (``shape`` uint8) through ``fill`` and move it into place.

    The file is written under a temporary name, reserved before the first page is touched,
    fsynced and renamed; any failure removes it (and the entry folder, if that is now empty).
    """
    try:
        tmp, fd = _create_locked(entry)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _no_room(name, int(np.prod(shape, dtype=np.int64)), entry, "the disk is full") from None
        raise
    try:
        out = _reserve(tmp, fd, name, shape)
        result = fill(out)
        out.flush()
        del out
        os.fsync(fd)
        os.replace(tmp, entry / "images.npy")
        fsync_dir(entry)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        with contextlib.suppress(OSError):
            entry.rmdir()  # only when empty: a failed first build leaves no trace
        raise
    finally:
        os.close(fd)
    return result


def sweep_stale_temp_files(datasets_dir: Path) -> list[Path]:
    """Delete the temporary ``images.npy`` files of builds whose writer is gone; return them.

    A build killed by a signal (or a full disk, before ganzoo reserved space) leaves its
    temporary file behind, and nothing else would ever remove it. A file is kept while anyone
    holds its ``flock`` (a live writer always does) or while the pid in its name is alive.
    """
    removed: list[Path] = []
    if not datasets_dir.is_dir():
        return removed
    for tmp in datasets_dir.glob(f"*/{_TMP_GLOB}"):
        if _writer_gone(tmp):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                removed.append(tmp)
                log.info("removed %s, left by a build that did not finish", tmp)
    return removed


def _writer_gone(tmp: Path) -> bool:
    try:
        fd = os.open(tmp, os.O_RDONLY)
    except OSError:
        return False  # gone already, or not ours to judge
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # its writer is alive and holds it
        named = _TMP_NAME.fullmatch(tmp.name)
        if named is None:  # an older ganzoo's name: no pid, no lock; only its age tells
            return time.time() - os.fstat(fd).st_mtime > LEGACY_STALE_SECONDS
        pid = int(named.group(1))
        if pid == os.getpid():  # an earlier process that had our pid (containers reuse pids)
            return fcntl is not None  # unlocked, and this process is not writing it
        return not _pid_alive(pid)  # alive: it may be between creating and locking its file
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, someone else's
        return True
    return True

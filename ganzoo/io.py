"""Atomic file writes: a crash, a kill or a full disk never leaves a half-written file behind.

Write to a temporary file in the same folder, flush and fsync, then ``os.replace`` over the
target (atomic on POSIX and Windows). Readers see the old file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically.

    For writers that want a path (``safetensors.torch.save_file``, ``PIL.Image.save``). The
    temporary keeps the target's suffix so format-by-extension writers still work.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=f".tmp{target.suffix}")
    except OSError as exc:  # name the file the user asked for, not our temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600, and some writers (safetensors) recreate the file with their own
        # mode: give it the mode open() would, 0666 less the umask, like every other file.
        follow_umask(tmp_path)
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
        fsync_dir(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if isinstance(exc, OSError) and exc.filename == str(tmp_path):
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        raise


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """``open()`` for writing, atomically: the target appears only once the block succeeds."""
    with atomic_path(target) as tmp:
        with open(tmp, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_json(target: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as pretty JSON, atomically."""
    with atomic_open(target, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=False, default=_json_default)
        fh.write("\n")


def write_with(target: str | os.PathLike[str], writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp_path)`` and move the result over ``target`` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (set, tuple)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item"):  # numpy / torch scalars
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def follow_umask(path: str | os.PathLike[str]) -> None:
    """Give ``path`` the mode a plain ``open()`` / ``mkdir()`` would: 0666 (files) or 0777
    (folders) less the umask. Temporary files and folders are created private (0600/0700)."""
    base = 0o777 if os.path.isdir(path) else 0o666
    os.chmod(path, base & ~_umask())


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (POSIX needs the folder synced too)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def writable_error(target: str | os.PathLike[str], what: str, folder: bool = False) -> str | None:
    """Why ``target`` (a file, or a folder with ``folder=True``) cannot be written, or None.

    Checked before long work starts, so a read-only ``--out`` fails in a second, not after an
    epoch. The probe creates (and removes) a file in the deepest folder that exists already, so
    permissions, read-only mounts and over-long names are all found the way a write finds them.
    """
    target = Path(target)
    if len(os.fsencode(target.name)) > 255:
        return f"cannot write {what} {target}: file name too long (at most 255 bytes per name)"
    if target.exists() and not folder and target.is_dir():
        return f"cannot write {what} {target}: it is a folder"
    if target.exists() and folder and not target.is_dir():
        return f"cannot write {what} {target}: it is a file, not a folder"
    here = target if folder else target.parent
    while not here.exists() and here != here.parent:
        here = here.parent
    if not here.is_dir():
        return f"cannot write {what} {target}: {here} is not a folder"
    try:
        fd, probe = tempfile.mkstemp(dir=here, prefix=".ganzoo-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"cannot write {what} {target}: {exc.strerror or exc} in {here}"
    return None


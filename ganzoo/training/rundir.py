"""The run folder: a fresh ``runs/<model>-<dataset>-<timestamp>/`` that never replaces a run,
and the lock that keeps a second process out of it while a run writes there.

The lock is an exclusive ``fcntl.flock`` on ``RUN_DIR/.ganzoo.lock``, which holds the owner's
pid, taken when the folder is created (or by ``--resume``) and held until the run ends; the
kernel drops it if the process dies, so a crashed run never leaves the folder locked. The
standard library is enough: ``filelock`` would add a dependency for the same flock call.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import time
from pathlib import Path

from ..errors import ConfigError

log = logging.getLogger(__name__)

#: The lock file inside a run folder; not a run file (push and the listings never name it).
LOCK_NAME = ".ganzoo.lock"


def new_run_dir(model: str, dataset: str, out: Path | None, base: Path | str = "runs") -> Path:
    """Create and return the folder; ``mkdir(exist_ok=False)`` makes the claim atomic.

    Two runs started in the same second get ``-2``, ``-3``... rather than sharing a folder.
    """
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)  # emptiness was checked by ganzoo.options.resolve
        return out
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    stem = f"{model}-{dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
    for n in range(1, 1000):
        path = base / (stem if n == 1 else f"{stem}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free run folder name under {base} for {stem}")


class RunLock:
    """This process's exclusive lock on a run folder; :meth:`release` ends it."""

    def __init__(self, folder: Path, fd: int) -> None:
        self.folder, self.fd = folder, fd

    def release(self) -> None:
        """Delete the lock file (while still holding it) and unlock; idempotent."""
        if _held.get(self.folder) is self:
            del _held[self.folder]
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.folder / LOCK_NAME)
        os.close(self.fd)
        self.fd = -1


#: Locks this process holds, by absolute folder: taking one again returns it.
_held: dict[Path, RunLock] = {}


def lock_run_dir(folder: Path, what: str,
                 fix: str = "wait for it to finish (or stop it), or pick another --out") -> RunLock | None:
    """Lock ``folder`` for this process, or raise naming the pid that holds it.

    ``what`` starts the message (``--out runs/x`` or ``--resume runs/x``), ``fix`` ends it. On
    a filesystem without ``flock`` (some network mounts) the run goes on unlocked, with a warning.
    """
    key = Path(os.path.abspath(folder))
    if key in _held:
        return _held[key]
    path = key / LOCK_NAME
    for _ in range(20):  # a holder that released (and deleted the file) meanwhile: try again
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise ConfigError(f"{what}: cannot create the lock file {path}: "
                              f"{exc.strerror or exc} (pick a writable folder)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            busy = _busy(what, path, fd, fix) if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN) else None
            os.close(fd)
            if busy is not None:
                raise busy from None
            log.warning("%s: cannot lock %s (%s); nothing stops a second run from writing there "
                        "at the same time", what, path, exc.strerror or exc)
            return None
        if _same_file(path, fd):
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except OSError as exc:
                os.close(fd)
                raise ConfigError(f"{what}: cannot write the lock file {path}: "
                                  f"{exc.strerror or exc} (free disk space)") from None
            lock = _held[key] = RunLock(key, fd)
            return lock
        os.close(fd)  # locked a file its holder had just deleted: take the new one
    raise ConfigError(f"{what}: could not take the lock {path}; another run keeps replacing it")


def check_unlocked(folder: Path, what: str, fix: str) -> None:
    """Raise as :func:`lock_run_dir` would if another process holds ``folder``; creates nothing
    (a resume that will be refused should not read checkpoints its holder is pruning)."""
    key = Path(os.path.abspath(folder))
    if key in _held:
        return
    path = key / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return  # no lock file: nobody holds it (or taking the lock will say why not)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise _busy(what, path, fd, fix) from None
    finally:
        os.close(fd)  # closing also drops the shared lock, if it was taken


def release(folder: Path) -> None:
    """Release this process's lock on ``folder``, if it holds one."""
    lock = _held.get(Path(os.path.abspath(folder)))
    if lock is not None:
        lock.release()


def _busy(what: str, path: Path, fd: int, fix: str) -> ConfigError:
    """The one line for a folder another process holds, naming its pid (read from the file)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    who = f"pid {text}" if text.isdigit() else "another process"
    return ConfigError(f"{what} is in use by another ganzoo run ({who}, lock {path}); {fix}")


def _same_file(path: Path, fd: int) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def claim_run_dir(model: str, dataset: str, out: Path | None, base: Path | str = "runs") -> Path:
    """:func:`new_run_dir`, locked for this process (rank 0 of a run calls it).

    ``--out`` may name a folder another process is creating at the same moment: both pass the
    "empty" check, one takes the lock and the other stops here, before it trains. A folder that
    filled up in between (a run that finished meanwhile) is refused as not empty.
    """
    folder = new_run_dir(model, dataset, out, base)
    what = f"--out {out}" if out is not None else f"the run folder {folder}"
    lock = lock_run_dir(folder, what)
    if out is not None and any(p.name != LOCK_NAME for p in folder.iterdir()):
        if lock is not None:
            lock.release()
        raise ConfigError(f"--out {out} already exists and is not empty; pick a new folder "
                          f"(runs are never overwritten)")
    return folder

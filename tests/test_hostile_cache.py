"""A full disk while the dataset cache is built is one line, and no build leaves litter for ever.

``images.npy`` is written through a memory map; on a full disk a write to a mapped page is a
SIGBUS: ganzoo died with exit 135, no message, and a ``.images.npy.*.tmp.npy`` that nothing ever
removed. Now the space is checked and reserved (``posix_fallocate``) before the first page is
written, a shortfall is one line (exit 2) saying how much is needed, where and what to do, and
each build sweeps the temporary files of builds whose writer is gone while keeping a live one's.
Real faults only: a real 2 MiB tmpfs (skipped where mounting is not allowed), a real file-size
limit, real writer processes killed with SIGKILL or held mid-build.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from formats import write_jpegs

# 200 images of 3x64x64 need 2.4 MB of cache: more than the 2 MiB disk below.
DCGAN_64 = ["--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8", "--max-steps", "1", "--batch-size", "4",
            "--device", "cpu"]

#: A cache writer through the library: ``python -c WRITER MODE CACHE_DIR GO_FILE``. ``die`` kills
#: itself (SIGKILL) at the fourth image, as the OOM killer or a power cut would; ``hold`` waits
#: there until GO_FILE exists, a build in progress.
WRITER = """
import os, signal, sys, time
from pathlib import Path
import numpy as np
from ganzoo.cache import image_store

mode, cache, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

def decode(i):
    if i == 3 and mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    while i == 3 and not go.exists():
        time.sleep(0.02)
    return np.full((1, 8, 8), i, np.uint8)

store = image_store(f"writer-{mode}", [("item", i) for i in range(6)], {"fill": "index"}, list(range(6)),
                    decode, (1, 8, 8), cache_dir=cache, progress=False, workers=1)
print(len(store.x))
"""


def _one_line(res) -> str:
    assert res.returncode == 2, (res.returncode, res.stderr)  # not 135 (SIGBUS) nor a traceback
    lines = [ln for ln in res.stderr.strip().splitlines() if not ln.startswith("caching ")]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def _temp_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob(".images.npy.*.tmp.npy"))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MiB file system (tmpfs); skipped where this user may not mount one."""
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command: cannot make a small file system to fill")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a 2 MiB tmpfs here (needs root or CAP_SYS_ADMIN): {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_is_one_line_not_sigbus(run_cli, tmp_path: Path, small_disk: Path) -> None:
    write_jpegs(tmp_path / "faces" / "img_align_celeba", 200, size=(40, 48))
    cache = small_disk / "cache"
    res = run_cli("train", "dcgan", "celeba", "--data-root", "faces", "--cache-dir", str(cache), *DCGAN_64,
                  "--out", "run")
    line = _one_line(res)
    said = re.fullmatch(r"ganzoo: error: the dataset cache of celeba needs ([\d.]+) MiB in (\S+) but .*", line)
    assert said is not None, line
    assert float(said.group(1)) >= 200 * 3 * 64 * 64 / 2**20, line  # at least the images themselves
    entry = Path(said.group(2))
    assert entry.parent == cache / "datasets" and entry.name.startswith("celeba-"), line
    assert line.endswith(" but only 2 MiB is free; free some space there, point the cache at a bigger disk "
                         "(--cache-dir DIR, or XDG_CACHE_HOME), or decode into memory with --no-cache"), line
    assert _temp_files(small_disk) == [] and not entry.exists()
    assert not (tmp_path / "run").exists()


def test_a_file_size_limit_is_one_line(run_cli, tmp_path: Path) -> None:
    """``ulimit -f``: the space is there, the file may not be: the reservation itself fails."""
    write_jpegs(tmp_path / "faces" / "img_align_celeba", 100, size=(40, 48))
    cache = tmp_path / "cache"
    limit = 1 << 20  # 100 images of 3x64x64 are 1.2 MB

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run([sys.executable, "-m", "ganzoo", "train", "dcgan", "celeba", "--data-root", "faces",
                           "--cache-dir", str(cache), *DCGAN_64, "--out", "run"], cwd=tmp_path,
                          capture_output=True, text=True, preexec_fn=small_files, timeout=300)
    line = _one_line(proc)
    assert line.startswith(f"ganzoo: error: the dataset cache of celeba needs 1.2 MiB in {cache}/datasets/celeba-")
    assert " but this process may not write a file that big; raise the limit (ulimit -f), point the cache " in line
    assert _temp_files(cache) == [] and list((cache / "datasets").iterdir()) == []


def _start_writer(mode: str, cache: Path, go: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", WRITER, mode, str(cache), str(go)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_temp(entry_glob: str, cache: Path, proc: subprocess.Popen) -> Path:
    end = time.monotonic() + 120
    while time.monotonic() < end:
        found = [p for p in _temp_files(cache) if p.parent.match(entry_glob)]
        if found:
            return found[0]
        if proc.poll() is not None:
            pytest.fail(f"the writer ended (exit {proc.returncode}) before its temporary file appeared: "
                        f"{proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.02)
    pytest.fail("the writer's temporary file never appeared")


def test_dead_writers_temp_files_are_swept_live_ones_kept(run_cli, tmp_path: Path) -> None:
    cache, go = tmp_path / "cache", tmp_path / "go"
    # A writer killed mid-build leaves its temporary file behind: the litter this is about.
    dead = _start_writer("die", cache, go)
    dead.wait(timeout=120)
    assert dead.returncode == -signal.SIGKILL, dead.stderr.read() if dead.stderr else ""
    [dead_tmp] = _temp_files(cache)
    assert dead_tmp.name.startswith(f".images.npy.pid{dead.pid}.")
    # A writer still at work holds its file's lock; it must survive a sweep.
    live = _start_writer("hold", cache, go)
    try:
        live_tmp = _wait_for_temp("writer-hold-*", cache, live)
        # An older ganzoo's names (mkstemp's, no pid, no lock): kept while fresh, swept once old.
        old_legacy = dead_tmp.parent / ".images.npy.ae29oogl.tmp.npy"
        fresh_legacy = dead_tmp.parent / ".images.npy.k2m9x0qd.tmp.npy"
        for legacy in (old_legacy, fresh_legacy):
            legacy.write_bytes(b"\x93NUMPY" + bytes(100))
        two_hours_ago = time.time() - 7200
        os.utime(old_legacy, (two_hours_ago, two_hours_ago))
        # Created but not yet locked by a process that is alive (this one): kept.
        unlocked_alive = dead_tmp.parent / f".images.npy.pid{os.getpid()}.0123abcd.tmp.npy"
        unlocked_alive.write_bytes(b"")

        write_jpegs(tmp_path / "faces" / "img_align_celeba", 6, size=(20, 24))
        res = run_cli("train", "dcgan", "celeba", "--data-root", "faces", "--cache-dir", "cache",
                      "--set", "image_size=16", "--set", "channels=1", *DCGAN_64, "--out", "run")
        assert res.returncode == 0, res.stderr
        assert not dead_tmp.exists() and not old_legacy.exists()
        assert live_tmp.exists() and fresh_legacy.exists() and unlocked_alive.exists()
        assert set(_temp_files(cache)) == {live_tmp, fresh_legacy, unlocked_alive}
    finally:
        go.touch()
        out, err = live.communicate(timeout=120)
    # The live writer was never disturbed: it finished its entry.
    assert live.returncode == 0 and out.strip() == "6", err
    [entry] = live_tmp.parent.parent.glob("writer-hold-*")
    assert (entry / "images.npy").is_file() and (entry / "meta.json").is_file()
    assert not live_tmp.exists()

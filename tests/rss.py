"""Peak memory of one command, measured so that only the command counts.

Linux carries a process's RSS high-water mark across ``exec``: a child that pytest forks
starts with pytest's own resident pages in its ``ru_maxrss`` (1.7 GiB late in a full run, with
torch and onnx imported), whatever the command itself then uses. So the command is started by a
small probe interpreter (about 10 MB) and its peak read from the probe's ``RUSAGE_CHILDREN``,
which counts only the waited-for command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: argv[1]: the file to write the peak (kB) to; argv[2:]: the command.
PROBE = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[2:]); "
         "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
         "sys.exit(rc)")


def run_measured(argv: list[str], cwd: Path, env: dict[str, str] | None = None,
                 timeout: float = 300) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``argv`` in ``cwd``; (the finished process, its peak RSS in bytes)."""
    peak_file = Path(cwd) / f".maxrss.{os.getpid()}"
    proc = subprocess.run([sys.executable, "-c", PROBE, str(peak_file), *argv], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=timeout)
    peak = int(peak_file.read_text()) * (1 if sys.platform == "darwin" else 1024)
    peak_file.unlink()
    return proc, peak


def ganzoo_measured(args: list[str], cwd: Path, env: dict[str, str] | None = None,
                    timeout: float = 300) -> tuple[subprocess.CompletedProcess, int]:
    """``ganzoo ARGS`` through :func:`run_measured`."""
    return run_measured([sys.executable, "-m", "ganzoo", *args], cwd, env, timeout)

"""Short OpenMP spin-waits when the machine is already busy, so a shared CPU does not sink a run.

torch's CPU kernels run in OpenMP teams; a thread that finishes its share spins (GNU OpenMP:
300,000 iterations) waiting for the others. On an idle machine that is what makes small ops
fast. On a busy one the thread it waits for is descheduled, and the spinning burns the time
slice that thread needed: beside two CPU-bound processes on 2 cores, `ganzoo train mlp-gan
digits` took 4.4x its idle time against 2.9x for the seed script (whose serial Python leaves
the team idle more often). Spinning 1,000 iterations brought it to 2.2x, but costs about 10 %
on an idle machine, so it is only chosen when other work is already runnable at start-up.

OpenMP reads these settings once, when torch loads it: :func:`settle` runs in the CLI before
torch is imported, and leaves alone any setting the user made. Code that imports torch itself
(``ganzoo.train`` from Python) can export ``GOMP_SPINCOUNT=1000`` before starting Python.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from collections.abc import MutableMapping

log = logging.getLogger(__name__)

#: What a busy machine gets: GNU OpenMP's spin count (torch's Linux wheels) and Intel
#: OpenMP's block time in ms (conda's MKL builds).
BUSY = {"GOMP_SPINCOUNT": "1000", "KMP_BLOCKTIME": "0"}
#: Settings that mean the user chose a wait policy already.
USER_KEYS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")


def other_runnable(samples: int = 5, gap: float = 0.01) -> float:
    """Median number of runnable tasks other than this one (``/proc/loadavg``'s 4th field);
    0 where that file does not exist."""
    counts = []
    for i in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as fh:
                running = int(fh.read().split()[3].split("/")[0])
        except (OSError, IndexError, ValueError):
            return 0.0
        counts.append(running - 1)
        if i + 1 < samples:
            time.sleep(gap)
    return float(statistics.median(counts))


def settle(environ: MutableMapping[str, str] | None = None, busy: float | None = None) -> bool:
    """Choose short spin-waits if other work is runnable now; True if it changed ``environ``."""
    env = os.environ if environ is None else environ
    if "torch" in sys.modules or any(k in env for k in USER_KEYS):
        return False  # too late (OpenMP has read its settings), or the user's choice
    if busy is None:
        busy = other_runnable()
    if busy < 1:
        return False
    env.update(BUSY)
    log.debug("the machine is busy (%.0f other runnable tasks): short OpenMP spin-waits (%s)", busy,
              " ".join(f"{k}={v}" for k, v in BUSY.items()))
    return True

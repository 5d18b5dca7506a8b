"""ganzoo.openmp: short OpenMP spin-waits chosen only on a busy machine, never over the user's."""

from __future__ import annotations

import subprocess
import sys

from ganzoo import openmp


def test_a_busy_machine_gets_short_spin_waits_and_an_idle_one_keeps_the_defaults():
    code = ("import os, sys; from ganzoo import openmp; env = {}; "
            "changed = openmp.settle(env, busy=float(sys.argv[1])); print(changed, sorted(env.items()))")
    busy = subprocess.run([sys.executable, "-c", code, "2"], capture_output=True, text=True, check=True)
    assert busy.stdout.strip() == "True [('GOMP_SPINCOUNT', '1000'), ('KMP_BLOCKTIME', '0')]"
    idle = subprocess.run([sys.executable, "-c", code, "0"], capture_output=True, text=True, check=True)
    assert idle.stdout.strip() == "False []"


def test_the_users_own_wait_policy_wins_and_torch_loaded_means_too_late():
    env = {"OMP_WAIT_POLICY": "ACTIVE"}
    assert not openmp.settle(env, busy=5) and env == {"OMP_WAIT_POLICY": "ACTIVE"}
    import torch  # noqa: F401 - this process has OpenMP loaded now

    env = {}
    assert not openmp.settle(env, busy=5) and env == {}


def test_runnable_tasks_are_counted_from_proc_loadavg():
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        import time

        time.sleep(0.3)
        assert openmp.other_runnable() >= 1
    finally:
        for b in burners:
            b.kill()
            b.wait()

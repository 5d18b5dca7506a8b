"""What a run says: where it goes and what it will do before the first step, an ETA on the
log lines, and a resume that says where it starts and ends with the metrics like a fresh run."""

from __future__ import annotations

SMALL = ["--set", "image_size=8", "--ema", "0", "--log-every", "1"]


def test_a_run_says_where_it_goes_first_and_how_long_is_left(run_cli):
    res = run_cli("train", "mlp-gan", "digits", *SMALL, "--max-steps", "3", "--out", "run")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("training mlp-gan on digits (1,437 train / 360 test items, batch 64): 3 steps on cpu, ")
    assert lines[0].endswith("-> run")
    logs = [line for line in lines if line.startswith("[1/")]
    assert len(logs) == 3
    assert all("  ETA " in line for line in logs[:-1]) and "ETA" not in logs[-1]  # none at the end
    assert lines[-1].startswith("saved run (") and "Loss_D" in lines[-1]


def test_a_resume_says_where_it_starts_and_ends_with_the_metrics(run_cli):
    assert run_cli("train", "mlp-gan", "digits", *SMALL, "--max-steps", "3", "--out", "run").returncode == 0
    res = run_cli("train", "--resume", "run", "--max-steps", "5")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "resuming run from step 3 (epoch 1, batch 3/22) to step 5"
    assert lines[-1].startswith("saved run (") and "Loss_D" in lines[-1] and "resumed" in lines[-1]

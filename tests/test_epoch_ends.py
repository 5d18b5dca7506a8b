"""Epoch ends that cost almost nothing: checkpoints on a clock, bounded progress frames,
metrics appended, a run folder whose size does not grow with the epochs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

import ganzoo
from ganzoo import pictures
from ganzoo.training import checkpoint

#: A tiny GAN on 64 random images: one step an epoch, so epochs are cheap.
TINY = ["mlp-gan", "fake", "--set", "size=64", "--set", "image_size=8", "--batch-size", "64",
        "--augment", "none", "--ema", "0"]


def _files(run: Path) -> set[str]:
    return {p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()}


def test_frames_keep_at_most_100_evenly_spaced_epochs_and_the_last():
    long = pictures.Frames(500)
    kept = [e for e in range(1, 501) if long.wanted(e)]
    assert kept == list(range(5, 501, 5))
    short = pictures.Frames(40)
    assert all(short.wanted(e) for e in range(1, 41))
    odd = pictures.Frames(150)
    kept = [e for e in range(1, 151) if odd.wanted(e)]
    assert len(kept) == 100 and kept[-1] == 150 and max(b - a for a, b in zip(kept, kept[1:])) == 2


def test_frames_round_trip_through_the_state_and_thin_when_a_resume_adds_epochs():
    frames = pictures.Frames(100)
    for e in range(1, 101):
        frames.add(e, Image.new("RGB", (4, 4), (e, 0, 0)))
    again = pictures.Frames(300)  # the resumed run asks for 300 epochs
    again.load_state_dict(frames.state_dict())
    assert len(again) <= 100
    reds = [im.getpixel((0, 0))[0] for im in again.images()]
    assert reds == sorted(reds) and reds[-1] == 100  # in order, the newest kept
    for e in range(101, 301):
        if again.wanted(e):
            again.add(e, Image.new("RGB", (4, 4), (0, e % 256, 0)))
    assert len(again) == 100


@pytest.mark.slow
def test_a_long_run_leaves_the_same_files_as_a_short_one(run_cli, tmp_path):
    short, long = tmp_path / "short", tmp_path / "long"
    assert run_cli("train", *TINY, "--epochs", "3", "--out", str(short)).returncode == 0
    res = run_cli("train", *TINY, "--epochs", "240", "--log-every", "1000", "--out", str(long))
    assert res.returncode == 0, res.stderr
    names = {n for n in _files(long) if not n.startswith("checkpoints/")}
    assert names == {n for n in _files(short) if not n.startswith("checkpoints/")}
    assert not any("epoch" in n for n in names)
    # one checkpoint (the last step), and a GIF of at most 100 epochs + the saved generator
    assert [p.name for p in checkpoint.list_checkpoints(long)] == ["step-000240"]
    with Image.open(long / "progress.gif") as gif:
        assert 100 <= gif.n_frames <= 101
    records = [json.loads(line) for line in (long / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records if r["kind"] == "epoch"] == list(range(1, 241))


@pytest.mark.slow
def test_checkpoint_minutes_0_checkpoints_every_epoch_end(run_cli, tmp_path):
    run = tmp_path / "run"
    res = run_cli("train", *TINY, "--epochs", "4", "--checkpoint-minutes", "0", "--keep-checkpoints", "9",
                  "--out", str(run))
    assert res.returncode == 0, res.stderr
    assert [p.name for p in checkpoint.list_checkpoints(run)] == [f"step-{s:06d}" for s in (1, 2, 3, 4)]


@pytest.mark.slow
def test_a_checkpoint_is_due_on_the_clock_mid_run(run_cli, tmp_path):
    """0.001 minutes (60 ms) between checkpoints: a 40-epoch run writes several, not one."""
    run = tmp_path / "run"
    res = run_cli("train", *TINY, "--epochs", "40", "--checkpoint-minutes", "0.001", "--keep-checkpoints", "99",
                  "--out", str(run))
    assert res.returncode == 0, res.stderr
    steps = [int(p.name.split("-")[1]) for p in checkpoint.list_checkpoints(run)]
    assert steps[-1] == 40 and len(steps) > 2


@pytest.mark.slow
def test_metrics_jsonl_is_appended_so_tail_f_follows_the_run(tmp_path):
    """A reader that opened the file early sees every record through that same handle (an
    atomic rewrite would leave it reading a deleted file)."""
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "ganzoo", "train", *TINY, "--epochs", "400",
                             "--log-every", "1", "--out", str(run)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not (run / "metrics.jsonl").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        early = open(run / "metrics.jsonl", encoding="utf-8")  # noqa: SIM115 - held across the run
        still_running = proc.poll() is None
        assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()
    with early:
        followed = early.read()
    assert still_running, "the run ended before the reader opened the file; make it longer"
    assert followed == (run / "metrics.jsonl").read_text(encoding="utf-8")
    assert followed.count('"kind": "epoch"') == 400


@pytest.mark.slow
def test_a_resume_drops_records_written_after_the_checkpoint(tmp_path):
    kw = {"settings": {"size": "64", "image_size": "8"}, "batch_size": 64, "augment": "none", "ema": 0,
          "log_every": 1, "progress": False, "device": "cpu"}
    straight = ganzoo.train("mlp-gan", "fake", epochs=6, out=tmp_path / "straight", **kw)
    run = tmp_path / "run"
    ganzoo.train("mlp-gan", "fake", epochs=6, max_steps=3, out=run, **kw)
    with open(run / "metrics.jsonl", "a", encoding="utf-8") as fh:  # what a killed process left
        fh.write(json.dumps({"kind": "log", "epoch": 4, "step": 4, "batch": 1, "Loss_D": 9.0}) + "\n")
    ganzoo.train(resume=run, max_steps=6, progress=False)

    def essentials(folder: Path) -> list[tuple]:
        records = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
        return [(r["kind"], r["step"], r.get("Loss_D"), r.get("Loss_G")) for r in records]

    assert essentials(run) == essentials(straight.out)


def test_frames_thin_to_evenly_spaced_ones_when_all_are_wanted():
    saved = pictures.Frames(10)
    for e in range(1, 11):
        saved.add(e, Image.new("RGB", (2, 2), (e, 0, 0)))
    frames = pictures.Frames(1, limit=5)  # every epoch "wanted": only the spacing can thin
    frames.load_state_dict(saved.state_dict())
    assert [im.getpixel((0, 0))[0] for im in frames.images()] == [1, 3, 5, 8, 10]


@pytest.mark.slow
def test_a_stopped_and_resumed_run_draws_the_same_gif_as_a_straight_one(tmp_path):
    """The stop falls on an epoch end, whose checkpoint comes before its frame: the resume redraws it."""
    kw = {"settings": {"size": "64", "image_size": "8"}, "batch_size": 64, "augment": "none", "ema": 0,
          "progress": False, "device": "cpu"}
    straight = ganzoo.train("mlp-gan", "fake", epochs=6, out=tmp_path / "straight", **kw).out
    run = tmp_path / "run"
    ganzoo.train("mlp-gan", "fake", epochs=6, max_steps=3, out=run, **kw)
    ganzoo.train(resume=run, max_steps=6, progress=False)
    with Image.open(straight / "progress.gif") as a, Image.open(run / "progress.gif") as b:
        assert a.n_frames == b.n_frames == 6
    assert (straight / "progress.gif").read_bytes() == (run / "progress.gif").read_bytes()

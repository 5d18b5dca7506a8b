"""Zip bombs and pixel bombs are skipped unread, with one warning line; training goes on.

A 9.5 MB ``img_align_celeba.zip`` with one 2 GiB member once took the process to 4.9 GB of
memory (members were read whole, then copied). Now a member is judged from the zip's central
directory before anything is inflated: over 64 MiB, or inflating more than 100:1 above 1 MiB,
it is skipped. Members are streamed to the decoder, and an image whose header promises more
pixels than PIL's decompression-bomb limit is skipped before it is decoded. Everything here is
real: real zips (``unzip -t`` accepts them), real PNG bombs, the real CLI in a subprocess whose
peak memory is measured by its parent.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from ganzoo_plugins.datasets.folders import CELEBA_HINT

from formats import write_jpegs, zip_with_bombs
from rss import ganzoo_measured

SMALL_DCGAN = ["--set", "image_size=16", "--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8",
               "--set", "channels=1", "--max-steps", "1", "--batch-size", "4", "--device", "cpu"]
GIB = 1 << 30


def _train(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, int]:
    """``ganzoo train ARGS``; returns the result and the peak RSS in bytes (tests/rss.py)."""
    return ganzoo_measured(["train", *args], tmp_path, {"PYTHONUNBUFFERED": "1"})


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def _pixel_bomb(path: Path, side: int) -> Path:
    """A real PNG of ``side`` x ``side`` black 1-bit pixels: a few KB that decode to side**2 bytes."""
    Image.new("1", (side, side)).save(path)
    return path


def test_a_2_gib_member_and_a_ratio_bomb_are_skipped_unread(tmp_path: Path) -> None:
    good = write_jpegs(tmp_path / "faces", 6, size=(20, 24))
    archive = zip_with_bombs(tmp_path / "img_align_celeba.zip", good,
                             {"bomb-2gib.jpg": 2 * GIB, "bomb-ratio.jpg": 8 << 20})
    assert archive.stat().st_size < 3 << 20  # 2 GiB of zeros in about 2 MB, as the report had
    res, peak = _train(tmp_path, "dcgan", "celeba", "--data-root", "img_align_celeba.zip", *SMALL_DCGAN,
                       "--out", "run")
    assert res.returncode == 0, res.stderr
    # Reading the 2 GiB member whole took 4.9 GB. Now the run costs what the same run on the six
    # good images alone costs (torch's own share differs between machines: compare, not absolute).
    clean = tmp_path / "clean"
    clean.mkdir()
    zip_with_bombs(clean / "img_align_celeba.zip", good, {})
    base, base_peak = _train(clean, "dcgan", "celeba", "--data-root", "img_align_celeba.zip", *SMALL_DCGAN,
                             "--out", "run")
    assert base.returncode == 0, base.stderr
    assert peak < base_peak + GIB // 4, f"peak RSS {peak / GIB:.2f} GiB, without bombs {base_peak / GIB:.2f} GiB"
    [line] = _warnings(res.stderr)  # one line for both, naming the first and the count
    assert line.startswith("warning: celeba: skipped 2 member(s) that would inflate past 64 MiB or by over "
                           "100:1, first: img_align_celeba.zip:img_align_celeba/bomb-2gib.jpg (2 GiB from "), line
    assert line.endswith(" MiB)"), line
    assert "Traceback" not in res.stderr
    # The six good images were trained on (5 train + 1 held out), and nothing else.
    assert "(5 train / 1 test items" in res.stdout, res.stdout


def test_a_zip_of_nothing_but_bombs_is_one_line(run_cli, tmp_path: Path) -> None:
    zip_with_bombs(tmp_path / "img_align_celeba.zip", [], {"a.jpg": 8 << 20, "b.jpg": 65 << 20})
    res = run_cli("train", "dcgan", "celeba", "--data-root", ".", *SMALL_DCGAN, "--out", "run")
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith(
        "ganzoo: error: dataset 'celeba': every image inside img_align_celeba.zip is a zip bomb (2 member(s) "
        "that would inflate past 64 MiB or by over 100:1, first: img_align_celeba.zip:img_align_celeba/a.jpg "
        "(8 MiB from "), lines[0]
    assert lines[0].endswith(")); this is not CelebA's zip: download it again (" + CELEBA_HINT + ")"), lines[0]
    assert not (tmp_path / "run").exists()


def _pixel_bombs(tmp_path: Path) -> tuple[Path, Path]:
    """Two real PNG bombs of a few KB: one between PIL's limit and twice it (PIL only warns, then
    would decode 100 MB), one over twice it (PIL refuses)."""
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # PIL's default, which the sides below straddle
    bombs = tmp_path / "bombs"
    bombs.mkdir()
    warned = _pixel_bomb(bombs / "a-warned.png", 10_000)
    refused = _pixel_bomb(bombs / "b-refused.png", 14_000)
    assert warned.stat().st_size < 100_000 and refused.stat().st_size < 100_000
    return warned, refused


def test_pixel_bombs_in_a_zip_are_skipped_before_decoding(run_cli, tmp_path: Path) -> None:
    warned, refused = _pixel_bombs(tmp_path)
    good = write_jpegs(tmp_path / "faces", 5, size=(20, 24))
    # A big honest image (noise does not compress): over 1 MiB, so it is streamed, and kept.
    big = tmp_path / "faces" / "big.png"
    noise = np.random.default_rng(0).integers(0, 256, size=(700, 900, 3), dtype=np.uint8)
    Image.fromarray(noise).save(big)
    assert big.stat().st_size > 1 << 20
    zip_with_bombs(tmp_path / "img_align_celeba.zip", [warned, refused, big, *good], {})
    res = run_cli("train", "dcgan", "celeba", "--data-root", ".", *SMALL_DCGAN, "--out", "run")
    assert res.returncode == 0, res.stderr
    assert _warnings(res.stderr) == [
        "warning: celeba: skipped 2 unreadable file(s), first: img_align_celeba.zip:img_align_celeba/a-warned.png "
        "(decompression bomb: 10000x10000 = 100,000,000 pixels, over PIL's limit of 89,478,485 "
        "(PIL.Image.MAX_IMAGE_PIXELS))"], res.stderr
    assert "DecompressionBomb" not in res.stderr  # PIL's own multi-line warning is not printed
    assert "(5 train / 1 test items" in res.stdout, res.stdout


def test_a_pixel_bomb_in_an_image_folder_is_skipped(run_cli, tmp_path: Path) -> None:
    _, refused = _pixel_bombs(tmp_path)
    folder = tmp_path / "pictures"
    write_jpegs(folder, 6, size=(20, 24))
    (folder / refused.name).write_bytes(refused.read_bytes())
    res = run_cli("train", "dcgan", "imagefolder", "--data-root", "pictures", *SMALL_DCGAN, "--out", "run")
    assert res.returncode == 0, res.stderr
    [line] = _warnings(res.stderr)
    assert line.startswith("warning: imagefolder-pictures: skipped 1 unreadable file(s), first: "), line
    assert line.endswith("b-refused.png (decompression bomb: Image size (196000000 pixels) exceeds limit of "
                         "178956970 pixels, could be decompression bomb DOS attack)"), line
    assert "(5 train / 1 test items" in res.stdout, res.stdout

"""Whole jobs, as users run them: a seed tutorial's script vs ``ganzoo train``, same images, same epochs.

Each side is one fresh process timed from spawn to exit: imports, data loading, every epoch
end, the final pictures and files (see seed_jobs.py for what each seed script does). Pairs
are interleaved repeat by repeat and the table shows medians. The digits jobs read the same
1,437 28x28 training images: ganzoo its embedded copy, the seed scripts the same pixels
written as MNIST idx files for torchvision's reader. Then the first pair runs once more beside
two CPU-burning processes (a busy machine), and the README's job is run once (100 of its
500 epochs) for its folder.

    python benchmarks/whole_job.py [--repeats 3] [--no-write] [--only NAME] [--skip-readme]

Writes the "## Whole jobs" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import docsection  # noqa: E402

SECTION = "## Whole jobs: ganzoo train vs the seed scripts"
SEED = [sys.executable, str(ROOT / "benchmarks" / "seed_jobs.py")]
GANZOO = [sys.executable, "-m", "ganzoo", "train"]
#: The seed algorithm: no DiffAugment, no weight average (free for the timing, but the seeds lack them).
PLAIN = ["--augment", "none", "--ema", "0"]


@dataclass
class Pair:
    name: str
    seed: list[str]
    ganzoo: list[str]
    target: float | None = None
    note: str = ""
    runs: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: {"seed": [], "ganzoo": []})


def pairs(data: Path, quick: bool) -> list[Pair]:
    e = 10 if quick else 40
    return [
        Pair(f"`mlp-gan` on digits, {e} epochs (the seed's algorithm)",
             [*SEED, "mlp-gan", "--root", str(data / "digits"), "--epochs", str(e)],
             [*GANZOO, "mlp-gan", "digits", "--epochs", str(e), *PLAIN], 1.5,
             "PyTorch-GAN gan.py: MNIST reader + Resize/ToTensor/Normalize, a line per batch, a "
             "5x5 grid every 400 batches"),
        Pair(f"`mlp-gan` on `fake` (512 images, 8 steps an epoch), {e} epochs",
             [*SEED, "mlp-gan", "--root", str(data / "fake"), "--epochs", str(e)],
             [*GANZOO, "mlp-gan", "fake", "--epochs", str(e), *PLAIN], 1.4,
             "same images on both sides (ganzoo's `fake` written as idx files)"),
        Pair("`dcgan` 3x64x64 on `fake`, one epoch of 2,048 images, batch 128",
             [*SEED, "dcgan", "--n", "2048", "--epochs", "1"],
             [*GANZOO, "dcgan", "fake", "--set", "size=2048", "--set", "image_size=64", "--set", "channels=3",
              "--batch-size", "128", "--epochs", "1", *PLAIN], 2.3,
             "the DCGAN tutorial's script (2 loader workers, prints every 50 iterations, a grid every "
             "500) on in-memory floats"),
        Pair(f"`dcgan` 1x32x32 on digits (ngf = ndf = 32, batch 64), {e // 4} epochs",
             [*SEED, "dcgan", "--root", str(data / "digits"), "--epochs", str(e // 4), "--image-size", "32",
              "--channels", "1", "--width", "32", "--batch", "64"],
             [*GANZOO, "dcgan", "digits", "--epochs", str(e // 4), *PLAIN], None,
             "ganzoo keeps its digits recipe's lr decay and label smoothing (free)"),
        Pair("`classifier` on digits, 10 epochs",
             [*SEED, "classifier", "--root", str(data / "digits"), "--epochs", "10"],
             [*GANZOO, "classifier", "digits", "--epochs", "10"], None,
             "the FashionMNIST quickstart (SGD; ganzoo's recipe: Adam), a test pass per epoch on both"),
    ]


def prepare(data: Path) -> None:
    """The digits split and `fake`'s 512 images as MNIST idx files (what the seeds read)."""
    import seed_jobs

    from ganzoo.data import DataRequest, load_dataset

    digits = load_dataset("digits", DataRequest("digits", image_size=28, channels=1))
    seed_jobs.write_mnist(data / "digits", (digits.train.x[:, 0].numpy(), digits.train.y.numpy()),
                          (digits.test.x[:, 0].numpy(), digits.test.y.numpy()))
    fake = load_dataset("fake", DataRequest("fake", image_size=28, channels=1))
    seed_jobs.write_mnist(data / "fake", (fake.train.x[:, 0].numpy(), fake.train.y.numpy()),
                          (fake.test.x[:, 0].numpy(), fake.test.y.numpy()))


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds from spawn to exit, and the child's peak RSS in MiB (this parent is small:
    it never imports torch, so the child's high-water mark is its own)."""
    cwd.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {proc.returncode}):\n{err[-3000:]}")
    return wall, usage.ru_maxrss / 1024


def burners(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def machine() -> str:
    """CPU model and count, Python and torch versions (read without importing torch here)."""
    import platform
    from importlib.metadata import version

    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu} ({os.cpu_count()} CPUs), Python {platform.python_version()}, torch {version('torch')}"


def folder_facts(run: Path) -> tuple[int, float]:
    files = [p for p in run.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="fewer epochs (a smoke run; not for the docs)")
    ap.add_argument("--only", help="run only the pairs whose name contains this")
    ap.add_argument("--skip-readme", action="store_true", help="skip the README job's folder")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--prepare", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prepare:
        return prepare(Path(args.prepare))
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ganzoo-whole-") as tmpname:
        tmp = Path(tmpname)
        # in a child: this parent stays small (the children's peak RSS is their own)
        subprocess.run([sys.executable, __file__, "--prepare", str(tmp / "data")], check=True)
        todo = [p for p in pairs(tmp / "data", args.quick) if not args.only or args.only in p.name]
        for r in range(args.repeats):
            for i, p in enumerate(todo):
                for side in ("seed", "ganzoo") if r % 2 == 0 else ("ganzoo", "seed"):
                    argv = p.seed if side == "seed" else [*p.ganzoo, "--out", str(tmp / f"run-{i}-{r}")]
                    wall, rss = timed(argv, tmp / f"cwd-{side}-{i}-{r}")
                    p.runs[side].append((wall, rss))
                    print(f"  {p.name} / {side} #{r + 1}: {wall:.1f} s, {rss:.0f} MiB", file=sys.stderr, flush=True)
        rows, verdicts = [], []
        for p in todo:
            s = statistics.median(w for w, _ in p.runs["seed"])
            g = statistics.median(w for w, _ in p.runs["ganzoo"])
            rss = " / ".join(f"{max(m for _, m in p.runs[side]):.0f}" for side in ("seed", "ganzoo"))
            rows.append(f"| {p.name} | {s:.1f} s | {g:.1f} s | **{s / g:.2f}x** | {rss} | {p.note} |")
            if p.target is not None:
                verdicts.append(f"{p.name}: {s / g:.2f}x (target ≥ {p.target}x): "
                                f"{'met' if s / g >= p.target else 'MISSED'}")
        load_rows = []
        if todo:
            p = todo[0]
            print("under load: two CPU-burning processes", file=sys.stderr)
            procs = burners(2)
            try:
                time.sleep(1)
                s_load, _ = timed(p.seed, tmp / "cwd-load-seed")
                g_load, _ = timed([*p.ganzoo, "--out", str(tmp / "run-load")], tmp / "cwd-load-ganzoo")
            finally:
                for b in procs:
                    b.kill()
            s = statistics.median(w for w, _ in p.runs["seed"])
            g = statistics.median(w for w, _ in p.runs["ganzoo"])
            load_rows = [f"| {p.name}, idle (medians above) | {s:.1f} s | {g:.1f} s | {s / g:.2f}x |",
                         f"| same, beside 2 CPU-burning processes (one run each) | {s_load:.1f} s | {g_load:.1f} s | "
                         f"{s_load / g_load:.2f}x |",
                         f"| slowdown under load | {s_load / s:.1f}x | {g_load / g:.1f}x | |"]
        readme = []
        if not args.skip_readme and not args.quick:
            # 100 epochs of the README's recipe: the GIF and the checkpoint already hold their
            # most frames (100), so the folder is the 500-epoch one's size; the time scales.
            print("the README job's recipe, 100 of its 500 epochs", file=sys.stderr)
            wall, rss = timed([*GANZOO, "dcgan", "digits", "--epochs", "100", "--out", str(tmp / "readme")],
                              tmp / "cwd-readme")
            n, mb = folder_facts(tmp / "readme")
            readme = [f"The README's job, `ganzoo train dcgan digits` (its recipe: DiffAugment, EMA, lr decay), "
                      f"run for 100 of its 500 epochs: {wall:.0f} s whole process, peak RSS {rss:.0f} MiB, so "
                      f"about {(wall + 4 * (wall - 5)) / 60:.0f} min for all 500 on this machine; its run folder "
                      f"holds {n} files, {mb:.1f} MB. Past 100 epochs the folder does not grow: the GIF and the "
                      "checkpoint keep at most 100 evenly spaced frames, one checkpoint is kept and nothing "
                      "is written per epoch.", ""]
    minutes = (time.perf_counter() - t_start) / 60
    body = "\n".join([
        SECTION, "",
        f"`python benchmarks/whole_job.py` on {machine()}, {datetime.date.today().isoformat()} "
        f"({minutes:.1f} min, {args.repeats} interleaved repeats, medians). "
        "Wall time of the whole process, spawn to exit: imports, data, every epoch end, pictures, "
        "checkpoints and weights (ganzoo), the seed scripts' own prints and grids "
        "(benchmarks/seed_jobs.py). Same images and epochs on both sides; threads are torch's "
        "defaults on both.", "",
        "| job | seed script | `ganzoo train` | ganzoo speed-up | peak RSS MiB (seed / ganzoo) | notes |",
        "|---|---:|---:|---:|---:|---|", *rows, "", *[f"- {v}" for v in verdicts], "",
        "A busy machine (the first job again, one run each side beside two `while True: pass` processes):", "",
        "| case | seed script | `ganzoo train` | ganzoo speed-up |", "|---|---:|---:|---:|", *load_rows, "",
        *readme])
    print(body)
    if not args.no_write and not args.quick:
        docsection.write_sections({SECTION: body})


if __name__ == "__main__":
    main()

"""Startup cost of the CLI: ``ganzoo list`` and ``ganzoo --help`` against ``import torch``.

Why: a model zoo that imports torch (and every model) to fill its registry makes every listing
and every ``--help`` pay ~1.6 s; ganzoo's specs name their builders as strings so listing never
imports torch. Each command runs in a fresh subprocess: one warm-up, then ``--repeats`` timed
runs; the median wall time and the peak RSS of the child (``ru_maxrss``) are reported.

    python benchmarks/startup.py [--repeats 9] [--no-write]

Prints a markdown table and replaces the "## Startup" section of docs/benchmarks.md (atomically).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from docsection import write_section

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.35
#: ``ganzoo train mlp-gan digits --max-steps 1`` may take this much longer than ``import torch``.
TRAIN_OVER_S = 1.5

COMMANDS = [
    ("`ganzoo list`", [sys.executable, "-m", "ganzoo", "list"]),
    ("`ganzoo --help`", [sys.executable, "-m", "ganzoo", "--help"]),
    ("`ganzoo list --json`", [sys.executable, "-m", "ganzoo", "list", "--json"]),
    ("`ganzoo train mlp-gan digits --max-steps 1` (whole run: one step, pictures, weights)",
     [sys.executable, "-m", "ganzoo", "train", "mlp-gan", "digits", "--max-steps", "1", "--out", "{out}"]),
    ("`python -c \"import torch\"`", [sys.executable, "-c", "import torch"]),
    ("`python -c \"pass\"` (interpreter alone)", [sys.executable, "-c", "pass"]),
]


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    if "{out}" in argv:  # a fresh run folder each time, removed after
        with tempfile.TemporaryDirectory(prefix="ganzoo-startup-") as tmp:
            return run_once([a.replace("{out}", os.path.join(tmp, "run")) for a in argv])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    env.pop("GANZOO_PLUGINS", None)
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {os.waitstatus_to_exitcode(status)})")
    return wall, usage.ru_maxrss / 1024  # Linux reports KiB


def measure(repeats: int) -> list[tuple[str, float, float]]:
    rows = []
    for label, argv in COMMANDS:
        run_once(argv)  # warm-up: page cache, .pyc files
        runs = [run_once(argv) for _ in range(repeats)]
        rows.append((label, statistics.median(w for w, _ in runs), max(r for _, r in runs)))
        print(f"{label}: median {rows[-1][1]:.3f} s, peak RSS {rows[-1][2]:.0f} MiB",
              file=sys.stderr)
    return rows


def torch_free() -> bool:
    code = ("import sys\nfrom ganzoo.cli import main\ntry:\n    main(['list'])\n"
            "except SystemExit:\n    pass\nprint('torch' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return proc.stderr.strip().splitlines()[-1] == "False"


def render(rows: list[tuple[str, float, float]], repeats: int) -> str:
    torch_s = next(w for label, w, _ in rows if "import torch" in label)
    list_s = rows[0][1]
    lines = [
        "## Startup",
        "",
        f"Median wall time of {repeats} runs after 1 warm-up, each a fresh subprocess; peak RSS "
        "of the child; stdout to /dev/null (the plain listing; a terminal adds rich's table). "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; `python benchmarks/startup.py --repeats {repeats}`",
        "",
        "| command | median wall (s) | vs `import torch` | peak RSS (MiB) |",
        "|---|---:|---:|---:|",
    ]
    for label, wall, rss in rows:
        lines.append(f"| {label} | {wall:.3f} | {wall / torch_s:.2f}x | {rss:.0f} |")
    train_s = next((w for label, w, _ in rows if "max-steps 1" in label), None)
    verdict = "meets" if list_s <= TARGET_S else "MISSES"
    lines += [
        "",
        f"`ganzoo list` {verdict} the {TARGET_S} s target ({list_s:.3f} s, "
        f"{torch_s / list_s:.1f}x faster than importing torch) and imports no torch: "
        f"{'yes' if torch_free() else 'NO'}. Specs carry `\"module:attr\"` builder strings, so "
        "listing reads entry points and registration modules only.",
        "",
    ]
    if train_s is not None:
        over = train_s - torch_s
        lines += [f"A whole one-step training run takes {over:.2f} s more than importing torch (target: within "
                  f"{TRAIN_OVER_S} s: {'met' if over <= TRAIN_OVER_S else 'MISSED'}): no torch._dynamo, "
                  "scikit-learn, torchvision or pyplot is imported (issue 14; it was 3.7 s over).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.repeats < 5:
        parser.error("--repeats must be at least 5")
    section = render(measure(args.repeats), args.repeats)
    print(section)
    if not args.no_write:
        write_section("## Startup", section)


if __name__ == "__main__":
    main()

"""The pretrained zoo: ship it (``--ship``) and check that every card's command reproduces it.

Shipping trains with the default recipe through the real CLI (``ganzoo train ARCH DATASET``),
keeps only what sampling needs (the generator of a GAN: its discriminator is not shipped),
evaluates with ``ganzoo eval``'s code and writes the numbers into ``config.json`` and the card.
``classifier.digits`` goes first: the GANs are judged by its features.

Reproducing reruns the exact command stored in each folder's ``config.json``, evaluates the new
run the same way (same N, seed and feature extractor) and compares the headline metric; within
10 % passes, and so does a rerun up to 30 % better than shipped (a GAN trained on another CPU).
It writes the "## Reproducing the zoo" section of docs/benchmarks.md.

    python benchmarks/reproduce.py --ship classifier.digits lstm-regressor.sine dcgan.digits mlp-gan.digits
    python benchmarks/reproduce.py                      # every shipped model
    python benchmarks/reproduce.py dcgan.digits --no-write
    python benchmarks/reproduce.py --cards              # rewrite every shipped README.md only
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import whole_job
from docsection import write_section

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "weights"
SECTION = "## Reproducing the zoo"
#: The metric each task's reproduction is judged by, and the tolerance.
HEADLINE = {"adversarial": "fid", "conditional": "fid", "classification": "test_accuracy",
            "regression": "test_mse"}
#: Tasks whose evaluation takes the GAN options (--n, --judge).
GAN_TASKS = ("adversarial", "conditional")
TOLERANCE = 0.10
#: Headline metrics where a smaller rerun is a better model, not a failed reproduction. A GAN
#: rerun on another CPU (other bf16 kernels) trains to another point of a chaotic trajectory.
LOWER_IS_BETTER = {"fid", "kid", "test_mse", "test_loss"}
#: ... but not unboundedly better: a jump past this is more likely a broken evaluation.
BETTER_LIMIT = 0.30
SHIP_ORDER = ("classifier.digits", "lstm-regressor.sine", "dcgan.digits", "mlp-gan.digits",
              "cdcgan.digits", "cgan.digits")
KEEP = ("model.safetensors",)


def train(argv: list[str], out: Path) -> float:
    """Run ``ganzoo train ...`` (argv without the leading ``ganzoo``) into ``out``; seconds taken."""
    cmd = [sys.executable, "-m", "ganzoo", *argv, "--out", str(out)]
    print("$", shlex.join(["ganzoo", *argv, "--out", str(out)]), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"training failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    print(proc.stdout.strip().splitlines()[-1], f"({secs:.0f} s)", flush=True)
    return secs


def ship(name: str, n: int, seed: int) -> None:
    """Train ``name`` (``arch.dataset``) with the default recipe and install it under weights/."""
    from ganzoo import plugins
    from ganzoo.evaluate import evaluate, record
    from ganzoo.io import write_json
    from ganzoo.weights import CONFIG_NAME, read_config

    arch, _, dataset = name.partition(".")
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        secs = train(["train", arch, dataset], run)
        stage = WEIGHTS / f".{name}.staging"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        for file in KEEP:
            shutil.copy2(run / file, stage / file)
        config = read_config(run)
        primary = next(iter(config["files"]))  # the generator of a GAN, else the model
        config["files"] = {primary: "model.safetensors"}
        config["train"]["wall_seconds"] = round(secs, 1)
        write_json(stage / CONFIG_NAME, config)
        gan = {"n": n} if config["task"] in GAN_TASKS else {}  # --n is the GAN tasks' option
        result = evaluate(stage, seed=seed, **gan)
        result.ref = name
        record(stage, result, name=name)
    target = WEIGHTS / name
    old = WEIGHTS / f".{name}.old"
    if target.exists():
        os.replace(target, old)
    os.replace(stage, target)
    shutil.rmtree(old, ignore_errors=True)
    plugins.reset()  # the new folder registers on next use (the GANs' judge)
    print("\n".join(result.lines()), flush=True)


def card(name: str) -> None:
    """Rewrite a shipped folder's README.md from its config.json as the current card code builds
    it (metadata, evaluation, usage): no training, no evaluation, the weights untouched."""
    from ganzoo.evaluate import card_text
    from ganzoo.io import atomic_open
    from ganzoo.weights import load_folder, read_config

    folder = WEIGHTS / name
    text = card_text(folder, read_config(folder), load_folder(folder), name)
    with atomic_open(folder / "README.md", "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {folder / 'README.md'}", flush=True)


def reproduce(name: str) -> dict[str, Any]:
    """Rerun the card's command; evaluate like the shipped numbers; compare the headline metric."""
    from ganzoo import registry
    from ganzoo.evaluate import evaluate
    from ganzoo.weights import read_config

    folder = Path(registry.get("pretrained", name).path)
    config = read_config(folder)
    shipped = config["evaluation"]
    argv = shlex.split(config["train"]["command"])[1:]
    with tempfile.TemporaryDirectory() as tmp:
        secs = train(argv, Path(tmp) / "run")
        judge = shipped["details"].get("judge")
        gan = {"n": shipped["n"] or 1000, "judge": judge} if shipped["task"] in GAN_TASKS else {}
        again = evaluate(Path(tmp) / "run", seed=shipped["seed"], **gan)
    key = HEADLINE[shipped["task"]]
    before, after = shipped["metrics"][key], again.metrics[key]
    rel = abs(after - before) / abs(before) if before else float("inf")
    better = after < before if key in LOWER_IS_BETTER else after > before
    row = {"name": name, "metric": key, "shipped": before, "rerun": after, "rel": rel,
           "seconds": secs, "command": config["train"]["command"],
           "ok": rel <= TOLERANCE or (better and rel <= BETTER_LIMIT),
           "verdict": "pass" if rel <= TOLERANCE else "better" if better and rel <= BETTER_LIMIT else "FAIL"}
    print(row, flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="arch.dataset names (default: every shipped model)")
    ap.add_argument("--ship", action="store_true", help="train, evaluate and install into weights/")
    ap.add_argument("--n", type=int, default=1000, help="GAN evaluation size (capped by the test split)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    ap.add_argument("--cards", action="store_true", help="only rewrite the shipped cards from their config.json")
    args = ap.parse_args()
    if args.cards:
        for name in args.names or sorted(p.name for p in WEIGHTS.iterdir() if (p / "config.json").is_file()):
            card(name)
        return
    if args.ship:
        for name in sorted(args.names or SHIP_ORDER, key=lambda s: SHIP_ORDER.index(s)
                           if s in SHIP_ORDER else len(SHIP_ORDER)):
            ship(name, args.n, args.seed)
        return
    import ganzoo

    names = args.names or ganzoo.list_pretrained()
    rows = [reproduce(name) for name in names]
    table = ["| model | metric | shipped | rerun | difference | train time | |", "|---|---|---|---|---|---|---|"]
    table += [f"| `{r['name']}` | {r['metric']} | {r['shipped']:.4g} | {r['rerun']:.4g} | "
              f"{100 * r['rel']:.1f} % | {r['seconds']:.0f} s | {r['verdict']} |" for r in rows]
    body = (f"{SECTION}\n\nEach shipped model's card command rerun from scratch on a shared 2-core CPU "
            f"and evaluated like the shipped numbers (same N, seed and feature extractor); passes within "
            f"{100 * TOLERANCE:.0f} % (or up to {100 * BETTER_LIMIT:.0f} % better than shipped). "
            f"{whole_job.machine()}, {datetime.date.today().isoformat()}; `python benchmarks/reproduce.py`"
            f" took {sum(r['seconds'] for r in rows):.0f} s of training in all.\n\n" + "\n".join(table) + "\n")
    print(body)
    if not args.no_write and not args.names:
        write_section(SECTION, body)
    if not all(r["ok"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()

"""How close the DCGAN-64 training step comes to this CPU's bf16 matmul ceiling.

Three measurements, one process: the bf16 matmul rate of a large square product (torch's
default threads; the best this CPU does), the FLOPs of one DCGAN-64 training step per image
(torch.utils.flop_counter over the tutorial's step: D on real, G, D on fake, the G step,
backward passes included), and ganzoo's own training rate on ``fake`` 3x64x64 at batch 128
(the trainer's images_per_sec, warm-up excluded). The ceiling is rate x FLOPs / peak.

    python benchmarks/ceiling.py [--no-write]

Writes the "## DCGAN-64 against the bf16 ceiling" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import docsection  # noqa: E402
import whole_job  # noqa: E402

SECTION = "## DCGAN-64 against the bf16 ceiling"


def matmul_gflops(n: int = 4096, repeats: int = 5) -> float:
    import torch

    a, b = torch.randn(n, n, dtype=torch.bfloat16), torch.randn(n, n, dtype=torch.bfloat16)
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / statistics.median(times) / 1e9


def step_gflop_per_image(batch: int = 16) -> float:
    """FLOPs of the DCGAN tutorial's full training step (3x64x64), per image."""
    import seed_jobs
    import torch
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    netG, netD = seed_jobs.dcgan_nets(64, 3)
    criterion = nn.BCELoss()
    real = torch.rand(batch, 3, 64, 64) * 2 - 1
    with FlopCounterMode(display=False) as counter:
        out = netD(real).view(-1)
        criterion(out, torch.ones(batch)).backward()
        fake = netG(torch.randn(batch, 100, 1, 1))
        criterion(netD(fake.detach()).view(-1), torch.zeros(batch)).backward()
        criterion(netD(fake).view(-1), torch.ones(batch)).backward()
    return counter.get_total_flops() / batch / 1e9


def ganzoo_rate(steps: int = 12) -> tuple[float, str]:
    import ganzoo

    with tempfile.TemporaryDirectory() as tmp:
        result = ganzoo.train("dcgan", "fake", max_steps=steps, batch_size=128, log_every=3, progress=False,
                              device="cpu", augment="none", ema=0, out=Path(tmp) / "run",
                              settings={"image_size": "64", "channels": "3", "size": str(128 * (steps + 1))})
        return float(result.metrics["images_per_sec"]), result.config["train"]["perf"]["precision"]


def checkpoint_cost(model: str, dataset: str, settings: dict[str, str], repeats: int = 3) -> tuple[float, float, float]:
    """(median seconds to write one checkpoint, its MB, seconds of one training epoch) of a real run:
    its final checkpoint is read back and written again, fsyncs and all."""
    from ganzoo.training import checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        result = ganzoo_train(model, dataset, settings, out)
        state, tensors = checkpoint.load(checkpoint.latest(out))
        times = []
        for i in range(repeats):
            t0 = time.perf_counter()
            where = checkpoint.save(Path(tmp) / f"again-{i}", int(state["step"]), state, tensors, keep=1)
            times.append(time.perf_counter() - t0)
        size = sum(f.stat().st_size for f in where.iterdir()) / 2**20
        epoch_s = result.config["dataset"]["num_train"] / result.metrics["images_per_sec"]
    return statistics.median(times), size, epoch_s


def ganzoo_train(model: str, dataset: str, settings: dict[str, str], out: Path):  # noqa: ANN201
    import ganzoo

    return ganzoo.train(model, dataset, epochs=2, progress=False, device="cpu", augment="none", ema=0,
                        out=out, settings=settings)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    import torch

    peak = matmul_gflops()
    per_image = step_gflop_per_image()
    rate, precision = ganzoo_rate()
    costs = [(m, d, checkpoint_cost(m, d, st)) for m, d, st in
             (("mlp-gan", "digits", {}), ("dcgan", "digits", {}),
              ("dcgan", "fake", {"image_size": "64", "channels": "3", "size": "1024"}))]
    achieved = rate * per_image
    body = "\n".join([
        SECTION, "",
        f"`python benchmarks/ceiling.py` on {whole_job.machine()}, {torch.get_num_threads()} threads, "
        f"{datetime.date.today().isoformat()}.", "",
        "| measure | value |", "|---|---:|",
        f"| bf16 matmul, 4096x4096 (the ceiling) | {peak:,.0f} GFLOP/s |",
        f"| one DCGAN-64 training step (tutorial's: D real, D fake, G), per image | {per_image:.2f} GFLOP |",
        f"| ceiling in images/s | {peak / per_image:,.0f} img/s |",
        f"| `ganzoo.train` dcgan 3x64x64, batch 128 ({precision}), warm-up excluded | {rate:,.1f} img/s |",
        f"| share of the ceiling | **{achieved / peak:.0%}** ({achieved:,.0f} GFLOP/s) |", "",
        "The share counts the tutorial's arithmetic per image, i.e. the same work done faster. ganzoo "
        "does about 8 % less of it (by count: one of the step's twelve forward-sized passes): G's step "
        "skips D's weight gradients, which the tutorial computes and throws away.", "",
        "What one checkpoint costs (a real run's final checkpoint written again: safetensors, state.json, "
        "fsyncs, rename), against one training epoch of the same run (2 epochs, from its images_per_sec):", "",
        "| run | checkpoint | size | one epoch | checkpoint / epoch |", "|---|---:|---:|---:|---:|",
        *[f"| `{m}` on {d} | {c:.2f} s | {mb:.1f} MB | {e:.2f} s | {c / e:.0%} |" for m, d, (c, mb, e) in costs],
        "", "Before issue 14 every epoch ended with one; now one every `--checkpoint-minutes` (5) and at the end.", ""])
    print(body)
    if not args.no_write:
        docsection.write_sections({SECTION: body})


if __name__ == "__main__":
    main()

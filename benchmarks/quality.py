"""Quality of the default recipes on the embedded data (issue 4, item 8). CPU, minutes each.

Trains the four recipes with ``ganzoo.train`` exactly as ``ganzoo train MODEL DATASET`` does,
then checks:

- GANs (dcgan 1x32x32, mlp-gan 1x28x28 on digits): a judge CNN trained on the digits training
  split labels 1,000 samples; targets: mean max-probability >= 0.9 and every class >= 5 %.
- classifier on digits: test accuracy >= 97 %.
- lstm-regressor on sine: test MSE <= half the naive last-value forecast's MSE.

Writes the "## Quality on digits" section of docs/benchmarks.md (only that section).

    python benchmarks/quality.py            # all four
    python benchmarks/quality.py --only dcgan --epochs dcgan=40
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from docsection import write_section

import ganzoo
from ganzoo.data import DataRequest, load_dataset

SECTION = "## Quality on digits"
N_SAMPLES = 1000


def judge(image_size: int, workdir: Path) -> Any:
    """A CNN trained on the digits training split at the GAN's image size."""
    bundle = load_dataset("digits", DataRequest(name="digits", image_size=image_size, channels=1))
    result = ganzoo.train("classifier-cnn", bundle, epochs=15, progress=False, log_every=1000,
                          out=workdir / f"judge-{image_size}")
    result.model.eval()
    return result.model, result.metrics["test_accuracy"]


@torch.no_grad()
def gan_quality(model: Any, judge_model: Any, seed: int = 1234) -> dict[str, Any]:
    model.eval()
    z = model.sample_latent(N_SAMPLES, generator=torch.Generator().manual_seed(seed))
    probs = torch.softmax(judge_model(model.generator(z)), dim=1)
    conf, label = probs.max(1)
    share = torch.bincount(label, minlength=10).float() / N_SAMPLES
    return {"mean_max_prob": float(conf.mean()), "min_class_share": float(share.min()),
            "class_shares": [round(float(s), 3) for s in share]}


def run(name: str, dataset: str, epochs: int | None, workdir: Path) -> tuple[Any, float]:
    t0 = time.perf_counter()
    result = ganzoo.train(name, dataset, epochs=epochs, progress=False, log_every=1000,
                          out=workdir / name)
    return result, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=["dcgan", "mlp-gan", "classifier", "lstm-regressor"])
    ap.add_argument("--epochs", nargs="*", default=[], help="MODEL=N overrides of the recipe's epochs")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    ap.add_argument("--keep", type=Path, help="keep the run folders here (default: a temporary folder)")
    args = ap.parse_args()
    epochs = {k: int(v) for k, v in (e.split("=") for e in args.epochs)}
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        for name in args.only:
            if name in ("dcgan", "mlp-gan"):
                result, secs = run(name, "digits", epochs.get(name), work)
                size = int(result.model.config["image_size"])
                jm, jacc = judge(size, work)
                q = gan_quality(result.model, jm)
                ok = q["mean_max_prob"] >= 0.9 and q["min_class_share"] >= 0.05
                rows.append(f"| `{name}` on `digits` ({size}x{size}), {result.config['train']['epochs']} epochs "
                            f"| mean max-prob {q['mean_max_prob']:.3f}, smallest class "
                            f"{100 * q['min_class_share']:.1f} % (judge CNN test acc "
                            f"{100 * jacc:.1f} %) | ≥ 0.9, every class ≥ 5 % | {secs:.0f} s | "
                            f"{'pass' if ok else 'FAIL'} |")
                print(name, q, f"{secs:.0f}s", "judge", jacc, flush=True)
            elif name == "classifier":
                result, secs = run(name, "digits", epochs.get(name), work)
                acc = result.metrics["test_accuracy"]
                rows.append(f"| `classifier` on `digits`, {result.config['train']['epochs']} epochs | "
                            f"test accuracy {100 * acc:.2f} % | ≥ 97 % | {secs:.0f} s | "
                            f"{'pass' if acc >= 0.97 else 'FAIL'} |")
                print(name, result.metrics, f"{secs:.0f}s", flush=True)
            elif name == "lstm-regressor":
                result, secs = run(name, "sine", epochs.get(name), work)
                m = result.metrics
                ok = m["test_mse"] <= 0.5 * m["naive_mse"]
                rows.append(f"| `lstm-regressor` on `sine`, {result.config['train']['epochs']} epochs | "
                            f"test MSE {m['test_mse']:.5f} vs naive last-value {m['naive_mse']:.5f} "
                            f"(ratio {m['test_mse'] / m['naive_mse']:.3f}) | ≤ 0.5 × naive | "
                            f"{secs:.0f} s | {'pass' if ok else 'FAIL'} |")
                print(name, m, f"{secs:.0f}s", flush=True)
    table = "\n".join(["| run | result | target | train time | |", "|---|---|---|---|---|", *rows])
    body = (f"{SECTION}\n\nDefault recipes (`ganzoo train MODEL DATASET`, seed 0) on a shared 2-core "
            f"CPU, measured by `python benchmarks/quality.py` with torch {torch.__version__}. GAN "
            f"samples: {N_SAMPLES} from the final generator (eval mode), labelled by a CNN "
            f"(`classifier-cnn`) trained on the digits training split.\n\n{table}\n")
    print(body)
    if not args.no_write and len(args.only) == 4:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()

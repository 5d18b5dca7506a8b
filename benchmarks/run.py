"""Side-by-side speed of ganzoo against the seed tutorials' loops, in one run (issue 8).

Every case runs in its own subprocess (so its peak RSS, ``ru_maxrss``, is its own), cases of a
comparison are interleaved repeat by repeat (so load from other jobs hits both sides alike),
and the table shows medians of ``--repeats``. Warm-up steps are excluded from every rate.

- training: the DCGAN tutorial loop (Sigmoid + BCELoss, Adam(0.5, 0.999), float batches already
  in memory) and PyTorch-GAN's MLP GAN loop, written inline below, vs ``ganzoo.train(...,
  max_steps=...)`` on the ``fake`` dataset with the fast defaults (and, without ``--quick``, with
  every fast default switched off). ganzoo's rate is the trainer's own ``images_per_sec``
  (first logging interval = warm-up excluded; it includes turning uint8 batches into floats and
  the metrics file write per logging interval, which the seed loops do not pay);
- sampling: ``ganzoo.load(folder).sample(n)`` vs the raw generator forward;
- startup: ``ganzoo list`` / ``ganzoo --help`` vs ``python -c "import torch"`` (startup.py);
- data pipeline: the seed's ImageFolder epoch vs the cached uint8 epoch (data_pipeline.py);
- without ``--quick``: ``--compile`` (rate and extra wall time) and scaling with image and
  batch size.

    python benchmarks/run.py            # whole jobs first (whole_job.py), then the rest: ~35 min
    python benchmarks/run.py --quick    # the targets only
    python benchmarks/run.py --gpu      # the CUDA figures (benchmarks/gpu.sh); CPU: a smoke run

Writes the machine header and its own sections of docs/benchmarks.md (others are kept).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))  # formats.write_jpegs, shared with the tests

import docsection  # noqa: E402

TARGETS = {"dcgan": 1.7, "mlp-gan": 1.4, "sampling": 0.95, "list_s": 0.35}
SECTIONS = ("## Machine", "## Speed: ganzoo vs the seed loops", "## Scaling", "## GPU",
            "## Fast defaults vs fp32: GAN quality")
CELEBA = 202_599  # images in CelebA: the "time per epoch" of the scaling notes

# ---------------------------------------------------------------------------------------------
# Seed loops (the tutorials' code, condensed; run only inside a case subprocess)


def _seed_dcgan(image_size: int, channels: int, batch: int, device: Any) -> tuple[Any, Any]:
    """The PyTorch DCGAN tutorial's G and D (nz 100, ngf = ndf = 64) and its training step."""
    import seed_jobs
    import torch
    from torch import nn

    nz = 100
    netG, netD = (net.to(device) for net in seed_jobs.dcgan_nets(image_size, channels))
    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    losses: list[float] = []

    def step(real_cpu: Any) -> None:
        netD.zero_grad()
        real = real_cpu.to(device)
        b_size = real.size(0)
        label = torch.full((b_size,), 1.0, dtype=torch.float, device=device)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        noise = torch.randn(b_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(0.0)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optimizerD.step()
        netG.zero_grad()
        label.fill_(1.0)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()
        losses.append(errG.item())  # the tutorial records G_losses every iteration
        losses.append(errD.item())

    return step, netG


def _seed_mlp(image_size: int, channels: int, batch: int, device: Any) -> tuple[Any, Any]:
    """PyTorch-GAN's gan.py: G then D each iteration, Sigmoid + BCELoss, Adam(0.5, 0.999)."""
    import seed_jobs
    import torch

    latent_dim = 100
    generator, discriminator = (net.to(device) for net in
                                seed_jobs.pytorch_gan_nets((channels, image_size, image_size), latent_dim))
    adversarial_loss = torch.nn.BCELoss()
    optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def step(imgs: Any) -> None:
        valid = torch.ones(imgs.size(0), 1, device=device)
        fake = torch.zeros(imgs.size(0), 1, device=device)
        real_imgs = imgs.to(device)
        optimizer_G.zero_grad()
        z = torch.randn(imgs.shape[0], latent_dim, device=device)
        gen_imgs = generator(z)
        g_loss = adversarial_loss(discriminator(gen_imgs), valid)
        g_loss.backward()
        optimizer_G.step()
        optimizer_D.zero_grad()
        real_loss = adversarial_loss(discriminator(real_imgs), valid)
        fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
        d_loss = (real_loss + fake_loss) / 2
        d_loss.backward()
        optimizer_D.step()

    return step, generator


# ---------------------------------------------------------------------------------------------
# Cases (each runs in a fresh subprocess: ``run.py --case JSON``)


def _sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def case_seed(a: dict[str, Any]) -> dict[str, Any]:
    import torch

    torch.manual_seed(0)
    device = a["device"]
    make = _seed_dcgan if a["model"] == "dcgan" else _seed_mlp
    step, _ = make(a["image_size"], a["channels"], a["batch"], device)
    shape = (a["batch"], a["channels"], a["image_size"], a["image_size"])
    batches = [torch.rand(shape).mul_(2).sub_(1) for _ in range(4)]  # a DataLoader's float batches
    for i in range(a["warmup"]):
        step(batches[i % 4])
    _sync(device)
    t0 = time.perf_counter()
    for i in range(a["steps"]):
        step(batches[i % 4])
    _sync(device)
    return {"rate": a["steps"] * a["batch"] / (time.perf_counter() - t0)}


def case_ganzoo(a: dict[str, Any]) -> dict[str, Any]:
    import ganzoo

    settings = {"image_size": str(a["image_size"]), "channels": str(a["channels"]),
                "size": str(a["batch"] * (a["warmup"] + a["steps"] + 1))}  # no epoch end inside
    t0 = time.perf_counter()
    result = ganzoo.train(a["model"], "fake", max_steps=a["warmup"] + a["steps"],
                          batch_size=a["batch"], log_every=a["warmup"], device=a["device"],
                          settings=settings, progress=False, out=a["out"], **a.get("perf", {}))
    wall = time.perf_counter() - t0
    return {"rate": result.metrics["images_per_sec"], "wall": wall,
            "perf": result.config["train"].get("perf")}


def case_sample(a: dict[str, Any]) -> dict[str, Any]:
    import torch

    import ganzoo

    model = ganzoo.load(a["folder"])
    n = a["n"]
    if a["how"] == "ganzoo":
        def call() -> None:
            model.sample(n, seed=0)
    else:
        G = model.generator.eval()
        z = torch.randn(model.latent_shape(n))

        def call() -> None:
            with torch.no_grad():
                G(z)
    call()
    times = []
    for _ in range(a["calls"]):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return {"rate": n / statistics.median(times)}


def case_data(a: dict[str, Any]) -> dict[str, Any]:
    import data_pipeline

    if a["how"] == "seed":
        return {"rate": data_pipeline.seed_epoch(Path(a["root"]), 2, 128)}
    from ganzoo.data import DataRequest, load_dataset

    bundle = load_dataset("celeba", DataRequest("celeba", root=Path(a["root"]), image_size=64,
                                                channels=3, progress=False, cache_dir=Path(a["cache"])))
    data_pipeline.ganzoo_epoch(bundle.train.x, 128)  # warm-up: map the pages
    return {"rate": statistics.median(data_pipeline.ganzoo_epoch(bundle.train.x, 128)
                                      for _ in range(3))}


CASES = {"seed": case_seed, "ganzoo": case_ganzoo, "sample": case_sample, "data": case_data}


def child(spec: str) -> None:
    import resource

    a = json.loads(spec)
    out = CASES[a["case"]](a)
    out["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out), flush=True)


def spawn(**a: Any) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--case", json.dumps(a)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg"})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"case {a} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][7:])


# ---------------------------------------------------------------------------------------------
# Comparisons


def interleaved(label: str, variants: dict[str, dict[str, Any]], repeats: int,
                tmp: Path) -> dict[str, dict[str, float]]:
    """Run each variant ``repeats`` times, alternating; medians of rate (and wall), max RSS."""
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in variants}
    for r in range(repeats):
        for name, a in variants.items():
            a = dict(a)
            if a["case"] == "ganzoo":
                a["out"] = str(tmp / f"{label}-{name}-{r}".replace(" ", "_"))
            res = spawn(**a)
            runs[name].append(res)
            print(f"  {label} / {name} #{r + 1}: {res['rate']:,.1f} img/s, "
                  f"RSS {res['rss_mib']:.0f} MiB", file=sys.stderr, flush=True)
    out = {}
    for name, rs in runs.items():
        out[name] = {"rate": statistics.median(x["rate"] for x in rs),
                     "rss": max(x["rss_mib"] for x in rs),
                     "wall": statistics.median(x.get("wall", 0.0) for x in rs)}
    return out


def training_variants(model: str, device: str, batch: int, size: int, channels: int,
                      warmup: int, steps: int, off: bool) -> dict[str, dict[str, Any]]:
    base = {"model": model, "device": device, "batch": batch, "image_size": size,
            "channels": channels, "warmup": warmup, "steps": steps}
    v = {"seed loop": {"case": "seed", **base}, "ganzoo": {"case": "ganzoo", **base}}
    if off:
        v["ganzoo, fast defaults off"] = {"case": "ganzoo", **base, "perf": {
            "precision": "fp32", "channels_last": False, "fused": False}}
    return v


def machine(device: str) -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    from ganzoo.training.perf import cpu_has_native_bf16

    gpu = torch.cuda.get_device_name(0) if device == "cuda" else "none"
    load = os.getloadavg()[0]
    return "\n".join([
        "## Machine", "",
        f"Last written by `python benchmarks/run.py` on {datetime.date.today().isoformat()}.", "",
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs, torch threads {torch.get_num_threads()}, "
        f"native bf16: {'yes' if cpu_has_native_bf16() else 'no'}; load average at start {load:.1f} "
        "(the machine is shared: other jobs slow both sides of every comparison alike, since "
        "repeats are interleaved)",
        f"- GPU: {gpu}",
        f"- Python {platform.python_version()}, torch {torch.__version__}, {platform.system()} "
        f"{platform.release()}", ""])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the target rows, fewer steps")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gpu", action="store_true", help="CUDA figures (gpu.sh); on a CPU a smoke run")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs alone")
    ap.add_argument("--quality", nargs="*", metavar="MODEL=EPOCHS",
                    help="instead: digits quality of fp32 vs the fast defaults on a short recipe "
                         "(default dcgan=5 mlp-gan=20)")
    ap.add_argument("--scaling", action="store_true", help="instead: only the scaling table")
    ap.add_argument("--skip-whole", action="store_true",
                    help="skip the whole-job table (benchmarks/whole_job.py, about 20 min)")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        return child(args.case)
    if args.repeats < 3 and not args.gpu:
        ap.error("--repeats must be at least 3 (medians)")
    if args.gpu:
        return gpu_main(args)
    if args.scaling:
        with tempfile.TemporaryDirectory(prefix="ganzoo-scaling-") as tmpname:
            scaling(Path(tmpname))
        print(extra_scaling[0])
        if not args.no_write:
            write_sections({SECTIONS[0]: machine("cpu"), SECTIONS[2]: extra_scaling[0]})
        return None
    if args.quality is not None:
        return quality_main(args.quality or ["dcgan=5", "mlp-gan=20"], not args.no_write)
    if not args.quick and not args.skip_whole:  # the headline: whole jobs as users run them
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "whole_job.py"), "--repeats", str(args.repeats),
                        *(["--no-write"] if args.no_write else [])], check=True)
    t_start = time.perf_counter()
    rows: list[str] = []
    verdicts: list[str] = []
    R = args.repeats
    with tempfile.TemporaryDirectory(prefix="ganzoo-run-") as tmpname:
        tmp = Path(tmpname)
        print("training: dcgan 3x64x64 batch 128", file=sys.stderr)
        dc = interleaved("dcgan", training_variants("dcgan", "cpu", 128, 64, 3, 1 if args.quick else 2,
                                                    3 if args.quick else 5, not args.quick), R, tmp)
        print("training: mlp-gan 1x28x28 batch 64", file=sys.stderr)
        ml = interleaved("mlp", training_variants("mlp-gan", "cpu", 64, 28, 1, 20,
                                                  150 if args.quick else 300, not args.quick), R, tmp)
        for label, res, key, _what in (("`dcgan` 3x64x64, batch 128", dc, "dcgan", "dcgan"),
                                      ("`mlp-gan` 1x28x28, batch 64", ml, "mlp-gan", "mlp")):
            base = res["seed loop"]["rate"]
            for name, r in res.items():
                rows.append(f"| train {label}: {name} | {r['rate']:,.1f} img/s | "
                            f"{r['rate'] / base:.2f}x | {r['rss']:.0f} |")
            ratio = res["ganzoo"]["rate"] / base
            verdicts.append(f"`{key}` trainer {ratio:.2f}x the seed loop (target ≥ {TARGETS[key]}x): "
                            f"{'met' if ratio >= TARGETS[key] else 'MISSED'}")

        print("sampling", file=sys.stderr)
        folder = tmp / "dcgan-ganzoo-0"
        sm = interleaved("sample", {
            "raw generator forward": {"case": "sample", "how": "raw", "folder": str(folder), "n": 256,
                                      "calls": 5},
            "ganzoo.load(folder).sample(256)": {"case": "sample", "how": "ganzoo",
                                                "folder": str(folder), "n": 256, "calls": 5}}, R, tmp)
        base = sm["raw generator forward"]["rate"]
        for name, r in sm.items():
            rows.append(f"| sample `dcgan` 3x64x64: {name} | {r['rate']:,.0f} img/s | "
                        f"{r['rate'] / base:.2f}x | {r['rss']:.0f} |")
        ratio = sm["ganzoo.load(folder).sample(256)"]["rate"] / base
        verdicts.append(f"sampling {ratio:.2f}x the raw forward (target ≥ {TARGETS['sampling']}x): "
                        f"{'met' if ratio >= TARGETS['sampling'] else 'MISSED'}")

        print("startup", file=sys.stderr)
        import startup

        cmds = [c for c in startup.COMMANDS if "json" not in c[0] and "pass" not in c[0]]
        for _, argv in cmds:
            startup.run_once(argv)  # warm-up
        st: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in cmds}
        for _ in range(max(R, 5)):
            for label, argv in cmds:
                st[label].append(startup.run_once(argv))
        torch_s = statistics.median(w for w, _ in st[cmds[-1][0]])
        for label, runs in st.items():
            wall = statistics.median(w for w, _ in runs)
            rows.append(f"| startup {label} | {wall:.3f} s | {torch_s / wall:.1f}x faster | "
                        f"{max(r for _, r in runs):.0f} |")
        list_s = statistics.median(w for w, _ in st[cmds[0][0]])
        verdicts.append(f"`ganzoo list` {list_s:.3f} s (target ≤ {TARGETS['list_s']} s): "
                        f"{'met' if list_s <= TARGETS['list_s'] else 'MISSED'}")

        print("data pipeline", file=sys.stderr)
        from ganzoo.data import DataRequest, load_dataset

        from formats import write_jpegs

        n_img = 300 if args.quick else 600
        root = tmp / "celeba"
        write_jpegs(root / "img_align_celeba", n_img, size=(178, 218))
        load_dataset("celeba", DataRequest("celeba", root=root, image_size=64, channels=3,
                                           progress=False, cache_dir=tmp / "cache"))
        dp = interleaved("data", {
            "seed ImageFolder, 2 workers": {"case": "data", "how": "seed", "root": str(root)},
            "ganzoo cached uint8 store": {"case": "data", "how": "ganzoo", "root": str(root),
                                          "cache": str(tmp / "cache")}}, R, tmp)
        base = dp["seed ImageFolder, 2 workers"]["rate"]
        for name, r in dp.items():
            rows.append(f"| data epoch ({n_img} JPEGs -> 3x64x64): {name} | {r['rate']:,.0f} img/s | "
                        f"{r['rate'] / base:.1f}x | {r['rss']:.0f} |")

        extra: list[str] = []
        if not args.quick:
            extra = compile_and_scaling(tmp, R)
    minutes = (time.perf_counter() - t_start) / 60
    cmd = "python benchmarks/run.py" + (" --quick" if args.quick else "") + \
        (f" --repeats {R}" if R != 3 else "")
    body = "\n".join([
        SECTIONS[1], "",
        "**Training steps only**: no start-up, no epoch end, no data pipeline on the seed side, so "
        "not what a whole job sees (that is the table above, benchmarks/whole_job.py). "
        f"`{cmd}` ({minutes:.1f} min). Medians of {R} interleaved repeats, each case a fresh "
        "subprocess (its peak RSS), warm-up excluded, same threads and batch on both sides. Seed "
        "loops are the tutorials' code inline in benchmarks/run.py fed float batches already in "
        "memory (no loader cost); ganzoo is `ganzoo.train(..., max_steps=N)` on `fake` data with "
        "its defaults, its rate the trainer's own `images_per_sec` (includes uint8 -> float per "
        "batch and one metrics-file write per logging interval).", "",
        "| case | speed | vs baseline | peak RSS (MiB) |", "|---|---:|---:|---:|", *rows, "",
        *[f"- {v}" for v in verdicts], "", *extra])
    print(body)
    if not args.no_write:
        write_sections({SECTIONS[0]: machine("cpu"), SECTIONS[1]: body,
                        **({SECTIONS[2]: extra_scaling[0]} if extra_scaling else {})})


extra_scaling: list[str] = []


def compile_and_scaling(tmp: Path, R: int) -> list[str]:
    """--compile against the defaults, and the scaling notes (their own section)."""
    lines = []
    print("compile", file=sys.stderr)
    for model, batch, size, ch, warm, steps in (("dcgan", 128, 64, 3, 2, 5),
                                                 ("mlp-gan", 64, 28, 1, 20, 300)):
        base = {"case": "ganzoo", "model": model, "device": "cpu", "batch": batch,
                "image_size": size, "channels": ch, "warmup": warm, "steps": steps}
        res = interleaved(f"compile-{model}", {"defaults": base,
                                               "--compile": {**base, "perf": {"compile": True}}},
                          R, tmp)
        d, c = res["defaults"], res["--compile"]
        lines.append(f"- `{model}` with `--compile`: {c['rate']:,.1f} img/s vs {d['rate']:,.1f} "
                     f"({c['rate'] / d['rate']:.2f}x), compile cost {c['wall'] - d['wall']:.1f} s "
                     f"(extra wall time of the whole {warm + steps}-step run), peak RSS "
                     f"{c['rss']:.0f} vs {d['rss']:.0f} MiB")
    scaling(tmp)
    return ["With `--compile` (opt-in; not a default because the win is small on a CPU and the "
            "first steps pay the compile):", "", *lines, ""]


def scaling(tmp: Path) -> None:
    print("scaling", file=sys.stderr)
    table = ["| dcgan run | ganzoo img/s | time per CelebA epoch (202,599 images) | peak RSS (MiB) |",
             "|---|---:|---:|---:|"]
    for size, batch in ((32, 128), (64, 128), (128, 128), (64, 32), (64, 64), (64, 256)):
        steps = max(2, 3 * 128 // batch) if size < 128 else 2
        res = interleaved(f"scale-{size}-{batch}", {"g": {
            "case": "ganzoo", "model": "dcgan", "device": "cpu", "batch": batch,
            "image_size": size, "channels": 3, "warmup": 1, "steps": steps}}, 1, tmp)["g"]
        table.append(f"| 3x{size}x{size}, batch {batch} | {res['rate']:,.1f} | "
                     f"{CELEBA / res['rate'] / 60:,.0f} min | {res['rss']:.0f} |")
    extra_scaling.append("\n".join([
        SECTIONS[2], "",
        "DCGAN with ganzoo's defaults on this CPU, one run per row (1 warm-up step, 2-3 timed), "
        "measured by `python benchmarks/run.py` (or `--scaling` alone). Per image, G and D cost grows with the pixel "
        "count plus one more block per doubling, so time per epoch grows about 4x per doubling "
        "of the image side; batch size changes throughput only modestly on a CPU (the matmuls "
        "are already large), so it trades per-step latency, not epoch time.", "", *table, ""]))


# ---------------------------------------------------------------------------------------------
# Quality must not regress: the same short recipe in fp32 and with the fast defaults


def quality_main(specs: list[str], write: bool) -> None:
    """Judge-CNN confidence and mode coverage (benchmarks/quality.py) for both precisions."""
    import quality
    import torch

    import ganzoo

    rows = []
    with tempfile.TemporaryDirectory(prefix="ganzoo-quality-") as tmpname:
        tmp = Path(tmpname)
        judges: dict[int, Any] = {}
        for spec in specs:
            model, _, epochs = spec.partition("=")
            for label, perf in (("fp32, no fast defaults", {"precision": "fp32", "channels_last": False,
                                                             "fused": False}),
                                ("fast defaults", {})):
                t0 = time.perf_counter()
                result = ganzoo.train(model, "digits", epochs=int(epochs), progress=False,
                                      log_every=1000, out=tmp / f"{model}-{len(rows)}", **perf)
                secs = time.perf_counter() - t0
                size = int(result.model.config["image_size"])
                if size not in judges:
                    judges[size] = quality.judge(size, tmp)
                jm, jacc = judges[size]
                q = quality.gan_quality(result.model, jm)
                used = result.config["train"]["perf"]
                print(model, label, used, q, f"{secs:.0f}s", file=sys.stderr, flush=True)
                rows.append(f"| `{model}` on `digits`, {epochs} epochs | {label} ({used['precision']}"
                            f"{', channels_last' if used['channels_last'] else ''}"
                            f"{', fused Adam' if used['fused'] else ''}) | {q['mean_max_prob']:.3f} | "
                            f"{100 * q['min_class_share']:.1f} % | {100 * jacc:.1f} % | "
                            f"{result.metrics.get('images_per_sec') or 0:,.0f} |")
    body = "\n".join([
        SECTIONS[4], "",
        f"`python benchmarks/run.py --quality {' '.join(specs)}`, seed 0, torch {torch.__version__}, "
        f"{datetime.date.today().isoformat()}. The same short recipe (the model's digits recipe "
        "with fewer epochs) trained twice, once with every fast default off and once with the "
        "defaults; 1,000 samples labelled by the judge CNN of benchmarks/quality.py. The "
        "absolute targets (≥ 0.9, every class ≥ 5 %) need the full recipes (benchmarks/quality.py); "
        "this table only checks that the fast defaults do not make the GANs worse.", "",
        "| run | precision | mean max-prob | smallest class | judge test acc | train img/s |",
        "|---|---|---:|---:|---:|---:|", *rows, ""])
    print(body)
    if write:
        write_sections({SECTIONS[4]: body})


# ---------------------------------------------------------------------------------------------
# GPU (benchmarks/gpu.sh)


def gpu_main(args: argparse.Namespace) -> None:
    import torch

    cuda = torch.cuda.is_available()
    if not cuda:
        print("no CUDA device: CPU smoke run of the GPU cases at tiny sizes; nothing is recorded",
              file=sys.stderr)
    device = "cuda" if cuda else "cpu"
    R = max(args.repeats, 3) if cuda else 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="ganzoo-gpu-") as tmpname:
        tmp = Path(tmpname)
        for batch in ((128, 512) if cuda else (8,)):
            size, warm, steps = (64, 5, 30) if cuda else (16, 1, 1)
            res = interleaved(f"gpu-{batch}", training_variants(
                "dcgan", device, batch, size, 3, warm, steps, off=False), R, tmp)
            base = res["seed loop"]["rate"]
            for name, r in res.items():
                rows.append(f"| train `dcgan` 3x{size}x{size}, batch {batch}: {name} | "
                            f"{r['rate']:,.0f} img/s | {r['rate'] / base:.2f}x |")
        folder = next(p for p in sorted(tmp.iterdir()) if "ganzoo" in p.name)
        sm = interleaved("gpu-sample", {
            "raw generator forward": {"case": "sample", "how": "raw", "folder": str(folder),
                                      "n": 1024 if cuda else 16, "calls": 5},
            "ganzoo sample": {"case": "sample", "how": "ganzoo", "folder": str(folder),
                              "n": 1024 if cuda else 16, "calls": 5}}, R, tmp)
        base = sm["raw generator forward"]["rate"]
        for name, r in sm.items():
            rows.append(f"| sample: {name} (CPU->GPU load as `ganzoo.load` does) | "
                        f"{r['rate']:,.0f} img/s | {r['rate'] / base:.2f}x |")
    table = "\n".join(["| case | speed | vs seed / raw |", "|---|---:|---:|", *rows])
    print(table)
    if cuda and not args.no_write:
        name = torch.cuda.get_device_name(0)
        write_sections({SECTIONS[3]: "\n".join([
            SECTIONS[3], "",
            f"Measured by `bash benchmarks/gpu.sh` on {name}, torch {torch.__version__}, "
            f"{datetime.date.today().isoformat()}; medians of {R} interleaved repeats. ganzoo: "
            "bf16 autocast, channels_last, cudnn.benchmark, fused Adam.", "", table, ""])})


# ---------------------------------------------------------------------------------------------


def write_sections(sections: dict[str, str]) -> None:
    """Rewrite only this script's sections; the machine header goes first."""
    docsection.write_sections(sections, first=SECTIONS[0])


if __name__ == "__main__":
    main()

"""``ganzoo train MODEL DATASET``: thin wrapper over :func:`ganzoo.train` (torch loads lazily)."""

from __future__ import annotations

import sys

import click

from .options import set_option


@click.command("train")
@click.argument("model", required=False)
@click.argument("dataset", required=False)
@click.option("--data-root", type=click.Path(file_okay=False), help="Folder of a file-based dataset (celeba, imagefolder).")
@click.option("--epochs", type=int, help="Passes over the training split (default: the model's recipe).")
@click.option("--max-steps", type=int, help="Stop after this many optimizer steps.")
@click.option("--batch-size", type=int, help="Batch size (default: the recipe; DCGAN 128, MLP GAN 64).")
@click.option("--lr", type=float, help="Adam learning rate (default: the recipe; GANs 2e-4).")
@click.option("--betas", metavar="B1,B2", help="Adam betas, e.g. 0.5,0.999.")
@click.option("--loss", help="Loss plugin (default: the model's; see ganzoo list --kind loss).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of weights, batch order and noise.")
@click.option("--device", default="auto", show_default=True, help="auto|cpu|cuda|mps (auto: cuda > mps > cpu).")
@click.option("--workers", type=int, default=0, show_default=True, help="Decoding workers for file-based datasets.")
@click.option("--out", type=click.Path(file_okay=False), help="Result folder (default: runs/MODEL-DATASET-TIMESTAMP/).")
@click.option("--log-every", type=int, help="Log a line every N steps (default 50).")
@click.option("--checkpoint-every", type=int, metavar="N",
              help="Also checkpoint every N steps (always: at each epoch end and on Ctrl-C).")
@click.option("--keep-checkpoints", type=int, default=3, show_default=True, metavar="K",
              help="Keep the newest K checkpoints in RUN_DIR/checkpoints/.")
@click.option("--on-nan", type=click.Choice(["stop", "skip"]), default="stop", show_default=True,
              help="A non-finite loss: stop (exit 3) or roll back to the last checkpoint and go on.")
@click.option("--resume", "resume", type=click.Path(file_okay=False), metavar="RUN_DIR",
              help="Continue RUN_DIR from its latest checkpoint with its saved settings.")
@click.option("--precision", type=click.Choice(["auto", "fp32", "bf16", "fp16"]), default="auto",
              show_default=True, help="Autocast precision (auto: bf16 on CUDA and on CPUs with native "
              "bf16, fp16 + GradScaler on CUDA without it, else fp32).")
@click.option("--channels-last/--no-channels-last", default=True, show_default=True,
              help="NHWC memory format for convolutional models.")
@click.option("--fused/--no-fused", default=True, show_default=True,
              help="Fused (one-kernel) Adam/SGD updates; off: foreach kernels.")
@click.option("--compile", "compile_", is_flag=True, default=False,
              help="torch.compile each network (slow first steps; measured in docs/benchmarks.md).")
@click.option("--nproc", type=int, metavar="N",
              help="Train in N processes on this machine (re-runs itself under torchrun --standalone; "
              "--batch-size is per process).")
@click.option("--sync-bn", is_flag=True, default=False,
              help="Multi-process: BatchNorm statistics over all processes' batches (CUDA only).")
@click.option("--augment", metavar="POLICY",
              help="GANs: DiffAugment on every image D sees, e.g. translation,cutout,color or none "
              "(default: the recipe's; helps small datasets).")
@click.option("--ema", type=float, metavar="DECAY",
              help="GANs: save a moving average of G's weights with this decay, e.g. 0.999; 0: off "
              "(default: the recipe's).")
@click.option("--lr-decay", type=float, metavar="F",
              help="Keep --lr for the first fraction F of the steps, then decay it linearly to 0 "
              "(e.g. 0.3; default: the recipe's, else constant).")
@set_option
def train_cmd(model: str, dataset: str | None, data_root: str | None, epochs: int | None,
              max_steps: int | None, batch_size: int | None, lr: float | None, betas: str | None,
              loss: str | None, seed: int, device: str, workers: int, out: str | None,
              log_every: int | None, settings: tuple[str, ...], checkpoint_every: int | None = None,
              keep_checkpoints: int = 3, on_nan: str = "stop", resume: str | None = None,
              precision: str = "auto", channels_last: bool = True, fused: bool = True,
              compile_: bool = False, nproc: int | None = None, sync_bn: bool = False,
              augment: str | None = None, ema: float | None = None,
              lr_decay: float | None = None) -> None:
    """Train MODEL on DATASET (default: the model's default dataset) and save a result folder.

    \b
    ganzoo train dcgan digits --epochs 1
    ganzoo train mlp-gan digits
    ganzoo train classifier digits
    ganzoo train lstm-regressor sine
    ganzoo train dcgan celeba --data-root ~/data/celeba
    ganzoo train --resume runs/mlp-gan-digits-20250101-120000 --epochs 20
    """
    from ..config import parse_set
    from ..train import TrainOptions, run
    from ..train import distributed
    from ..train.options import resolve_options

    launch = _wants_launch(nproc, distributed)
    if resume is not None:
        if launch:
            distributed.launch(nproc, sys.argv[1:])  # the ranks validate and resume
        result = _resume(resume, model, dataset, locals())
        if distributed.is_main_process():
            click.echo(f"saved {result.out} (resumed)")
        return
    if model is None:
        raise click.UsageError("Missing argument 'MODEL' (or pass --resume RUN_DIR).")
    opts = resolve_options(TrainOptions(
        model=model, dataset=dataset, data_root=data_root, epochs=epochs, max_steps=max_steps,
        batch_size=batch_size, lr=lr, betas=betas, loss=loss, seed=seed, device=device,
        workers=workers, out=out, settings=parse_set(settings), log_every=log_every,
        checkpoint_every=checkpoint_every, keep_checkpoints=keep_checkpoints, on_nan=on_nan,
        precision=precision, channels_last=channels_last, fused=fused, compile=compile_,
        sync_bn=sync_bn, augment=augment, ema=ema, lr_decay=lr_decay,
    ))
    if launch:  # validated here once; now the same command in N processes
        distributed.launch(nproc, sys.argv[1:])
    result = run(opts)
    if not distributed.is_main_process():
        return
    shown = ", ".join(f"{k} {v:.4g}" for k, v in result.metrics.items()
                      if isinstance(v, float) and k != "epoch")
    click.echo(f"saved {result.out} ({shown})")


def _wants_launch(nproc: int | None, distributed) -> bool:  # noqa: ANN001
    """``--nproc N``: launch torchrun, unless torchrun already launched this process."""
    from ..errors import ConfigError

    if nproc is None:
        return False
    if nproc < 1:
        raise ConfigError(f"--nproc must be >= 1, got {nproc} (the number of processes on this machine)")
    world = distributed.env_world_size()
    if distributed.launched_by_torchrun():
        if world != nproc and distributed.local_world_size() != nproc:
            raise ConfigError(f"--nproc {nproc} but torchrun started {world} processes; drop "
                              f"--nproc when launching with torchrun yourself")
        return False
    return nproc > 1


def _resume(run_dir: str, model: str | None, dataset: str | None, given: dict):  # noqa: ANN202
    """``--resume``: only knobs that do not change the run's meaning may be given with it."""
    from ..errors import ConfigError
    from ..train import run
    from ..train.checkpoint import RESUME_OVERRIDES, resume_options

    ctx = click.get_current_context()
    fixed = [name for name in ("data_root", "batch_size", "lr", "betas", "loss", "seed", "out",
                               "settings", "dataset", "augment", "ema", "lr_decay")
             if ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)]
    if fixed:
        flag = "DATASET" if fixed[0] == "dataset" else "--" + fixed[0].replace("_", "-").replace(
            "settings", "set")
        raise ConfigError(f"--resume {run_dir}: {flag} cannot change on resume (the run's saved "
                          f"settings are used); drop it, or start a new run")
    overrides = {k: given[k] for k in RESUME_OVERRIDES
                 if ctx.get_parameter_source(k) not in (None, click.core.ParameterSource.DEFAULT)}
    opts, *where = resume_options(run_dir, model, overrides)
    return run(opts, resume=tuple(where))


COMMANDS = [train_cmd]

"""``ganzoo train MODEL DATASET``: thin wrapper over :func:`ganzoo.train` (torch loads lazily).

Its run options are the option table's (:data:`ganzoo.options.TRAIN` plus the tasks'), so the
flags, ``ganzoo.train``'s keywords and the ``--resume`` rule cannot drift apart.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import ConfigError
from .options import given, set_option, table_command


@table_command("train", verb="train", at=2)
@click.argument("model", required=False)
@click.argument("dataset", required=False)
@click.option("--resume", "resume", type=click.Path(file_okay=False), metavar="RUN_DIR",
              help="Continue RUN_DIR from its latest checkpoint with its saved settings.")
@click.option("--config", "config_file", metavar="FILE",
              help="Read MODEL, DATASET, options and --set values from a TOML file (a run's "
              "RUN_DIR/run.toml reproduces that run); flags given here override the file.")
@click.option("--nproc", type=int, metavar="N",
              help="Train in N processes on this machine (re-runs itself under torchrun --standalone; "
              "--batch-size is per process).")
@set_option
@click.pass_context
def train_cmd(ctx: click.Context, model: str | None, dataset: str | None, resume: str | None,
              config_file: str | None, nproc: int | None, settings: tuple[str, ...], **_: Any) -> None:
    """Train MODEL on DATASET (default: the model's default dataset) and save a result folder.

    \b
    ganzoo train dcgan digits --epochs 1
    ganzoo train mlp-gan digits
    ganzoo train classifier digits
    ganzoo train lstm-regressor sine
    ganzoo train dcgan celeba --data-root ~/data/celeba
    ganzoo train --resume runs/mlp-gan-digits-20250101-120000 --epochs 20
    ganzoo train --config runs/mlp-gan-digits-20250101-120000/run.toml --out runs/again
    """
    from .. import openmp

    openmp.settle()  # before torch loads OpenMP: short spin-waits if the machine is busy
    from .. import options
    from ..config import parse_set
    from ..training import distributed, run

    typed = given(ctx, ctx.command.table_names())  # type: ignore[attr-defined]
    raw_settings: dict[str, Any] = parse_set(settings)
    if config_file is not None:
        if resume is not None:
            raise ConfigError(f"--config and --resume {resume} cannot be combined: a resumed run keeps "
                              f"its saved settings (only options such as --epochs may change); drop --config")
        model, dataset, nproc, typed, raw_settings = _from_file(config_file, model, dataset, nproc, typed,
                                                                raw_settings)
    launch = _wants_launch(nproc, distributed)
    if resume is not None:
        if dataset is not None:
            raise ConfigError(f"--resume {resume}: DATASET cannot change on resume (the run's saved "
                              f"settings are used); drop it, or start a new run")
        if settings:
            raise ConfigError(f"--resume {resume}: --set cannot change on resume (the run's saved "
                              f"settings are used); drop it, or start a new run")
        from ..training.checkpoint import resume_options

        options.resume_rule(typed, resume)
        if launch:
            distributed.launch(nproc, sys.argv[1:], click.echo)  # the ranks validate and resume
        opts, *where = resume_options(resume, model, typed)
        result = run(opts, resume=tuple(where))
        if distributed.is_main_process():
            _saved(result, "resumed, ")
        return
    if model is None:
        raise click.UsageError("Missing argument 'MODEL' (or pass --resume RUN_DIR, or --config FILE "
                               "with model = \"...\" in it).")
    opts = options.resolve(model, dataset, raw_settings, typed)
    if launch:  # validated here once; now the same command in N processes
        distributed.launch(nproc, sys.argv[1:], click.echo)
    result = run(opts)
    if distributed.is_main_process():
        _saved(result)


def _from_file(path: str, model: str | None, dataset: str | None, nproc: int | None, typed: dict[str, Any],
               settings: dict[str, Any]) -> tuple[Any, ...]:
    """The file's values under the command line's: what the user typed wins, key by key."""
    from ..runconfig import merge_settings, read

    file = read(path)
    model = model if model is not None else file.model
    dataset = dataset if dataset is not None else file.dataset
    nproc = nproc if nproc is not None else file.nproc
    typed = {**file.options, **typed}
    merged = merge_settings(file.settings, settings, model, dataset, typed.get("loss"))
    return model, dataset, nproc, typed, merged


def _saved(result: Any, note: str = "") -> None:
    """The last line of a run, fresh or resumed: the folder and the final metrics."""
    from ..display import result_line

    modality = (result.config.get("dataset") or {}).get("modality")
    click.echo(f"saved {result.out} ({note}{result_line(result.metrics, modality)})")


def _wants_launch(nproc: int | None, distributed: Any) -> bool:
    """``--nproc N``: launch torchrun, unless torchrun already launched this process."""
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


COMMANDS = [train_cmd]

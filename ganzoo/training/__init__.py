"""The uniform trainer: ``ganzoo.train("dcgan", "digits")`` and ``ganzoo train dcgan digits``.

Order of work, so a bad setting never leaves a half-made run behind: validate every option,
load the data and build the model, the loss and the task's step, and only then create the run
folder, train, draw the pictures, and finally save the weights and ``config.json`` (the folder
is loadable only once training finished).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import options as _options

if TYPE_CHECKING:
    from ..data import DataBundle
    from ..modeling import ZooModel

__all__ = ["TrainResult", "run", "train"]


@dataclass
class TrainResult:
    """What a run produced: its folder, the trained model and the final metrics."""

    out: Path
    model: ZooModel
    metrics: dict[str, Any]
    config: dict[str, Any] = field(repr=False, default_factory=dict)
    files: list[str] = field(default_factory=list)


def train(model: str | None = None, dataset: str | DataBundle | None = None, *,
          settings: dict[str, Any] | None = None, resume: str | Path | None = None,
          progress: bool | None = None, runs_dir: str | Path = "runs", **options: Any) -> TrainResult:
    """Train registered model ``model`` on ``dataset`` (a registered name or a DataBundle).

    ``options`` are the options of ``ganzoo train`` as keyword arguments (``epochs=5``,
    ``lr_decay=0.3``; the task's own too, such as a GAN's ``augment`` and ``ema``): see
    ``ganzoo train --help`` or :data:`ganzoo.options.TRAIN`. Unset options take the model's
    recipe, then the option's default. ``settings`` are ``--set`` values for the model, the
    dataset or the loss.

    ``resume=RUN_DIR`` continues that run from its latest checkpoint with its saved settings
    (``model`` must match it; only options that do not change what the run computes, such as
    ``epochs``/``max_steps``, may be given).

    Raises the same :class:`~ganzoo.errors.GanzooError` subclasses the CLI prints.
    """
    if resume is not None:
        from ..errors import ConfigError
        from .checkpoint import resume_options

        if dataset is not None or settings:
            raise ConfigError(f"--resume {resume}: the dataset and settings cannot change on "
                              f"resume (the run's saved settings are used); drop them")
        opts, *where = resume_options(resume, model, options)
        return run(opts, progress=progress, resume=tuple(where))
    if model is None:
        from ..errors import ConfigError

        raise ConfigError("train: name a model (see: ganzoo list --kind model), or pass resume=RUN_DIR")
    bundle = None
    if dataset is not None and not isinstance(dataset, str):
        bundle, dataset = dataset, dataset.name
    opts = _options.resolve(model, dataset, settings, options, registered=bundle is None,
                            runs_dir=runs_dir)
    return run(opts, bundle=bundle, progress=progress, runs_dir=runs_dir)


def run(opts: _options.ResolvedOptions, bundle: DataBundle | None = None, progress: bool | None = None,
        runs_dir: str | Path = "runs", resume: tuple[Any, ...] | None = None) -> TrainResult:
    """Train with already-validated options, in this process or as one rank under torchrun.

    Under ``torchrun`` (``WORLD_SIZE`` > 1) every rank calls this; they join the process
    group here (see :mod:`ganzoo.training.distributed`), and only rank 0 writes the run folder.
    ``resume`` is ``(checkpoint folder, state, tensors)`` from
    :func:`~ganzoo.training.checkpoint.resume_options`; the run continues in ``opts.out``.
    Rank 0 holds the run folder's lock (see :mod:`~ganzoo.training.rundir`) until this returns.
    """
    from . import distributed, rundir
    from .eager import no_dynamo_import

    locked: list[Path] = [opts.out] if resume is not None else []  # resume_options locked it
    try:
        info, device = distributed.setup(opts.device)
        ok = False
        try:
            with no_dynamo_import(enabled=not opts.compile):
                result = _run(opts, bundle, progress, runs_dir, resume, info, device, locked)
            ok = True
            return result
        finally:
            distributed.teardown(info, clean=ok)
    finally:
        for folder in locked:
            rundir.release(folder)


def saved_at(out: Path) -> int | None:
    """The step whose weights ``out`` holds complete, or None.

    ``save_folder`` writes ``config.json`` last, so a folder whose ``config.json`` names the
    checkpoint's step (and whose listed files exist) is complete; anything else is a run that
    died between its final checkpoint and its weights, which ``--resume`` finishes.
    """
    import json

    from ..weights import CONFIG_NAME

    try:
        config = json.loads((out / CONFIG_NAME).read_text(encoding="utf-8"))
        step = config["train"]["steps_done"]
        files = config["files"].values()
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if not isinstance(step, int) or not all(isinstance(f, str) and (out / f).is_file() for f in files):
        return None
    return step


def _start_line(opts: _options.ResolvedOptions, bundle: DataBundle, out: Path, device: Any,
                perf: Any, trainer: Any) -> str:
    """Where the run goes and what it will do, before the first step (the folder used to
    appear only in the last line)."""
    steps = (f"{trainer.total_steps:,} steps" if opts.max_steps is not None and
             trainer.total_steps < opts.epochs * trainer.steps_per_epoch
             else f"{opts.epochs} epochs x {trainer.steps_per_epoch} steps")
    test = f" / {len(bundle.test):,} test" if bundle.test is not None and len(bundle.test) else ""
    return (f"training {opts.model_spec.name} on {bundle.name} ({len(bundle.train):,} train{test} "
            f"items, batch {opts.batch_size}): {steps} on {device}, "
            f"{perf.describe()['precision']} -> {out}")


def _run(opts: _options.ResolvedOptions, bundle: DataBundle | None, progress: bool | None,
         runs_dir: str | Path, resume: tuple[Any, ...] | None, info: Any, device: Any,
         locked: list[Path]) -> TrainResult:
    import torch

    from .. import loggers, tasks
    from ..errors import ConfigError
    from . import distributed, setup
    from .loop import Trainer
    from .perf import Perf
    from .rundir import claim_run_dir

    task = tasks.get(opts.model_spec.task)
    distributed.check_sync_bn(opts.sync_bn, info, device)
    if bundle is None:
        bundle = setup.load_data(opts)
    setup.check_data(opts, bundle, task)
    hparams = setup.model_hparams(opts, bundle)
    torch.manual_seed(opts.seed)  # weights init and dropout: same seed, same run (on CPU)
    model = setup.build_model(opts, hparams)
    loss = setup.build_loss(opts)
    if info.rank > 0:  # same initial weights everywhere; own dropout stream per rank
        torch.manual_seed(distributed.rank_seed(opts.seed, info.rank))
    perf = Perf.resolve(device, model, precision=opts.precision, channels_last=opts.channels_last,
                        fused=opts.fused, compile=opts.compile)

    if info.is_main:  # a logger plugin that cannot even import stops here, before the folder exists
        loggers.load_names(opts.logger)
    out = opts.out
    if resume is None and info.is_main:  # rank 0 creates and locks the folder, tells the others
        try:
            out = claim_run_dir(opts.model_spec.name, opts.dataset, opts.out, runs_dir)
            locked.append(out)
        except OSError as exc:
            where = opts.out if opts.out is not None else runs_dir
            raise ConfigError(f"cannot create the run folder under {where}: "
                              f"{exc.strerror or exc} (pick a writable --out)") from None
    out = distributed.broadcast_object(out, info)
    trainer = Trainer(task, model, loss, bundle, out, opts, device=device, perf=perf,
                      progress=progress, dist=info)
    if info.enabled:
        trainer.say(f"distributed: {info.world_size} processes ({info.backend}), --batch-size "
                    f"{opts.batch_size} per process, global batch {opts.batch_size * info.world_size}")
    if resume is not None:
        trainer.restore_checkpoint(*resume)
        if trainer.step >= trainer.total_steps:
            if saved_at(out) == trainer.step:
                raise ConfigError(f"--resume {out}: the run already finished at step {trainer.step}; "
                                  f"pass a larger --max-steps or --epochs to train further")
            trainer.say(f"finishing {out}: its last checkpoint is the final step {trainer.step} but the "
                        f"weights folder was never completed; saving it now (no training)")
        else:
            trainer.say(f"resuming {out} from step {trainer.step} (epoch {trainer.epoch + 1}, batch "
                        f"{trainer.position}/{trainer.steps_per_epoch}) to step {trainer.total_steps}")
    else:
        trainer.say(_start_line(opts, bundle, out, device, perf, trainer))
    if info.is_main:
        _write_run_toml(opts, out, info.world_size)
        trainer.loggers = loggers.Loggers(opts.logger, loggers.LogRun(
            out=out, hparams=loggers.hparams(opts), resumed_from=trainer.step if resume is not None else None))
    try:
        return _train_and_save(opts, bundle, trainer, model, perf, device, info)
    finally:
        if trainer.loggers is not None:
            trainer.loggers.close()


def _write_run_toml(opts: _options.ResolvedOptions, out: Path, world_size: int) -> None:
    """RUN_DIR/run.toml, the run's resolved options (rewritten by a resume, whose options may
    differ); best effort like the pictures: config.json records the command too."""
    import logging

    from .. import runconfig
    from ..errors import GanzooError

    try:
        runconfig.write(opts, out, world_size)
    except (OSError, GanzooError) as exc:
        logging.getLogger(__name__).warning("could not write %s (%s); training goes on",
                                            out / runconfig.RUN_TOML, exc)


def _train_and_save(opts: _options.ResolvedOptions, bundle: DataBundle, trainer: Any, model: Any, perf: Any,
                    device: Any, info: Any) -> TrainResult:
    import torch

    from .. import __version__
    from ..weights import save_folder
    from . import distributed

    metrics = trainer.run()
    digests = distributed.gather_digests(model.networks(), info)
    if not info.is_main:  # rank 0 alone writes pictures, config and weights
        return TrainResult(out=trainer.out, model=model, metrics=metrics)
    out = trainer.out
    files = trainer.write_pictures()

    dataset_info = {**bundle.describe(), "name": opts.dataset,
                    # images live in the model's range; a series keeps the data's own
                    "value_range": list(model.value_range if bundle.modality == "image"
                                        else bundle.value_range),
                    "options": dict(opts.data_settings),
                    "root": str(opts.data_root) if opts.data_root is not None else None}
    config = {
        "model": opts.model_spec.name,
        "dataset": dataset_info,
        "loss": {"name": opts.loss_spec.name, "params": dict(opts.loss_settings)},
        "train": {**opts.record(), "steps_done": trainer.step, "device": str(device),
                  "perf": perf.describe(), "command": opts.command(),
                  "world_size": info.world_size,
                  "global_batch_size": opts.batch_size * info.world_size},
        "metrics": metrics,
        "pictures": files,
        **({"distributed": {"backend": info.backend, "world_size": info.world_size,
                            "sync_bn": opts.sync_bn, "params_digests": digests,
                            "params_identical": len(set(digests)) == 1}} if info.enabled else {}),
        "versions": {"ganzoo": __version__, "torch": torch.__version__,
                     "python": platform.python_version()},
    }
    model.to("cpu")
    save_folder(model, out, config)  # last: the folder is complete only after this
    trainer.finish_loggers(metrics, files)
    return TrainResult(out=out, model=model, metrics=metrics, config=config, files=files)

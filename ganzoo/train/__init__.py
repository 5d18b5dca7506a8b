"""The uniform trainer: ``ganzoo.train("dcgan", "digits")`` and ``ganzoo train dcgan digits``.

Order of work, so a bad setting never leaves a half-made run behind: validate every knob,
load the data and build the model and loss, and only then create the run folder, train, draw
the pictures, and finally save the weights and ``config.json`` (the folder is loadable only
once training finished).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .options import ResolvedOptions, TrainOptions, resolve_options

if TYPE_CHECKING:
    from ..data import DataBundle
    from ..modeling import ZooModel

__all__ = ["TrainOptions", "TrainResult", "train"]


@dataclass
class TrainResult:
    """What a run produced: its folder, the trained model and the final metrics."""

    out: Path
    model: ZooModel
    metrics: dict[str, Any]
    config: dict[str, Any] = field(repr=False, default_factory=dict)
    files: list[str] = field(default_factory=list)


def train(model: str, dataset: str | DataBundle | None = None, *, data_root: str | Path | None = None,
          epochs: int | None = None, max_steps: int | None = None, batch_size: int | None = None,
          lr: float | None = None, betas: tuple[float, float] | str | None = None,
          loss: str | None = None, seed: int = 0, device: str = "auto", workers: int = 0,
          out: str | Path | None = None, settings: dict[str, Any] | None = None,
          log_every: int | None = None, progress: bool | None = None,
          runs_dir: str | Path = "runs", checkpoint_every: int | None = None,
          keep_checkpoints: int = 3, on_nan: str = "stop",
          resume: str | Path | None = None, precision: str = "auto", channels_last: bool = True,
          fused: bool = True, compile: bool = False, augment: str | None = None,
          ema: float | None = None, lr_decay: float | None = None) -> TrainResult:
    """Train registered model ``model`` on ``dataset`` (a registered name or a DataBundle).

    ``resume=RUN_DIR`` continues that run from its latest checkpoint with its saved settings
    (``model`` must match it; ``epochs``/``max_steps`` may extend it).

    ``augment`` is the GANs' DiffAugment policy (``"translation,cutout,color"``, ``"none"``;
    default: the recipe's), applied to every image the discriminator sees. ``ema`` is the decay
    of the moving average of G's weights saved instead of the last step's (0: off; default:
    the recipe's). ``lr_decay=F`` keeps the learning rate for the first fraction F of the
    steps, then decays it linearly to 0 (default: the recipe's; constant without one).

    ``precision``/``channels_last``/``fused``/``compile`` are the speed knobs of
    :mod:`ganzoo.train.perf` (the defaults are the measured fast ones; ``compile`` is opt-in).

    ``None`` knobs take the model's recipe (the seed's batch size, lr, betas, epochs).
    ``settings`` are ``--set`` values for the model, the dataset or the loss. Raises the same
    :class:`~ganzoo.errors.GanzooError` subclasses the CLI prints.
    """
    if resume is not None:
        from .checkpoint import resume_options

        overrides = {"epochs": epochs, "max_steps": max_steps, "log_every": log_every,
                     "checkpoint_every": checkpoint_every,
                     "device": None if device == "auto" else device}
        opts, *where = resume_options(resume, model, overrides)
        return run(opts, progress=progress, resume=tuple(where))
    bundle = None
    if dataset is not None and not isinstance(dataset, str):
        bundle, dataset = dataset, dataset.name
    opts = resolve_options(TrainOptions(
        model=model, dataset=dataset, data_root=data_root, epochs=epochs, max_steps=max_steps,
        batch_size=batch_size, lr=lr, betas=betas, loss=loss, seed=seed, device=device,
        workers=workers, out=out, settings=dict(settings or {}), log_every=log_every,
        checkpoint_every=checkpoint_every, keep_checkpoints=keep_checkpoints, on_nan=on_nan,
        precision=precision, channels_last=channels_last, fused=fused, compile=compile,
        augment=augment, ema=ema, lr_decay=lr_decay,
    ), registered=bundle is None)
    return run(opts, bundle=bundle, progress=progress, runs_dir=runs_dir)


def run(opts: ResolvedOptions, bundle: DataBundle | None = None, progress: bool | None = None,
        runs_dir: str | Path = "runs", resume: tuple[Any, ...] | None = None) -> TrainResult:
    """Train with already-validated options, in this process or as one rank under torchrun.

    Under ``torchrun`` (``WORLD_SIZE`` > 1) every rank calls this; they join the process
    group here (see :mod:`ganzoo.train.distributed`), and only rank 0 writes the run folder.
    """
    from . import distributed

    info, device = distributed.setup(opts.device)
    ok = False
    try:
        result = _run(opts, bundle, progress, runs_dir, resume, info, device)
        ok = True
        return result
    finally:
        distributed.teardown(info, clean=ok)


def _run(opts: ResolvedOptions, bundle: DataBundle | None, progress: bool | None,
         runs_dir: str | Path, resume: tuple[Any, ...] | None, info: Any, device: Any) -> TrainResult:
    """Train with already-validated options (the CLI and :func:`train` both end here).

    ``resume`` is ``(checkpoint folder, state, tensors)`` from
    :func:`~ganzoo.train.checkpoint.resume_options`; the run continues in ``opts.out``.
    """
    import torch

    from .. import __version__
    from ..weights import save_folder
    from . import setup
    from .loop import Trainer
    from .rundir import new_run_dir

    from . import distributed

    distributed.check_sync_bn(opts.sync_bn, info, device)
    if bundle is None:
        bundle = setup.load_data(opts)
    setup.check_data(opts, bundle)
    hparams = setup.model_hparams(opts, bundle)
    torch.manual_seed(opts.seed)  # weights init and dropout: same seed, same run (on CPU)
    model = setup.build_model(opts, hparams)
    loss = setup.build_loss(opts)
    if info.rank > 0:  # same initial weights everywhere; own dropout stream per rank
        torch.manual_seed(distributed.rank_seed(opts.seed, info.rank))
    from .perf import Perf

    perf = Perf.resolve(device, model, precision=opts.precision, channels_last=opts.channels_last,
                        fused=opts.fused, compile=opts.compile)

    out = opts.out
    if resume is None and info.is_main:  # rank 0 creates the folder and tells the others
        try:
            out = new_run_dir(opts.model_spec.name, opts.dataset, opts.out, runs_dir)
        except OSError as exc:
            from ..errors import ConfigError

            where = opts.out if opts.out is not None else runs_dir
            raise ConfigError(f"cannot create the run folder under {where}: "
                              f"{exc.strerror or exc} (pick a writable --out)") from None
    out = distributed.broadcast_object(out, info)
    trainer = Trainer(model, loss, bundle, out, device=device, epochs=opts.epochs,
                      max_steps=opts.max_steps, batch_size=opts.batch_size, lr=opts.lr,
                      betas=opts.betas, optimizer=opts.optimizer, seed=opts.seed,
                      log_every=opts.log_every, progress=progress,
                      checkpoint_every=opts.checkpoint_every,
                      keep_checkpoints=opts.keep_checkpoints, on_nan=opts.on_nan,
                      perf=perf, dist=info, sync_bn=opts.sync_bn, augment=opts.augment,
                      ema=opts.ema, lr_decay=opts.lr_decay)
    if info.enabled and info.is_main:
        print(f"distributed: {info.world_size} processes ({info.backend}), --batch-size "
              f"{opts.batch_size} per process, global batch {opts.batch_size * info.world_size}",
              flush=True)
    from .checkpoint import saved_options

    trainer.run_options = saved_options(opts)
    if resume is not None:
        trainer.restore_checkpoint(*resume)
        if trainer.step >= trainer.total_steps:
            from ..errors import ConfigError

            raise ConfigError(f"--resume {out}: the run already finished at step {trainer.step}; "
                              f"pass a larger --max-steps or --epochs to train further")
    metrics = trainer.run()
    digests = distributed.gather_digests(model.networks(), info)
    if not info.is_main:  # rank 0 alone writes pictures, config and weights
        return TrainResult(out=out, model=model, metrics=metrics)
    files = trainer.write_pictures()

    dataset_info = {**bundle.describe(), "name": opts.dataset,
                    "options": dict(opts.data_settings),
                    "root": str(opts.data_root) if opts.data_root is not None else None}
    config = {
        "model": opts.model_spec.name,
        "dataset": dataset_info,
        "loss": {"name": opts.loss_spec.name, "params": dict(opts.loss_settings)},
        "train": {"epochs": opts.epochs, "max_steps": opts.max_steps, "steps_done": trainer.step,
                  "batch_size": opts.batch_size, "lr": opts.lr, "betas": list(opts.betas),
                  "optimizer": opts.optimizer, "seed": opts.seed, "device": str(device),
                  "log_every": opts.log_every, "augment": opts.augment or None,
                  "ema": opts.ema or None, "lr_decay": opts.lr_decay,
                  "perf": perf.describe(), "command": opts.command(),
                  "world_size": info.world_size,
                  "global_batch_size": opts.batch_size * info.world_size},
        "metrics": metrics,
        **({"distributed": {"backend": info.backend, "world_size": info.world_size,
                            "sync_bn": opts.sync_bn, "params_digests": digests,
                            "params_identical": len(set(digests)) == 1}} if info.enabled else {}),
        "versions": {"ganzoo": __version__, "torch": torch.__version__,
                     "python": platform.python_version()},
    }
    model.to("cpu")
    save_folder(model, out, config)  # last: the folder is complete only after this
    return TrainResult(out=out, model=model, metrics=metrics, config=config, files=files)


class _CallableModule(__import__("types").ModuleType):
    """``ganzoo.train`` is this package once imported; calling it still trains.

    Python sets ``ganzoo.train`` to the subpackage whenever ``ganzoo.train.*`` is imported,
    which would shadow the ``ganzoo.train(...)`` function the API promises.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> TrainResult:
        return train(*args, **kwargs)


__import__("sys").modules[__name__].__class__ = _CallableModule

"""The one training loop. All loop state lives on :class:`Trainer` so it can be checkpointed.

State: ``step`` (optimizer steps done), ``epoch`` and ``position`` (batches done within the
epoch), the seeded ``perm_generator`` that draws each epoch's order, the task's step (its
optimizers, accumulators and random streams), and ``history`` (every metrics record). Batches
are index slices of in-memory (possibly mmapped) uint8 tensors, so no DataLoader is needed.

The loop knows no task: it asks the step (see :mod:`ganzoo.training.step`) to train on a
batch, for the logged metrics, for held-out scores and pictures at epoch ends, and for its
state at checkpoints.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shlex
import time
from pathlib import Path
from typing import Any

import torch

from ..data import DataBundle
from ..errors import TrainingError
from ..io import atomic_open
from ..loggers import Loggers
from ..options import ResolvedOptions
from ..tasks import Task
from . import checkpoint, distributed
from .distributed import DistInfo
from .guard import non_finite, tensors_finite
from .perf import Perf
from .progress import Progress
from .signals import Interrupted, StopRequest, stop_on_signals
from .step import RunContext, Step

METRICS_NAME = "metrics.jsonl"

log = logging.getLogger(__name__)


class Trainer:
    def __init__(self, task: Task, model: Any, loss: Any, bundle: DataBundle, out: Path,
                 opts: ResolvedOptions, *, device: torch.device, perf: Perf,
                 progress: bool | None = None, dist: DistInfo = distributed.SINGLE) -> None:
        self.task, self.model, self.bundle, self.out, self.device = task, model, bundle, out, device
        self.opts = opts
        #: Multi-process (torchrun) facts; rank 0 alone writes files and prints.
        self.dist = dist
        # Reliability: checkpoints, signals, the divergence guard (see checkpoint.py, guard.py).
        self.checkpoint_every, self.keep_checkpoints = opts.checkpoint_every, opts.keep_checkpoints
        #: Seconds of training between checkpoints (0: at every epoch end); see _checkpoint_due.
        self.checkpoint_seconds = float(opts.checkpoint_minutes) * 60.0
        self._last_save = time.monotonic()
        self._agreed_clock = False  # rank 0's clock as every rank saw it at the last log step
        self._resumed_at_epoch_end = False  # restored from a checkpoint taken at an epoch's end
        self.on_nan = opts.on_nan
        self.run_options: dict[str, Any] = opts.saved()  # what a resume re-resolves
        self.last_checkpoint: Path | None = None
        self.stop_request = StopRequest()
        self._good_step = 0  # last step whose losses were checked finite
        self.epochs, self.max_steps, self.batch_size = opts.epochs, opts.max_steps, opts.batch_size
        self.log_every = opts.log_every
        n = distributed.shard_size(len(bundle.train), dist)  # this rank's share of an epoch
        self.steps_per_epoch = n // self.batch_size if task.drop_last else math.ceil(n / self.batch_size)
        total = self.epochs * self.steps_per_epoch
        self.total_steps = min(total, self.max_steps) if self.max_steps is not None else total

        self.step = 0
        self.epoch = 0
        self.position = 0
        self.seed = opts.seed
        #: Linear learning-rate decay to 0 after this fraction of the steps (None: constant).
        self.lr, self.lr_decay = opts.lr, opts.lr_decay
        self.perm_generator = torch.Generator().manual_seed(self.seed)
        self.history: list[dict[str, Any]] = []
        #: Records of ``history`` already in metrics.jsonl (None: rewrite it whole, once).
        self._metrics_written: int | None = 0
        #: The run's logger plugins (rank 0; set by ganzoo.training.run): each new history
        #: record, the task's pictures and the final metrics go to them, best effort.
        self.loggers: Loggers | None = None
        self._epoch_order: torch.Tensor | None = None
        quiet = {} if dist.is_main else {"enabled": False, "stream": open(os.devnull, "w")}
        self.bar = Progress(self.total_steps, **{"enabled": progress, **quiet})

        model.to(device)
        model.train()
        ctx = RunContext(opts=opts, device=device, perf=perf, dist=dist, bundle=bundle, out=out,
                         say=self.say, epochs=max(1, math.ceil(self.total_steps / max(self.steps_per_epoch, 1))))
        self.stepper: Step = task.make_step(model, loss, ctx)
        trained = self.stepper.trained_networks()
        self.stepper.distribute(distributed.wrap(trained, device, dist, sync_bn=opts.sync_bn))

        self._images_timed = 0
        self._time_timed = 0.0
        self._last_time = 0.0
        self._last_step = 0

    def say(self, line: str) -> None:
        """A line through the progress display (rank 0 only)."""
        if self.dist.is_main:
            self.bar.log(line)

    # -- loop ------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        with stop_on_signals() as self.stop_request:
            return self._run()

    def _run(self) -> dict[str, Any]:
        train = self.bundle.train
        with self.bar as bar:
            bar.advance(self.step, self.epoch + 1, self.epochs)
            self._last_time = time.perf_counter()
            if self.last_checkpoint is not None and self.step >= self.total_steps:
                self._settle(bar)
            elif self._resumed_at_epoch_end:  # its pictures came after the checkpoint: redraw
                self._epoch_pictures(self.epoch)  # them (same weights, same picture)
            while self.epoch < self.epochs and not self._done():
                if self._epoch_order is None:
                    self._epoch_order = torch.randperm(len(train), generator=self.perm_generator)
                order = distributed.shard(self._epoch_order, self.dist)  # same order, own slice
                while self.position < self.steps_per_epoch and not self._done():
                    idx = order[self.position * self.batch_size:(self.position + 1) * self.batch_size]
                    y = train.y[idx] if train.y is not None else None
                    if self.lr_decay is not None:
                        self._schedule_lr()
                    self.stepper.train_batch(train.x[idx], y)
                    self.step += 1
                    self.position += 1
                    bar.advance(self.step, self.epoch + 1, self.epochs)
                    if self.stop_request.signum is not None and not self.dist.enabled:
                        self._interrupted()  # under DDP the ranks agree at the next log (_log)
                    if self.step % self.log_every == 0 or self.position == self.steps_per_epoch \
                            or self._done():
                        self._log(bar)
                    if self.position < self.steps_per_epoch and self._checkpoint_due(mid_epoch=True):
                        self.save_checkpoint()
                if self.position < self.steps_per_epoch:  # stopped mid-epoch: resume continues it
                    self.save_checkpoint()
                    self._end_epoch(bar)
                    self._epoch_pictures(self.epoch)
                else:  # the epoch's checkpoint before its pictures: a picture never costs an epoch
                    self._end_epoch(bar)
                    if self._checkpoint_due(mid_epoch=False):
                        self.save_checkpoint()
                    self._epoch_pictures(self.epoch)
            self.stepper.finish()
        return self.final_metrics()

    def _checkpoint_due(self, mid_epoch: bool) -> bool:
        """Whether to checkpoint now (see ``--checkpoint-minutes``).

        A checkpoint of a small GAN costs about as much as an epoch of the digits, so one per
        epoch made short epochs twice as slow; on a clock it costs a fixed, small share of a
        long run. Always: at the run's last step (what ``--resume`` extends; before the final
        pictures, so a crash there loses no training), every ``--checkpoint-every`` steps.
        Mid-epoch checkpoints resume bit for bit like epoch-end ones.
        """
        if self.checkpoint_every and self.step % self.checkpoint_every == 0:
            return True
        if not mid_epoch and (self.epoch >= self.epochs or self._done()):
            return True
        if self.checkpoint_seconds <= 0:
            return not mid_epoch
        # Under torchrun every rank must make the same choice (a checkpoint starts with
        # collectives): they take rank 0's clock, agreed at the last log step (see _log).
        return self._agreed_clock if self.dist.enabled else self._clock_due()

    def _clock_due(self) -> bool:
        return self.checkpoint_seconds > 0 and time.monotonic() - self._last_save >= self.checkpoint_seconds

    def _settle(self, bar: Progress) -> None:
        """Redo what followed the final checkpoint of a run that died before its weights.

        A run stopped mid-epoch (``--max-steps``) checkpoints before that epoch's end; a whole
        epoch checkpoints before its pictures. Both are deterministic given the checkpoint, so
        the finished folder is the one the uninterrupted run would have written.
        """
        if self.position > 0:
            self._end_epoch(bar)
        self._epoch_pictures(self.epoch)

    def lr_factor(self, step: int) -> float:
        """The learning rate's multiplier at ``step``: 1, then linear to 0 at the last epoch's end.

        A function of the step and ``--epochs`` alone (``--max-steps`` only stops early), so a
        run stopped and resumed follows the same schedule.
        """
        if self.lr_decay is None:
            return 1.0
        t = step / max(self.epochs * self.steps_per_epoch, 1)
        return 1.0 if t <= self.lr_decay else max(0.0, (1.0 - t) / (1.0 - self.lr_decay))

    def _schedule_lr(self) -> None:
        lr = self.lr * self.lr_factor(self.step)
        for opt in self.stepper.optimizers.values():
            for group in opt.param_groups:
                group["lr"] = lr

    def _done(self) -> bool:
        return self.max_steps is not None and self.step >= self.max_steps

    def _log(self, bar: Progress) -> None:
        metrics = self.stepper.flush()
        metrics, (stop, clock) = distributed.mean_over_ranks(
            metrics, self.dist, [self.stop_request.signum is not None, self.dist.is_main and self._clock_due()])
        self._agreed_clock = clock
        if stop and self.dist.enabled:
            self._interrupted()
        bad = non_finite(metrics)
        if bad is not None:
            self._diverged(*bad)
            return
        self._good_step = self.step
        warning = self.stepper.watch(self.step, metrics)
        if warning:
            bar.log(warning)
        now = time.perf_counter()
        steps = self.step - self._last_step
        rate = None
        if self._last_step > 0:  # the first interval is warm-up (allocations, kernel choice)
            images = steps * self.batch_size * self.dist.world_size  # global images
            self._images_timed += images
            self._time_timed += now - self._last_time
            rate = images / max(now - self._last_time, 1e-9)
        self._last_time, self._last_step = now, self.step
        record = {"kind": "log", "epoch": self.epoch + 1, "step": self.step,
                  "batch": self.position, **metrics,
                  "images_per_sec": None if rate is None else round(rate, 1)}
        self.history.append(record)
        line = self.stepper.log_line(f"{self.epoch + 1}/{self.epochs}",
                                     f"{self.position}/{self.steps_per_epoch}", metrics)
        bar.log(line, metrics=" ".join(f"{k} {v:.3g}" for k, v in list(metrics.items())[:3]))
        self._write_metrics()
        if self.loggers:
            self.loggers.log(record, self.history)

    def _end_epoch(self, bar: Progress) -> None:
        logs = [r for r in self.history if r["kind"] == "log" and r["epoch"] == self.epoch + 1]
        record: dict[str, Any] = {"kind": "epoch", "epoch": self.epoch + 1, "step": self.step}
        keys = {k for r in logs for k, v in r.items() if isinstance(v, float)
                and k not in ("images_per_sec",)}
        for k in sorted(keys):
            vals = [r[k] for r in logs if isinstance(r.get(k), float)]
            record[k] = sum(vals) / len(vals)
        scores = self.stepper.evaluate(self.bundle.test, self.batch_size) if self.dist.is_main else {}
        record.update(scores)
        record["images_per_sec"] = self.images_per_sec()
        self.history.append(record)
        if scores:
            bar.log(f"[{self.epoch + 1}/{self.epochs}] "
                    + " ".join(f"{k}: {v:.4f}" for k, v in scores.items()))
        self._write_metrics()
        if self.loggers:
            self.loggers.log(record, self.history)
        self.epoch += 1
        self.position = 0
        self._epoch_order = None
        self._last_time = time.perf_counter()  # evaluation is not training time

    def _epoch_pictures(self, epoch: int) -> None:
        """The task's pictures of ``epoch`` (1-based), rank 0, after its checkpoint.

        Best effort: a picture that cannot be drawn or written is a one-line warning; the run,
        its metrics and its checkpoints go on.
        """
        if self.dist.is_main:
            try:
                drawn = self.stepper.epoch_end(epoch)
            except Exception as exc:  # noqa: BLE001 - any drawing or I/O failure
                _picture_warning(f"the pictures of epoch {epoch}", self.out, exc,
                                 "training goes on")
                drawn = None
            if self.loggers and isinstance(drawn, dict):
                for tag, image in drawn.items():
                    if isinstance(image, (str, Path)):  # a task plugin of ganzoo <= 0.3: a file name
                        image = _read_image(self.out / image)
                    if image is not None:
                        self.loggers.image(tag, image, self.step)
        self._last_time = time.perf_counter()  # pictures are not training time

    # -- reliability -----------------------------------------------------------------------
    def save_checkpoint(self) -> Path | None:
        """Checkpoint the whole loop state, but only if it is finite (never save a diverged run)."""
        if self.last_checkpoint is not None and self.last_checkpoint.name == f"step-{self.step:06d}":
            return self.last_checkpoint
        params = [p for net in self.model.networks().values() for p in net.parameters()]
        if distributed.any_rank(not tensors_finite(self.stepper.pending() + params), self.dist):
            metrics = self.stepper.flush()
            name, value = non_finite(metrics) or ("a weight", float("nan"))
            self._diverged(name, value)  # raises, or rolled back to the last checkpoint
        state, tensors = checkpoint.capture(self)
        state["options"] = self.run_options
        if self.dist.is_main:
            self.last_checkpoint = checkpoint.save(self.out, self.step, state, tensors,
                                                   keep=self.keep_checkpoints)
        else:  # rank 0 writes it; the others know where (for --on-nan skip)
            self.last_checkpoint = checkpoint.checkpoint_dir(self.out) / f"step-{self.step:06d}"
        self._last_save = time.monotonic()
        self._agreed_clock = False
        return self.last_checkpoint

    def restore_checkpoint(self, path: Path, state: dict[str, Any], tensors: dict[str, Any]) -> None:
        """Continue from a checkpoint (``ganzoo train --resume``), pictures of past epochs included."""
        checkpoint.restore(self, state, tensors, path)
        self.last_checkpoint = path
        self._good_step = self.step
        self._metrics_written = None  # the file may hold records from after the checkpoint
        self._resumed_at_epoch_end = self.position == 0 and self.epoch > 0
        if self.dist.is_main:
            self.stepper.resumed(self.epoch)

    def _resume_hint(self) -> str:
        return f"ganzoo train --resume {shlex.quote(str(self.out))}"

    def _interrupted(self) -> None:
        saved = self.save_checkpoint()
        where = f"checkpoint {saved}" if saved is not None else "no checkpoint"
        raise Interrupted(f"interrupted by {self.stop_request.name} at step {self.step} "
                          f"(epoch {self.epoch + 1}, batch {self.position}); {where}; "
                          f"continue with: {self._resume_hint()}", self.stop_request.signum or 2)

    def _diverged(self, name: str, value: float) -> None:
        """A non-finite loss: stop with exit 3, or (``--on-nan skip``) go back to the last checkpoint."""
        span = f"at step {self.step}" if self.step - self._good_step <= 1 else \
            f"between steps {self._good_step + 1} and {self.step}"
        if self.on_nan == "skip" and self.last_checkpoint is not None:
            state, tensors = checkpoint.load(self.last_checkpoint)
            keep = (self.step, self.epoch, self.position, self._epoch_order, self.history,
                    self.perm_generator.get_state())
            checkpoint.restore(self, state, tensors, self.last_checkpoint)
            (self.step, self.epoch, self.position, self._epoch_order, self.history, perm) = keep
            self.perm_generator.set_state(perm)
            self.stepper.flush()
            self._good_step = self.step
            self.say(f"warning: {name} became {value} {span}; --on-nan skip: networks and optimizers "
                     f"rolled back to {self.last_checkpoint.name}, continuing with the next batches")
            return
        kept = (f"the last good checkpoint {self.last_checkpoint} is kept" if self.last_checkpoint
                is not None else "no checkpoint was written yet")
        raise TrainingError(f"training diverged: {name} is {value} {span}; {kept} "
                            f"(try a lower --lr, or --seed N)")

    def images_per_sec(self) -> float | None:
        if self._time_timed <= 0:
            return None
        return round(self._images_timed / self._time_timed, 1)

    def _write_metrics(self) -> None:
        """Append the new records to metrics.jsonl (rewritten whole only after a resume).

        Rewriting the file at every log line made a long run's logging quadratic in its length.
        A line is flushed as it is written, so ``tail -f`` follows the run; a crash may leave
        records past the last checkpoint, which the resume's rewrite drops.
        """
        if not self.dist.is_main:
            return
        path = self.out / METRICS_NAME
        if self._metrics_written is None:
            with atomic_open(path, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(record) + "\n" for record in self.history)
        else:
            with open(path, "a", encoding="utf-8") as fh:
                fh.writelines(json.dumps(record) + "\n" for record in self.history[self._metrics_written:])
        self._metrics_written = len(self.history)

    # -- results ---------------------------------------------------------------------------
    def final_metrics(self) -> dict[str, Any]:
        epochs = [r for r in self.history if r["kind"] == "epoch"]
        last = dict(epochs[-1]) if epochs else {}
        last.pop("kind", None)
        last["steps_done"] = self.step
        last["images_per_sec"] = self.images_per_sec()
        return last

    def finish_loggers(self, metrics: dict[str, Any], files: list[str]) -> None:
        """The run's final figures (PNG, as ``final/NAME``) and metrics to the loggers, rank 0."""
        if not self.loggers:
            return
        for name in files:
            if name.lower().endswith(".png"):
                image = _read_image(self.out / name)
                if image is not None:
                    self.loggers.image(f"final/{Path(name).stem}", image, self.step)
        self.loggers.finish(metrics, self.step)

    def write_pictures(self) -> list[str]:
        """The task's figures; returns the file names written (none if drawing failed: a
        warning, and the model is still saved)."""
        try:
            return self.stepper.write_pictures(self.history)
        except Exception as exc:  # noqa: BLE001 - any drawing or I/O failure
            _picture_warning("the run's pictures", self.out, exc,
                             "the model is saved without them")
            return []


def _read_image(path: Path) -> Any:
    """A picture file as an RGB PIL image for the loggers, or None (a warning) if unreadable."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except OSError as exc:
        log.warning("could not read %s for the loggers (%s)", path, exc)
        return None


def _picture_warning(what: str, out: Path, exc: BaseException, outcome: str) -> None:
    lines = str(exc).strip().splitlines()
    reason = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    log.warning("could not draw %s in %s (%s); %s", what, out, reason, outcome,
                exc_info=log.isEnabledFor(logging.DEBUG))

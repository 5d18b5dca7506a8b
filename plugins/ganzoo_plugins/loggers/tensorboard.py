"""``--logger tensorboard``: TensorBoard event files in the run folder (``ganzoo[tensorboard]``).

What it writes, all at the run's optimizer step:

- a scalar per metric of every ``metrics.jsonl`` record: ``train/NAME`` for the log lines,
  ``epoch/NAME`` for the epoch means and held-out scores (``images_per_sec`` included);
- the task's pictures: the epochs it draws (a GAN's fixed-noise grid as ``samples``, up to 100
  evenly spaced epochs) and the run's
  final figures as ``final/NAME``;
- the run's options and settings as hyperparameters (the HParams tab) with its final metrics
  (``final/NAME``), once training ended.

The events sit in the run folder itself, so ``tensorboard --logdir runs/`` shows every run
under its folder's name. A resumed run writes a new event file whose first event tells
TensorBoard to drop what an earlier process logged after the checkpoint it resumed from
(``purge_step``), so an interrupted stretch is not drawn twice.

This module imports TensorBoard (through ``torch.utils.tensorboard``); ``ganzoo train`` checks
that it is installed before anything loads (``LoggerSpec.requires``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import Image
from torch.utils.tensorboard import SummaryWriter
from torch.utils.tensorboard.summary import hparams as hparams_summary

from ganzoo.loggers import Logger, LogRun

#: Record fields that say where a record is, not what was measured.
PLACE = ("kind", "epoch", "step", "batch")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


class TensorBoardLogger(Logger):
    def __init__(self, run: LogRun) -> None:
        super().__init__(run)
        purge = run.resumed_from + 1 if run.resumed_from is not None else None
        self.writer = SummaryWriter(log_dir=str(run.out), purge_step=purge, flush_secs=30)

    def log(self, record: dict[str, Any], history: list[dict[str, Any]]) -> None:
        group = "train" if record.get("kind") == "log" else str(record.get("kind", "metrics"))
        for key, value in record.items():
            number = _number(value)
            if key not in PLACE and number is not None:
                self.writer.add_scalar(f"{group}/{key}", number, record["step"])
        if group != "train":  # an epoch: make it visible now (log lines flush every 30 s)
            self.writer.flush()

    def image(self, tag: str, image: Image.Image, step: int) -> None:
        pixels = np.asarray(image.convert("RGB"))
        self.writer.add_image(tag, pixels, step, dataformats="HWC")
        self.writer.flush()

    def finish(self, metrics: dict[str, Any], step: int) -> None:
        final = {f"final/{k}": n for k, v in metrics.items()
                 if k not in PLACE and (n := _number(v)) is not None}
        experiment, start, end = hparams_summary(self.run.hparams, final)
        events = self.writer._get_file_writer()  # the run's own event file, not a sub-folder
        for summary in (experiment, start, end):
            events.add_summary(summary, step)
        for tag, value in final.items():
            self.writer.add_scalar(tag, value, step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()

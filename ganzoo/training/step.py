"""The training-step contract between the generic loop and a task plugin.

A task's :meth:`~ganzoo.tasks.Task.make_step` returns a :class:`Step`. The loop hands it
batches and asks it, at fixed moments, for metrics, held-out scores, pictures and its state;
it never looks inside. The base class does what every step needs: one optimizer (and, for
fp16, one GradScaler) per trained network, the speed policy's forwards, DDP wrappers, and
metric accumulators that stay on the device until :meth:`Step.flush` (one host sync per
logging interval, not per step).

Checkpoints carry exactly :meth:`Step.state_dict` plus :meth:`Step.generators` (the random
streams, saved per rank): a subclass that adds state extends both ``state_dict`` and
``load_state_dict``, as Lightning's modules do, instead of being introspected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .perf import Perf, Scalers, make_optimizer

if TYPE_CHECKING:
    from ..data import DataBundle, Split
    from ..options import ResolvedOptions
    from .distributed import DistInfo


@dataclass
class RunContext:
    """What a step may know about its run: options, device, speed policy, processes, folder."""

    opts: ResolvedOptions
    device: torch.device
    perf: Perf
    dist: DistInfo
    bundle: DataBundle
    out: Path
    #: Prints a line through the run's progress display (rank 0 only, like the log lines).
    say: Callable[[str], None]
    #: The epochs this run reaches: ``--epochs``, fewer when ``--max-steps`` stops it first
    #: (the last one may be partial). A resume with other limits builds a new step.
    epochs: int = 1

    @property
    def seed(self) -> int:
        return int(self.opts.seed)

    @property
    def is_main(self) -> bool:
        return self.dist.is_main


class Step:
    """Base class of a task's training step.

    Subclasses implement :meth:`train_batch`; everything else has a do-nothing default.
    """

    optimizers: dict[str, torch.optim.Optimizer]

    def __init__(self, model: Any, loss: Any, ctx: RunContext) -> None:
        self.model, self.loss, self.ctx = model, loss, ctx
        self.device = ctx.device
        self.perf = ctx.perf
        self.perf.prepare(model)
        self._sums: dict[str, torch.Tensor] = {}
        self._counts: dict[str, int] = {}
        nets = self.trained_networks()
        opts = ctx.opts
        self.optimizers = {role: make_optimizer(net.parameters(), opts.optimizer, opts.lr, opts.betas,
                                                fused=self.perf.fused, eager=not self.perf.compile)
                           for role, net in nets.items()}
        #: fp16 only: one GradScaler per optimizer, saved with checkpoints (empty otherwise).
        self.scalers = Scalers({role: self.perf.make_scaler() for role in self.optimizers}
                               if self.perf.needs_scaler() else {})
        #: What the step calls per network: the module, or its torch.compile'd forward.
        self.fwd = {role: self.perf.forward(net) for role, net in nets.items()}
        #: Plain forwards for passes whose gradients must not be synced across ranks (a GAN's
        #: G step through D); equal to ``fwd`` until :meth:`distribute` is called.
        self.local = dict(self.fwd)
        self.ddp: dict[str, torch.nn.Module] = {}

    # -- what subclasses call ------------------------------------------------------------
    def backward(self, role: str, loss: torch.Tensor) -> None:
        """``loss.backward()``, scaled when the run uses fp16."""
        scaler = self.scalers.get(role)
        (scaler.scale(loss) if scaler is not None else loss).backward()

    def update(self, role: str) -> None:
        """One optimizer step of network ``role`` (through its GradScaler under fp16)."""
        scaler = self.scalers.get(role)
        if scaler is None:
            self.optimizers[role].step()
        else:
            scaler.step(self.optimizers[role])
            scaler.update()

    def accumulate(self, name: str, value: torch.Tensor) -> None:
        """Add a batch's metric to the running sum (detached, on the device)."""
        value = value.detach().float()
        if name in self._sums:
            self._sums[name] += value
            self._counts[name] += 1
        else:
            self._sums[name] = value.clone()
            self._counts[name] = 1

    # -- what the loop calls -------------------------------------------------------------
    def trained_networks(self) -> dict[str, torch.nn.Module]:
        """The networks with an optimizer (and a DDP wrapper under torchrun)."""
        return self.model.networks()

    def distribute(self, wrapped: dict[str, torch.nn.Module]) -> None:
        """Forward through DDP wrappers (see distributed.py); compile, if on, wraps the DDP module."""
        self.ddp = dict(wrapped)
        for role, ddp in wrapped.items():
            self.fwd[role] = self.perf.forward(ddp)

    def train_batch(self, x: torch.Tensor, y: torch.Tensor | None) -> None:
        raise NotImplementedError

    def flush(self) -> dict[str, float]:
        """Means since the last flush: the one host sync of a logging interval."""
        if not self._sums:
            return {}
        names = list(self._sums)
        values = torch.stack([self._sums[n] for n in names]).tolist()
        out = {n: v / self._counts[n] for n, v in zip(names, values)}
        self._sums, self._counts = {}, {}
        return out

    def pending(self) -> list[torch.Tensor]:
        """Metric sums not flushed yet (the loop checks them finite before a checkpoint)."""
        return list(self._sums.values())

    def watch(self, step: int, metrics: dict[str, float]) -> str | None:
        """A warning line about a logged interval (a collapsing GAN), or None."""
        return None

    def log_line(self, epoch: str, step: str, metrics: dict[str, float]) -> str:
        body = " ".join(f"{k}: {v:.4f}" for k, v in metrics.items())
        return f"[{epoch}][{step}] {body}"

    def evaluate(self, test: Split | None, batch_size: int) -> dict[str, float]:
        """Per-epoch scores on held-out data, recorded with the epoch (none by default)."""
        return {}

    def epoch_end(self, epoch: int) -> dict[str, Any] | None:
        """After epoch ``epoch`` (1-based) on rank 0: this epoch's pictures, in memory.

        Returns what it drew as ``{tag: PIL image}`` (``{"samples": grid}``): the run's loggers
        show each under its tag (TensorBoard's image slider). ``None``: nothing to show. Write
        no file per epoch: keep what the final pictures need in the step's state (see
        :class:`ganzoo.pictures.Frames`), so it is checkpointed and a long run's folder stays
        the same size.
        """
        return None

    def resumed(self, epoch: int) -> None:
        """After a checkpoint of a run ``epoch`` epochs in was restored (its state is loaded)."""

    def finish(self) -> None:
        """After the last step: give the networks their final form (a GAN's weight average).

        The last checkpoint keeps the pre-finish state, so a resumed run goes on training
        from where the loop stopped.
        """

    def write_pictures(self, history: list[dict[str, Any]]) -> list[str]:
        """The run's figures in ``ctx.out`` (rank 0, after :meth:`finish`); returns file names."""
        return []

    # -- checkpoints ---------------------------------------------------------------------
    def generators(self) -> dict[str, torch.Generator]:
        """The step's own random streams by name; checkpoints save each rank's."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Everything besides the networks and :meth:`generators` that a resume needs."""
        return {"optimizers": {role: opt.state_dict() for role, opt in self.optimizers.items()},
                "scalers": self.scalers.state_dict(), "sums": dict(self._sums),
                "counts": dict(self._counts)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for role, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][role])
            _match_param_layout(opt)
        self.scalers.load_state_dict(state.get("scalers") or {})
        self._sums = {k: v.to(self.device) for k, v in (state.get("sums") or {}).items()}
        self._counts = {k: int(v) for k, v in (state.get("counts") or {}).items()}


def _match_param_layout(opt: Any) -> None:
    """Give restored optimizer state its parameter's memory layout (e.g. channels_last).

    Checkpoints store tensors contiguous; fused/foreach Adam walk a parameter and its
    ``exp_avg`` as flat buffers, so a layout mismatch silently mixes elements after resume.
    """
    for group in opt.param_groups:
        for p in group["params"]:
            for key, value in opt.state.get(p, {}).items():
                if (isinstance(value, torch.Tensor) and value.shape == p.shape
                        and value.stride() != p.stride()):
                    opt.state[p][key] = torch.empty_like(p, dtype=value.dtype).copy_(value)

"""Multi-process training on PyTorch's own engine: ``torchrun`` + DistributedDataParallel.

Why a module of its own: the loop, the steps and the checkpoints only ask "am I rank 0?",
"which slice of this epoch is mine?" and "what is the mean over ranks?"; everything that
touches ``torch.distributed`` lives here, so a single-process run never imports it.

Semantics (see docs/distributed.md):

- ``torchrun`` sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``/``MASTER_PORT``;
  :func:`setup` joins the process group from them (nccl on CUDA, gloo on CPU).
- ``--batch-size`` is per process; the global batch is ``batch_size * world_size``.
- Every rank draws the same epoch permutation (same seed) and keeps ``order[rank::world]``,
  cut to equal length (like ``DistributedSampler(drop_last=True)``), so every rank runs the
  same number of steps and DDP's collectives never wait on a rank that ran out of data.
- Weights start identical (same seed before building, and DDP broadcasts rank 0's at wrap
  time); latent noise differs per rank (:func:`rank_seed`).
- Rank 0 alone writes files and prints; other ranks stay silent.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

#: Seed offset between ranks for per-rank random streams (noise, dropout); rank 0 keeps the
#: single-process stream, so a 1-process run is bit-identical to a plain run.
RANK_STRIDE = 1_000_003

_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


@dataclass(frozen=True)
class DistInfo:
    """Where this process stands: ``world_size == 1`` means a plain single-process run."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


SINGLE = DistInfo()


def env_world_size() -> int:
    """``WORLD_SIZE`` from torchrun's environment (1 when not launched by torchrun)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        raise ConfigError(f"WORLD_SIZE={os.environ['WORLD_SIZE']!r} is not an integer "
                          f"(launch with torchrun, or unset it)") from None


def launched_by_torchrun() -> bool:
    return env_world_size() > 1


def local_world_size() -> int:
    try:
        return int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    except ValueError:
        return 1


def is_main_process() -> bool:
    """Rank 0 (or no torchrun at all), from the environment: for code outside :func:`setup`."""
    return os.environ.get("RANK", "0") == "0"


def setup(device_name: str) -> tuple[DistInfo, Any]:
    """Join torchrun's process group if there is one; returns (info, torch.device).

    On CUDA each process takes ``cuda:LOCAL_RANK`` and nccl; otherwise gloo on the CPU.
    Joining is a rendezvous: it returns only once every rank got here, which also means every
    rank has finished validating its options and reading any checkpoint.
    """
    import torch

    from . import setup as _setup

    device = _setup.pick_device(device_name)
    if not launched_by_torchrun():
        return SINGLE, device
    import torch.distributed as dist

    rank, world = int(os.environ["RANK"]), env_world_size()
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        if local >= torch.cuda.device_count():
            raise ConfigError(f"LOCAL_RANK {local} but only {torch.cuda.device_count()} CUDA "
                              f"devices here; use --nproc_per_node <= {torch.cuda.device_count()}")
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
        backend = "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise ConfigError(f"--device {device.type}: multi-process training runs on cuda (nccl) "
                          f"or cpu (gloo); use --device cuda or --device cpu")
    if not dist.is_initialized():
        kwargs: dict[str, Any] = {"backend": backend}
        if backend == "nccl":
            kwargs["device_id"] = device
        dist.init_process_group(**kwargs)
    return DistInfo(rank=rank, world_size=world, local_rank=local, backend=backend), device


def teardown(info: DistInfo, clean: bool = True) -> None:
    """Leave the process group; after a clean run all ranks leave together (a barrier).

    After an error the barrier is skipped: the other ranks may never get there, and torchrun
    stops them once this rank exits.
    """
    if not info.enabled:
        return
    import torch.distributed as dist

    if dist.is_initialized():
        if clean:
            dist.barrier()
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    if info.enabled:
        import torch.distributed as dist

        dist.barrier()


def rank_seed(seed: int, rank: int) -> int:
    """A per-rank seed; rank 0 keeps ``seed`` itself."""
    return seed + RANK_STRIDE * rank


def shard(order: Any, info: DistInfo) -> Any:
    """This rank's equal-length slice of an epoch permutation (``order[rank::world]``)."""
    if not info.enabled:
        return order
    per_rank = len(order) // info.world_size
    return order[info.rank::info.world_size][:per_rank]


def shard_size(n: int, info: DistInfo) -> int:
    """Items per rank per epoch (the tail that does not divide evenly is dropped)."""
    return n // info.world_size if info.enabled else n


def wrap(networks: dict[str, Any], device: Any, info: DistInfo,
         sync_bn: bool = False) -> dict[str, Any]:
    """DDP wrappers of the networks, by role (empty for a single process).

    The optimizers keep pointing at the very same parameters, and checkpoints and weights
    save the unwrapped networks, so no ``module.`` prefix ever reaches a file. ``sync_bn``
    converts BatchNorm layers in place (their state_dict keys do not change).
    """
    if not info.enabled:
        return {}
    from torch.nn.parallel import DistributedDataParallel as DDP

    wrapped: dict[str, Any] = {}
    for role, net in networks.items():
        if not any(p.requires_grad for p in net.parameters()):
            continue
        if sync_bn:
            _convert_sync_bn(net)
        ids = [device.index] if device.type == "cuda" else None
        wrapped[role] = DDP(net, device_ids=ids)  # buffers (BatchNorm stats) follow rank 0
    return wrapped


def _convert_sync_bn(net: Any) -> None:
    """In-place SyncBatchNorm conversion of every BatchNorm child (keeps the object identity)."""
    import torch

    for name, child in list(net.named_children()):
        converted = torch.nn.SyncBatchNorm.convert_sync_batchnorm(child)
        if converted is not child:
            setattr(net, name, converted)


def check_sync_bn(sync_bn: bool, info: DistInfo, device: Any) -> None:
    if sync_bn and info.enabled and device.type != "cuda":
        raise ConfigError("--sync-bn needs CUDA devices (PyTorch's SyncBatchNorm has no CPU "
                          "kernel); drop --sync-bn for gloo/CPU runs")


def mean_over_ranks(metrics: dict[str, float], info: DistInfo, flags: Sequence[bool] = ()
                    ) -> tuple[dict[str, float], list[bool]]:
    """Rank-mean of logged metrics plus an any-rank OR of ``flags``, in one all_reduce.

    Called at log time only, so a logging interval costs one small collective on top of DDP's.
    """
    if not info.enabled:
        return metrics, list(flags)
    import torch
    import torch.distributed as dist

    names = sorted(metrics)
    device = torch.device("cuda", info.local_rank) if info.backend == "nccl" else torch.device("cpu")
    values = torch.tensor([float(metrics[n]) for n in names] + [float(bool(f)) for f in flags],
                          dtype=torch.float64, device=device)
    dist.all_reduce(values)
    out = values.cpu().tolist()
    means = {n: v / info.world_size for n, v in zip(names, out)}
    ordered = {n: means[n] for n in metrics}  # keep the step's own order for log lines
    return ordered, [v > 0 for v in out[len(names):]]


def any_rank(flag: bool, info: DistInfo) -> bool:
    """True on every rank when ``flag`` is true on one (agreement before a collective choice)."""
    return mean_over_ranks({}, info, [flag])[1][0] if info.enabled else flag


def average_grads(ddp: Any) -> None:
    """Rank-mean of a DDP module's ``.grad`` after a pass DDP could not sync itself.

    Only the WGAN-GP penalty needs it: its double backward runs through the plain module
    (DDP does not support ``autograd.grad``), after the real/fake passes were synced, so the
    grads hold synced + local parts; averaging again leaves the synced part unchanged.
    """
    import torch.distributed as dist

    world = dist.get_world_size()
    for p in ddp.module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad.div_(world)


def gather_tensor(t: Any, info: DistInfo) -> list[Any]:
    """Every rank's copy of a same-shape CPU tensor (generator states), rank order."""
    if not info.enabled:
        return [t]
    import torch
    import torch.distributed as dist

    device = torch.device("cuda", info.local_rank) if info.backend == "nccl" else torch.device("cpu")
    local = t.to(device)
    out = [torch.empty_like(local) for _ in range(info.world_size)]
    dist.all_gather(out, local)
    return [o.cpu() for o in out]


def broadcast_object(obj: Any, info: DistInfo) -> Any:
    """Rank 0's ``obj`` on every rank (the run folder rank 0 created)."""
    if not info.enabled:
        return obj
    import torch.distributed as dist

    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def params_digest(networks: dict[str, Any]) -> str:
    """SHA-256 of every parameter's bytes, in a fixed order: equal digests = equal weights."""
    h = hashlib.sha256()
    for role in sorted(networks):
        for name, p in networks[role].named_parameters():
            h.update(f"{role}/{name}".encode())
            h.update(p.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def gather_digests(networks: dict[str, Any], info: DistInfo) -> list[str]:
    """Each rank's :func:`params_digest`; DDP keeps them equal, this proves it per run."""
    digest = params_digest(networks)
    if not info.enabled:
        return [digest]
    import torch.distributed as dist

    out: list[Any] = [None] * info.world_size
    dist.all_gather_object(out, digest)
    return [str(d) for d in out]


# --------------------------------------------------------------------------------------------
# ``ganzoo train ... --nproc N``: one machine, N processes, through torchrun itself


def strip_nproc(argv: Sequence[str]) -> list[str]:
    """``argv`` without ``--nproc N`` / ``--nproc=N`` (the workers must not relaunch)."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--nproc":
            skip = True
            continue
        if arg.startswith("--nproc="):
            continue
        out.append(arg)
    return out


def torchrun_command(nproc: int, argv: Sequence[str]) -> list[str]:
    """The ``torchrun --standalone`` command that runs ``ganzoo ARGV`` in ``nproc`` processes."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            "--nproc_per_node", str(nproc), "-m", "ganzoo", *strip_nproc(argv)]


def launch(nproc: int, argv: Sequence[str], announce: Callable[[str], None]) -> None:
    """Replace this process with torchrun (signals and the exit status go straight through).

    ``announce`` shows the command first (the CLI echoes it).
    """
    cmd = torchrun_command(nproc, argv)
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")  # N CPU workers must not each spawn a thread per core
    announce(f"launching: {shlex.join(['torchrun', *cmd[3:]])}")
    sys.stdout.flush()
    os.execvpe(cmd[0], cmd, env)

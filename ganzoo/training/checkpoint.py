"""Training-state checkpoints: everything a run needs to continue bit-for-bit, and no pickle.

Layout of ``RUN_DIR/checkpoints/``::

    step-000123/tensors.safetensors   networks (net/ROLE/...), the step's random streams
                                      (gen/NAME), the batch order, the global RNGs, and every
                                      tensor of the step's state_dict
    step-000123/state.json            step, epoch, position, history, the run's options, and
                                      the non-tensor part of the step's state_dict (tensors
                                      are referenced by key)
    latest                            the name of the newest complete checkpoint

A checkpoint is written into a hidden temporary folder, fsynced, then renamed into place, and
only then does ``latest`` move (atomically). A kill at any moment leaves the previous checkpoint
loadable; a half-written temporary folder is ignored and cleaned up by the next save.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import random
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ConfigError, GanzooError
from ..io import atomic_open, follow_umask, fsync_dir, writable_error
from ..schema import state_problem

log = logging.getLogger(__name__)

FORMAT = 2
#: Formats this version reads (1: ganzoo 0.1, whose step state is upgraded on load).
READABLE = (1, 2)
DIR_NAME = "checkpoints"
LATEST = "latest"
STATE = "state.json"
TENSORS = "tensors.safetensors"
_STEP_DIR = re.compile(r"^step-(\d{6,})$")


class CheckpointError(GanzooError):
    """A run folder has no usable checkpoint, or a checkpoint is corrupt."""


# --------------------------------------------------------------------------------------------
# Nested state_dicts <-> JSON + a flat tensor table


def encode(obj: Any, prefix: str, tensors: dict[str, Any]) -> Any:
    """JSON-able form of a nested state_dict; tensors go to ``tensors`` under unique keys.

    Generic on purpose: optimizers (Adam, fused Adam, SGD), GradScaler and any future
    ``state_dict()`` round-trip without knowing their layout. Int dict keys and tuples survive.
    """
    import torch

    if isinstance(obj, torch.Tensor):
        key = f"{prefix}"
        tensors[key] = obj.detach().cpu().contiguous().clone()
        return {"__tensor__": key}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": [[k, encode(v, f"{prefix}/{k}", tensors)] for k, v in obj.items()]}
        return {"__dict__": [[_key(k), encode(v, f"{prefix}/{k}", tensors)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode(v, f"{prefix}/{i}", tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [encode(v, f"{prefix}/{i}", tensors) for i, v in enumerate(obj)]
    if isinstance(obj, float) and obj != obj:
        return {"__float__": "nan"}
    if isinstance(obj, float) and obj in (float("inf"), float("-inf")):
        return {"__float__": "inf" if obj > 0 else "-inf"}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, torch.dtype):
        return {"__dtype__": str(obj).removeprefix("torch.")}
    raise TypeError(f"cannot checkpoint a {type(obj).__name__} at {prefix}")


def _key(k: Any) -> Any:
    if isinstance(k, bool) or not isinstance(k, (int, str)):
        raise TypeError(f"cannot checkpoint a dict key of type {type(k).__name__}")
    return {"__int__": k} if isinstance(k, int) else k


def decode(obj: Any, tensors: dict[str, Any]) -> Any:
    """Inverse of :func:`encode`; a reference to a missing tensor raises ``KeyError``."""
    import torch

    if isinstance(obj, list):
        return [decode(v, tensors) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        return tensors[obj["__tensor__"]]
    if "__tuple__" in obj:
        return tuple(decode(v, tensors) for v in obj["__tuple__"])
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__dtype__" in obj:
        dtype = getattr(torch, str(obj["__dtype__"]), None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"unknown dtype {obj['__dtype__']!r}")
        return dtype
    if "__dict__" in obj:
        out = {}
        for k, v in obj["__dict__"]:
            if isinstance(k, dict):
                k = int(k["__int__"])
            out[k] = decode(v, tensors)
        return out
    raise ValueError(f"unexpected object in checkpoint: keys {sorted(obj)[:3]}")


# --------------------------------------------------------------------------------------------
# RNG states


def rng_state(device: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Python, NumPy, torch CPU (and CUDA) generator states: (json part, tensors)."""
    import numpy as np
    import torch

    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    json_part = {
        "python": [version, list(internal), gauss],
        "numpy": [kind, base64.b64encode(np.asarray(keys, dtype=np.uint32).tobytes()).decode(),
                  int(pos), int(has_gauss), float(cached)],
    }
    tensors = {"rng/torch": torch.get_rng_state()}
    if torch.cuda.is_available() and getattr(device, "type", "") == "cuda":
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng/cuda/{i}"] = s
    return json_part, tensors


def set_rng_state(json_part: dict[str, Any], tensors: dict[str, Any]) -> None:
    import numpy as np
    import torch

    version, internal, gauss = json_part["python"]
    random.setstate((int(version), tuple(int(x) for x in internal), gauss))
    kind, keys, pos, has_gauss, cached = json_part["numpy"]
    arr = np.frombuffer(base64.b64decode(keys), dtype=np.uint32).copy()
    np.random.set_state((str(kind), arr, int(pos), int(has_gauss), float(cached)))
    torch.set_rng_state(tensors["rng/torch"])
    cuda = [tensors[k] for k in sorted(t for t in tensors if t.startswith("rng/cuda/"))]
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


# --------------------------------------------------------------------------------------------
# Writing


def checkpoint_dir(run_dir: Path) -> Path:
    return Path(run_dir) / DIR_NAME


def save(run_dir: Path, step: int, state: dict[str, Any], tensors: dict[str, Any],
         keep: int | None = None) -> Path:
    """Write one checkpoint atomically, point ``latest`` at it, keep the newest ``keep``.

    An ``OSError`` (full disk, permissions) leaves the previous checkpoint and ``latest``
    untouched and is raised as a one-line :class:`CheckpointError`.
    """
    from safetensors import SafetensorError
    from safetensors.torch import save_file

    base = checkpoint_dir(run_dir)
    name = f"step-{step:06d}"
    final = base / name
    tmp: Path | None = None
    try:
        base.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=base, prefix=f".{name}.", suffix=".tmp"))
        # One metadata key: safetensors orders metadata by hash, so two keys make the bytes vary.
        save_file(tensors, str(tmp / TENSORS), metadata={"format": "pt"})
        with open(tmp / STATE, "w", encoding="utf-8") as fh:
            json.dump({"format": FORMAT, **state}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        for path in (tmp, tmp / TENSORS, tmp / STATE):  # mkdtemp and safetensors make them private
            follow_umask(path)
        _fsync_file(tmp / TENSORS)
        fsync_dir(tmp)
        if final.exists():  # the same step again (a resume re-ran it): swap, never mix
            old = base / f".{name}.{os.getpid()}.old"
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
        tmp = None
        fsync_dir(base)
        with atomic_open(base / LATEST, "w", encoding="utf-8") as fh:
            fh.write(name + "\n")
    except (OSError, SafetensorError) as exc:  # safetensors wraps I/O errors (EFBIG, ENOSPC)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        reason = (getattr(exc, "strerror", None) or _reason(exc)).removeprefix("Error while serializing: ")
        raise CheckpointError(
            f"cannot write checkpoint {final}: {reason}; the previous checkpoint "
            f"is intact — free disk space or fix permissions, then: ganzoo train --resume {run_dir}"
        ) from None
    _prune(base, keep, current=name)
    return final


def _prune(base: Path, keep: int | None, current: str) -> None:
    """Drop checkpoints beyond the newest ``keep`` and leftovers of killed saves or prunes.

    A checkpoint is renamed out of sight before it is deleted, so a prune killed half-way
    never leaves a half-deleted folder that still looks like a checkpoint.
    """
    for pattern in (".step-*", ".trash-*"):
        for leftover in base.glob(pattern):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
    if keep is None:
        return
    steps = list_checkpoints(base.parent)
    for path in steps[:-keep] if keep > 0 else steps:
        if path.name != current:
            trash = base / f".trash-{path.name}"
            try:
                os.replace(path, trash)
            except OSError:
                continue
            shutil.rmtree(trash, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


# --------------------------------------------------------------------------------------------
# Reading


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Complete checkpoint folders, oldest first."""
    base = checkpoint_dir(run_dir)
    if not base.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in base.iterdir()
             if (m := _STEP_DIR.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found)]


def latest(run_dir: Path) -> Path:
    """The checkpoint ``latest`` names, else the newest complete one; raises if none."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ConfigError(f"--resume {run_dir}: no such folder (pass a run folder made by ganzoo train)")
    base = checkpoint_dir(run_dir)
    pointer = base / LATEST
    if pointer.is_file():
        with contextlib.suppress(OSError, UnicodeDecodeError):
            name = pointer.read_text(encoding="utf-8").strip()
            if _STEP_DIR.match(name) and (base / name / STATE).is_file():
                return base / name
    steps = [p for p in list_checkpoints(run_dir) if (p / STATE).is_file()]
    if not steps:
        raise ConfigError(f"--resume {run_dir}: not a ganzoo run folder with checkpoints (no "
                          f"{DIR_NAME}/{LATEST}); pass the folder ganzoo train printed")
    return steps[-1]


def load(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(state.json, tensors) of one checkpoint folder; anything unreadable is a CheckpointError."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    try:
        raw = (path / STATE).read_bytes()
        state = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CheckpointError(f"{path / STATE}: unreadable checkpoint state ({_reason(exc)}); "
                              f"delete {path} to resume from the one before") from None
    if not isinstance(state, dict) or state.get("format") not in READABLE:
        fmt = state.get("format") if isinstance(state, dict) else None
        if isinstance(fmt, int) and fmt > FORMAT:
            raise CheckpointError(f"{path / STATE}: written by a newer ganzoo (checkpoint format {fmt}, "
                                  f"this one reads {'/'.join(map(str, READABLE))}); upgrade ganzoo")
        raise CheckpointError(f"{path / STATE}: not a ganzoo checkpoint (format "
                              f"{'/'.join(map(str, READABLE))}); delete {path} to resume from the one before")
    try:
        tensors = load_file(str(path / TENSORS), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path / TENSORS}: corrupt or truncated ({_reason(exc)}); "
                              f"delete {path} to resume from the one before") from None
    return state, tensors


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --------------------------------------------------------------------------------------------
# A Trainer's whole state


def capture(trainer: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(json state, tensors) of a Trainer between two steps: the networks, the step's own
    ``state_dict`` and random streams, the batch order, the global RNGs and the history."""
    tensors: dict[str, Any] = {}
    for role, net in trainer.model.networks().items():
        for key, value in net.state_dict().items():
            tensors[f"net/{role}/{key}"] = value.detach().cpu().contiguous().clone()
    step_state = encode(trainer.stepper.state_dict(), "step", tensors)
    for name, generator in trainer.stepper.generators().items():
        tensors[f"gen/{name}"] = generator.get_state()
    tensors["gen/perm"] = trainer.perm_generator.get_state()
    if trainer._epoch_order is not None:
        tensors["data/order"] = trainer._epoch_order.clone()
    rng_json, rng_tensors = rng_state(trainer.device)
    tensors.update(rng_tensors)
    _capture_ranks(trainer, tensors)
    state = {
        "step": trainer.step, "epoch": trainer.epoch, "position": trainer.position,
        "train_size": len(trainer.bundle.train), "batch_size": trainer.batch_size,
        "history": encode(trainer.history, "history", tensors),
        "timing": [trainer._images_timed, trainer._time_timed],
        "stepper": step_state, "rng": rng_json,
        "networks": sorted(trainer.model.networks()),
        "world_size": trainer.dist.world_size,
    }
    return state, tensors


def _per_rank_keys(trainer: Any) -> list[str]:
    """Per-rank random streams (the step's noise, dropout): rank 0's live under the plain key,
    the others' under ``KEY@rankN`` so a multi-process run resumes with every rank's own stream."""
    return [f"gen/{name}" for name in sorted(trainer.stepper.generators())] + ["rng/torch"]


def _capture_ranks(trainer: Any, tensors: dict[str, Any]) -> None:
    """Add the other ranks' random states (a collective: every rank calls capture)."""
    from .distributed import gather_tensor

    info = trainer.dist
    if not info.enabled:
        return
    for key in _per_rank_keys(trainer):
        if key in tensors:
            for r, t in enumerate(gather_tensor(tensors[key], info)):
                if r > 0:
                    tensors[f"{key}@rank{r}"] = t


def _restore_ranks(trainer: Any, tensors: dict[str, Any]) -> None:
    """Give rank N>0 its own saved streams, or fresh per-rank ones (a different world size)."""
    import torch

    from .distributed import rank_seed

    info = trainer.dist
    if info.rank == 0:
        return
    seed = int(trainer.run_options.get("seed", 0) or 0) + trainer.step
    if f"rng/torch@rank{info.rank}" in tensors:
        torch.set_rng_state(tensors[f"rng/torch@rank{info.rank}"])
    else:
        torch.manual_seed(rank_seed(seed, info.rank))
    for i, (name, generator) in enumerate(sorted(trainer.stepper.generators().items())):
        if f"gen/{name}@rank{info.rank}" in tensors:
            generator.set_state(tensors[f"gen/{name}@rank{info.rank}"])
        else:
            generator.manual_seed(rank_seed(seed + 1 + i, info.rank))


def step_state(state: dict[str, Any], tensors: dict[str, Any]) -> dict[str, Any]:
    """The step's ``state_dict`` from a checkpoint of this format or of format 1.

    Format 1 (ganzoo 0.1) stored the step's attributes found by introspection: generators as
    references (now :meth:`~ganzoo.training.step.Step.generators`, under the same keys),
    objects with ``state_dict`` wrapped, and the accumulators as ``_sums``/``_counts``.
    """
    if state.get("format") != 1:
        return decode(state["stepper"], tensors)
    out: dict[str, Any] = {}
    for name, saved in state["stepper"].items():
        if isinstance(saved, dict) and "__generator__" in saved:
            continue  # read from gen/NAME like a format-2 checkpoint's
        if isinstance(saved, dict) and "__state_dict__" in saved:
            saved = saved["__state_dict__"]
        out[{"_sums": "sums", "_counts": "counts"}.get(name, name)] = decode(saved, tensors)
    return out


def _check_position(trainer: Any, state: dict[str, Any], tensors: dict[str, Any], where: Path) -> None:
    """The saved place in the epoch must exist in this run: a batch index within the epoch and
    a batch order that is a permutation of the training items (types are checked on load)."""
    if state["position"] > trainer.steps_per_epoch:
        raise CheckpointError(f"{where}: damaged checkpoint (position {state['position']} is past the "
                              f"{trainer.steps_per_epoch} batches of an epoch); delete it to resume "
                              "from the one before")
    order = tensors.get("data/order")
    if order is not None and not (order.dim() == 1 and len(order) == len(trainer.bundle.train)
                                  and not order.is_floating_point() and not order.is_complex()
                                  and (len(order) == 0 or (int(order.min()) >= 0
                                                           and int(order.max()) < len(order)))):
        raise CheckpointError(f"{where}: damaged checkpoint (the saved batch order 'data/order' is not "
                              f"an order of the {len(trainer.bundle.train)} training items); delete it "
                              "to resume from the one before")


def restore(trainer: Any, state: dict[str, Any], tensors: dict[str, Any], where: Path) -> None:
    """Put a Trainer back exactly where ``capture`` found it; a mismatch is a CheckpointError."""
    try:
        if state["train_size"] != len(trainer.bundle.train) or state["batch_size"] != trainer.batch_size:
            raise CheckpointError(
                f"{where}: the checkpoint saw {state['train_size']} training items in batches of "
                f"{state['batch_size']}, the data now has {len(trainer.bundle.train)} in batches of "
                f"{trainer.batch_size}; resume with the run's original data")
        _check_position(trainer, state, tensors, where)
        networks = trainer.model.networks()
        if sorted(networks) != list(state["networks"]):
            raise CheckpointError(f"{where}: networks {state['networks']} do not match the model's "
                                  f"{sorted(networks)}")
        for role, net in networks.items():
            prefix = f"net/{role}/"
            own = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
            from ..weights import check_state

            try:
                check_state(net, own, str(where / TENSORS))
            except GanzooError as exc:
                raise CheckpointError(str(exc)) from None
            net.load_state_dict(own, strict=True)
        trainer.stepper.load_state_dict(step_state(state, tensors))
        for name, generator in trainer.stepper.generators().items():
            generator.set_state(tensors[f"gen/{name}"])
        trainer.perm_generator.set_state(tensors["gen/perm"])
        trainer._epoch_order = tensors.get("data/order")
        trainer.step, trainer.epoch = int(state["step"]), int(state["epoch"])
        trainer.position = int(state["position"])
        trainer.history = decode(state["history"], tensors)
        trainer._images_timed, trainer._time_timed = (float(x) for x in state["timing"])
        trainer._last_step = trainer.step
        set_rng_state(state["rng"], tensors)
        _restore_ranks(trainer, tensors)
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, RuntimeError, IndexError, AttributeError,
            OverflowError) as exc:
        raise CheckpointError(f"{where}: damaged checkpoint ({type(exc).__name__}: "
                              f"{_reason(exc)}); delete it to resume from the one before") from None


# --------------------------------------------------------------------------------------------
# Resuming a run folder


#: Keys of the saved options that are not run options.
_NOT_OPTIONS = {"model", "dataset", "settings", "out", "option_sources"}


def resume_options(run_dir: str | Path, model: str | None = None,
                   given: dict[str, Any] | None = None) -> tuple[Any, Path, dict[str, Any], dict[str, Any]]:
    """(resolved options, checkpoint folder, state, tensors) to continue ``run_dir``.

    ``given`` are options the user passed with ``--resume``; only those the option table marks
    ``resume`` may change. Raises a one-line error for a folder that is not a run, a damaged
    checkpoint, or a ``model`` other than the run's.

    On rank 0 the run folder is then locked: a run still writing there, or a second resume, is
    refused naming its pid (checked once before reading anything, and again by taking the lock);
    :func:`ganzoo.training.run` releases the lock when the resumed run ends. A refused resume
    leaves the folder untouched.
    """
    from .. import options
    from .distributed import is_main_process
    from .rundir import check_unlocked, lock_run_dir

    run_dir = Path(run_dir).expanduser()
    options.resume_rule(given or {}, run_dir)
    busy = (f"--resume {run_dir}", "wait for it to finish (or stop it), then resume")
    main = is_main_process()
    if main:
        check_unlocked(run_dir, *busy)
    found = _resume_options(run_dir, model, given)
    if not main:
        return found
    lock = lock_run_dir(run_dir, *busy)
    if lock is None or latest(run_dir) == found[1]:
        return found
    try:  # a run that held the folder checkpointed since: resume from its newest checkpoint
        return _resume_options(run_dir, model, given)
    except BaseException:
        lock.release()
        raise


def _resume_options(run_dir: Path, model: str | None,
                    given: dict[str, Any] | None) -> tuple[Any, Path, dict[str, Any], dict[str, Any]]:
    from .. import options

    path = latest(run_dir)
    state, tensors = load(path)
    saved = state.get("options")
    if not isinstance(saved, dict) or not isinstance(saved.get("model"), str):
        raise CheckpointError(f"{path / STATE}: no saved run settings; delete {path} to resume "
                              "from the one before")
    if model is not None and model != saved["model"]:
        raise ConfigError(f"--resume {run_dir}: that run trains model '{saved['model']}', not "
                          f"'{model}'; drop MODEL or start a new run with --out")
    found = state_problem(state)
    if found is not None:  # hand-edited: refused before a value is used (a negative position)
        raise CheckpointError(f"{path / STATE}: damaged checkpoint ({found}); delete {path} to "
                              "resume from the one before")
    table = options.table("train")
    kept = {k: v for k, v in saved.items() if k in table and k != "out"}
    unknown = sorted(k for k in saved if k not in table and k not in _NOT_OPTIONS)
    if unknown:  # an option a plugin no longer declares: its saved value cannot be honoured
        log.warning("--resume %s: the run was saved with option(s) %s, which no installed plugin "
                    "declares now; they are ignored", run_dir, ", ".join(unknown))
    kept.update({k: v for k, v in (given or {}).items() if v is not None})
    settings = saved.get("settings") or {}
    sources = saved.get(options.SOURCES)
    if not isinstance(settings, dict) or not isinstance(saved.get("dataset"), (str, type(None))):
        raise CheckpointError(f"{path / STATE}: damaged run settings; delete {path} to resume "
                              "from the one before")
    opts = options.resolve(saved["model"], saved.get("dataset"), settings, kept, runs_dir=None)
    problem = writable_error(run_dir, "the run folder", folder=True)
    if problem is not None:
        raise CheckpointError(f"--resume: {problem}; the checkpoints are intact (fix the permissions)")
    if isinstance(sources, dict):  # the recorded command says what the original run said
        opts.sources.update({k: v for k, v in sources.items()
                             if k in opts.sources and k not in (given or {}) and isinstance(v, str)})
    opts.values["out"] = run_dir
    return opts, path, state, tensors

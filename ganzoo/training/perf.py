"""Speed policy of a run: precision, memory format, optimizer kernels, optional torch.compile.

Why a module of its own: every fast default here must be measurable and switchable off
(``--precision fp32 --no-channels-last --no-fused``), and the step code should only ask
"which autocast?" and "which forward?", not re-derive the hardware rules. Figures behind the
defaults are in docs/benchmarks.md (``python benchmarks/run.py``).

- precision ``auto``: bf16 autocast on CUDA devices with bf16 and on CPUs with native bf16
  (avx512_bf16 / AMX), fp16 autocast + one GradScaler per optimizer on CUDA without bf16,
  fp32 otherwise. Models whose class sets ``auto_precision = False`` stay fp32 under ``auto``
  (the LSTM regressor: tiny and overhead-bound, so bf16 only adds casts, and rounding
  accumulates over time steps).
  Losses are always computed in fp32 from the logits (the step casts before the loss).
- channels_last: NHWC weights and inputs for models with 2-D convolutions (oneDNN and cuDNN
  pick faster kernels); a no-op for MLPs and LSTMs.
- fused: ``Adam(fused=True)`` (one kernel for all parameters) where the device supports it,
  else ``foreach=True``; the seed's per-tensor loop is a third of an MLP GAN step.
- compile: opt-in ``torch.compile`` of each network's forward (measured: small win for DCGAN,
  a loss for the MLP GAN, and ~20 s of compile time on a CPU).
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import ConfigError
from ..options import PRECISIONS

_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bf16 in hardware (x86 avx512_bf16 or AMX; Linux flags)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_precision(name: str, device: torch.device, lower_ok: bool = True) -> str:
    """``auto`` -> the fastest safe precision on ``device``; explicit names are checked."""
    if name not in PRECISIONS:
        raise ConfigError(f"--precision must be one of {', '.join(PRECISIONS)}, got {name!r}")
    if name == "fp32":
        return name
    if device.type == "cuda":
        bf16 = torch.cuda.is_bf16_supported()
        if name == "auto":
            return "bf16" if bf16 else "fp16"
        if name == "bf16" and not bf16:
            raise ConfigError("--precision bf16: this CUDA device has no bf16 support; "
                              "use --precision fp16 or auto")
        return name
    if device.type == "cpu":
        if name == "auto":
            return "bf16" if cpu_has_native_bf16() and lower_ok else "fp32"
        return name  # explicit bf16/fp16 on a CPU: allowed (emulated where not native)
    # mps and others: autocast support varies; keep fp32 unless asked.
    return "fp32" if name == "auto" else name


def has_conv(module: torch.nn.Module) -> bool:
    return any(isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)) for m in module.modules())


@dataclass
class Perf:
    """The resolved speed settings of one run (recorded in ``config.json`` as ``train.perf``)."""

    precision: str = "fp32"
    channels_last: bool = False
    fused: bool = False
    compile: bool = False
    device_type: str = "cpu"

    @classmethod
    def resolve(cls, device: torch.device, model: Any, precision: str = "auto",
                channels_last: bool = True, fused: bool = True, compile: bool = False) -> Perf:
        nets = list(model.networks().values()) if hasattr(model, "networks") else [model]
        return cls(precision=resolve_precision(precision, device, getattr(model, "auto_precision", True)),
                   channels_last=bool(channels_last) and any(has_conv(n) for n in nets),
                   fused=bool(fused), compile=bool(compile), device_type=device.type)

    @property
    def dtype(self) -> torch.dtype | None:
        return _DTYPES.get(self.precision)

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """The forward-pass context: autocast to the run's dtype, or nothing for fp32."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def needs_scaler(self) -> bool:
        return self.precision == "fp16"

    def make_scaler(self) -> Any:
        return torch.amp.GradScaler(self.device_type)

    def prepare(self, model: torch.nn.Module) -> None:
        """Put the model's weights in the run's memory format (in place).

        On CUDA also lets cuDNN benchmark its kernels: training shapes are fixed per run.
        """
        if self.device_type == "cuda":
            torch.backends.cudnn.benchmark = True
        if self.channels_last:
            model.to(memory_format=torch.channels_last)

    def input(self, x: torch.Tensor) -> torch.Tensor:
        """An image batch in the run's memory format."""
        if self.channels_last and x.dim() == 4:
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def forward(self, net: torch.nn.Module) -> Any:
        """What the step calls for ``net``: the module itself, or its compiled forward.

        The compiled wrapper shares the parameters, so state_dicts and checkpoints keep the
        plain module's keys.
        """
        return torch.compile(net) if self.compile else net

    def describe(self) -> dict[str, Any]:
        return {"precision": self.precision, "channels_last": self.channels_last,
                "fused": self.fused, "compile": self.compile}


def make_optimizer(params: Any, name: str, lr: float, betas: tuple[float, float],
                   fused: bool = False, eager: bool = False) -> torch.optim.Optimizer:
    """Adam or SGD with one fused kernel when asked and supported, else the foreach kernels.

    Fused and foreach kernels compute the same update as the per-tensor loop (up to float
    rounding order); they only remove per-parameter dispatch. ``eager`` (no ``--compile``):
    a step that does not import torch._dynamo (see :mod:`ganzoo.training.eager`).
    """
    from .eager import eager_class

    params = list(params)
    cls: type[torch.optim.Optimizer]
    if name == "sgd":
        cls, kwargs = torch.optim.SGD, {"lr": lr, "momentum": betas[0]}
    else:
        cls, kwargs = torch.optim.Adam, {"lr": lr, "betas": betas}
    if eager:
        cls = eager_class(cls)
    if fused:
        try:
            return cls(params, fused=True, **kwargs)
        except (RuntimeError, TypeError, ValueError):  # device or dtype without a fused kernel
            pass
    return cls(params, foreach=True, **kwargs)


class Scalers(dict):
    """One GradScaler per optimizer role (fp16 only), checkpointable as one object.

    ``state_dict``/``load_state_dict`` let the generic checkpoint code carry every scaler's
    scale and growth tracker without knowing this class.
    """

    def state_dict(self) -> dict[str, Any]:
        return {role: scaler.state_dict() for role, scaler in self.items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for role, scaler in self.items():
            if role in state:
                scaler.load_state_dict(state[role])

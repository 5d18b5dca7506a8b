"""Everything a run is configured with, validated before anything is loaded or written.

The CLI and ``ganzoo.train`` both build a :class:`TrainOptions` and call :func:`resolve_options`,
so the two reject the same mistakes with the same one-line messages.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config as _config
from .. import registry
from ..errors import ConfigError, UnknownName
from ..specs import LossSpec, ModelSpec
from .guard import ON_NAN

DEVICES = ("auto", "cpu", "cuda", "mps")
#: --precision values (kept here, torch-free; ganzoo/train/perf.py resolves "auto").
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_PREFIXES = ("model", "data", "loss")
#: DiffAugment policies (ganzoo/train/augment.py implements them; kept here torch-free).
AUGMENT_POLICIES = ("translation", "cutout", "color")

#: Seed defaults used where a model's recipe leaves a field out.
_FALLBACK = {"batch_size": 64, "lr": 2e-4, "betas": (0.5, 0.999), "epochs": 5, "optimizer": "adam"}


@dataclass(kw_only=True)
class RunKnobs:
    """Knobs that pass through validation unchanged, shared by both option records."""

    #: Reliability: checkpoint every N steps (and at each epoch end), keep the newest K,
    #: what a non-finite loss does (see ganzoo/train/guard.py).
    checkpoint_every: int | None = None
    keep_checkpoints: int = 3
    on_nan: str = "stop"
    #: Speed (see ganzoo/train/perf.py): autocast precision, NHWC for conv models, fused
    #: optimizer kernels, opt-in torch.compile.
    precision: str = "auto"
    channels_last: bool = True
    fused: bool = True
    compile: bool = False
    #: Multi-process (torchrun): BatchNorm statistics over all ranks' batches (CUDA only).
    sync_bn: bool = False


@dataclass
class TrainOptions(RunKnobs):
    """The knobs of ``ganzoo train``; ``None`` means "the model's recipe"."""

    model: str
    dataset: str | None = None
    data_root: str | Path | None = None
    epochs: int | None = None
    max_steps: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    betas: tuple[float, float] | str | None = None
    loss: str | None = None
    seed: int = 0
    device: str = "auto"
    workers: int = 0
    out: str | Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    log_every: int | None = None
    #: GANs: DiffAugment policy for every image D sees ("translation,cutout,color", "none");
    #: None means the recipe's (see ganzoo/train/augment.py).
    augment: str | None = None
    #: GANs: decay of the moving average of G's weights that is saved instead of the last
    #: step's (0 = off); None means the recipe's (see ganzoo/train/ema.py).
    ema: float | None = None
    #: Decay the learning rate linearly to 0 after this fraction of the steps (0.3: over the
    #: last 70 %); None means the recipe's (constant when it has none).
    lr_decay: float | None = None


@dataclass
class ResolvedOptions(RunKnobs):
    """Validated options with every default filled in from the model's recipe."""

    model_spec: ModelSpec
    loss_spec: LossSpec
    dataset: str
    data_root: Path | None
    epochs: int
    max_steps: int | None
    batch_size: int
    lr: float
    betas: tuple[float, float]
    optimizer: str
    seed: int
    device: str
    workers: int
    out: Path | None
    log_every: int
    #: Canonical DiffAugment policy ("translation,cutout"), "" for none.
    augment: str
    #: EMA decay of G's weights, 0.0 for none.
    ema: float
    #: Fraction of the steps after which the lr decays linearly to 0; None: constant.
    lr_decay: float | None
    #: User-set values per owner, typed; the model's still lack the data-derived ones.
    model_settings: dict[str, Any]
    data_settings: dict[str, Any]
    loss_settings: dict[str, Any]
    raw_settings: dict[str, str]

    def command(self) -> str:
        """The ``ganzoo train`` command line that reproduces this run."""
        args = ["ganzoo", "train", self.model_spec.name, self.dataset]
        if self.data_root is not None:
            args += ["--data-root", str(self.data_root)]
        args += ["--epochs", str(self.epochs)]
        if self.max_steps is not None:
            args += ["--max-steps", str(self.max_steps)]
        args += ["--batch-size", str(self.batch_size), "--lr", repr(self.lr),
                 "--betas", f"{self.betas[0]!r},{self.betas[1]!r}",
                 "--loss", self.loss_spec.name, "--seed", str(self.seed), "--device", self.device]
        if self.precision != "auto":
            args += ["--precision", self.precision]
        args += [] if self.channels_last else ["--no-channels-last"]
        args += [] if self.fused else ["--no-fused"]
        args += ["--compile"] if self.compile else []
        args += ["--sync-bn"] if self.sync_bn else []
        args += ["--augment", self.augment] if self.augment else []
        args += ["--ema", repr(self.ema)] if self.ema else []
        args += ["--lr-decay", repr(self.lr_decay)] if self.lr_decay is not None else []
        for key, value in self.settings_for_command().items():
            args += ["--set", f"{key}={value}"]
        return shlex.join(args)

    def settings_for_command(self) -> dict[str, Any]:
        """The user's ``--set`` values plus what the recipe filled in (as ``model.``/``loss.``
        keys), so the command still reproduces the run after a recipe changes."""
        out: dict[str, Any] = dict(self.raw_settings)
        given = {key.split(".", 1)[-1] for key in out}
        for key, value in self.model_settings.items():
            if key not in given:
                out[f"model.{key}"] = value
        for key, value in self.loss_settings.items():
            if key not in given and value != self.loss_spec.params[key].default:
                out[f"loss.{key}"] = value
        return out


def _int(name: str, value: Any, minimum: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r} ({hint})")
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r} ({hint})") from None
    if number < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {number} ({hint})")
    return number


def _float(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    return number


def parse_betas(value: Any) -> tuple[float, float]:
    """``"0.5,0.999"`` or a pair -> a validated pair in [0, 1)."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    if len(parts) != 2:
        raise ConfigError(f"--betas expects two numbers B1,B2 in [0, 1), got {value!r} (example: 0.5,0.999)")
    b1, b2 = (_float("--betas", p) for p in parts)
    for b in (b1, b2):
        if not 0.0 <= b < 1.0:
            raise ConfigError(f"--betas must both be in [0, 1), got {b1},{b2} (example: 0.5,0.999)")
    return (b1, b2)


def _augment(value: Any, spec: ModelSpec) -> str:
    """Validate a DiffAugment policy without importing torch; "" means none."""
    names = [p.strip() for p in str(value or "").split(",") if p.strip()]
    if names in ([], ["none"]):
        return ""
    bad = [n for n in names if n not in AUGMENT_POLICIES]
    if bad:
        matches = difflib.get_close_matches(bad[0], AUGMENT_POLICIES, n=1)
        hint = f" — did you mean '{matches[0]}'?" if matches else ""
        raise ConfigError(f"--augment: unknown policy {bad[0]!r}{hint}; use a comma-separated "
                          f"list of {', '.join(AUGMENT_POLICIES)}, or none")
    if spec.task != "adversarial":
        raise ConfigError(f"--augment applies to GAN discriminators; '{spec.name}' is a {spec.task} "
                          "model (drop --augment)")
    return ",".join(dict.fromkeys(names))


def _ema(value: Any, spec: ModelSpec) -> float:
    decay = _float("--ema", value)
    if not 0.0 <= decay < 1.0:
        raise ConfigError(f"--ema must be in [0, 1) (0 turns it off), got {decay} (try 0.999)")
    if decay and spec.task != "adversarial":
        raise ConfigError(f"--ema averages a GAN generator's weights; '{spec.name}' is a {spec.task} "
                          "model (drop --ema)")
    return decay


def split_settings(raw: Mapping[str, Any], model: ModelSpec, dataset_params: Mapping[str, Any],
                   loss: LossSpec) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Route each ``--set`` key to the model, the dataset or the loss (in that order).

    A key known to several may be prefixed ``model.``, ``data.`` or ``loss.``; a key known to
    none raises with the close matches from all three.
    """
    tables = {"model": (model.name, model.params), "data": ("dataset", dataset_params),
              "loss": (loss.name, loss.params)}
    routed: dict[str, dict[str, Any]] = {k: {} for k in _PREFIXES}
    for key, value in raw.items():
        prefix, dot, rest = key.partition(".")
        if dot and prefix in tables:
            owner_name, params = tables[prefix]
            if rest not in params:
                raise UnknownName("setting", rest, params, hint=f"ganzoo info {owner_name}",
                                  where=f"{prefix} '{owner_name}'")
            routed[prefix][rest] = value
            continue
        for prefix in _PREFIXES:
            if key in tables[prefix][1]:
                routed[prefix][key] = value
                break
        else:
            every = [k for _, params in tables.values() for k in params]
            err = UnknownName("setting", key, every, hint=f"ganzoo info {model.name}",
                              where=f"model '{model.name}', its dataset or loss '{loss.name}'")
            raise err
    return routed["model"], routed["data"], routed["loss"]


def resolve_options(opts: TrainOptions, registered: bool = True) -> ResolvedOptions:
    """Validate every knob and fill the recipe defaults; raises before anything is written.

    ``registered=False`` is for an in-memory DataBundle: its name needs no registry entry.
    """
    spec = registry.get_model(opts.model)
    recipe = {**_FALLBACK, **spec.recipe}
    dataset = opts.dataset or spec.default_dataset
    data_spec = registry.get_dataset(dataset) if registered else None
    per_data = dict(recipe.get("datasets", {}).get(dataset, {}))

    loss_name = opts.loss or spec.default_loss
    loss_spec = registry.get_loss(loss_name)
    if spec.task not in loss_spec.tasks:
        fits = [s.name for s in registry.find("*", "loss") if spec.task in s.tasks]
        raise ConfigError(
            f"loss '{loss_name}' trains {'/'.join(loss_spec.tasks)} models, but model '{spec.name}' "
            f"is a {spec.task} model; use --loss {' or '.join(fits) or '(none installed)'}"
        )

    epochs = _int("--epochs", opts.epochs if opts.epochs is not None
                  else per_data.get("epochs", recipe["epochs"]), 1, "try --epochs 1")
    max_steps = None if opts.max_steps is None else _int("--max-steps", opts.max_steps, 1,
                                                          "omit it to train whole epochs")
    batch_size = _int("--batch-size", opts.batch_size if opts.batch_size is not None
                      else per_data.get("batch_size", recipe["batch_size"]), 1, "try --batch-size 64")
    lr = _float("--lr", opts.lr if opts.lr is not None else per_data.get("lr", recipe["lr"]))
    if lr <= 0:
        raise ConfigError(f"--lr must be > 0, got {lr} (the recipe uses {recipe['lr']})")
    betas = parse_betas(opts.betas if opts.betas is not None else per_data.get("betas", recipe["betas"]))
    seed = _int("--seed", opts.seed, 0, "any non-negative integer")
    workers = _int("--workers", opts.workers, 0, "0 decodes in the main process")
    log_every = _int("log_every", opts.log_every, 1, "try 50") if opts.log_every is not None else 50
    if opts.device not in DEVICES:
        matches = difflib.get_close_matches(str(opts.device), DEVICES, n=1)
        hint = f" — did you mean '{matches[0]}'?" if matches else ""
        raise ConfigError(f"--device must be one of {', '.join(DEVICES)}, got {opts.device!r}{hint}")

    raw = {str(k): v for k, v in (opts.settings or {}).items()}
    data_params = data_spec.params if data_spec is not None else {}
    model_raw, data_raw, loss_raw = split_settings(raw, spec, data_params, loss_spec)
    model_set = {k: _config.coerce(f"model '{spec.name}'", k, spec.params[k], v)
                 for k, v in model_raw.items()}
    data_set = {k: _config.coerce(f"dataset '{dataset}'", k, data_params[k], v)
                for k, v in data_raw.items()}
    if loss_spec.name == spec.default_loss:  # recipe loss settings fit the default loss only
        for key, value in per_data.get("loss_settings", {}).items():
            loss_raw.setdefault(key, value)
    loss_set = _config.resolve("loss", loss_spec.name, loss_spec.params, loss_raw)
    # Dataset-specific model defaults from the recipe (dcgan on digits: 1x32x32), unless set.
    for key, value in per_data.get("hparams", {}).items():
        model_set.setdefault(key, value)

    augment = _augment(opts.augment if opts.augment is not None
                       else per_data.get("augment", recipe.get("augment")), spec)
    ema = _ema(opts.ema if opts.ema is not None else per_data.get("ema", recipe.get("ema", 0.0)), spec)
    lr_decay = opts.lr_decay if opts.lr_decay is not None else per_data.get("lr_decay", recipe.get("lr_decay"))
    if lr_decay is not None:
        lr_decay = _float("--lr-decay", lr_decay)
        if not 0.0 <= lr_decay < 1.0:
            raise ConfigError(f"--lr-decay is the fraction of training before the learning rate starts "
                              f"its linear decay to 0, in [0, 1); got {lr_decay} (try 0.5)")

    checkpoint_every = None if opts.checkpoint_every is None else _int(
        "--checkpoint-every", opts.checkpoint_every, 1, "omit it to checkpoint at epoch ends only")
    keep_checkpoints = _int("--keep-checkpoints", opts.keep_checkpoints, 1, "try 3")
    if opts.precision not in PRECISIONS:
        matches = difflib.get_close_matches(str(opts.precision), PRECISIONS, n=1)
        hint = f" — did you mean '{matches[0]}'?" if matches else ""
        raise ConfigError(f"--precision must be one of {', '.join(PRECISIONS)}, "
                          f"got {opts.precision!r}{hint}")
    if opts.on_nan not in ON_NAN:
        raise ConfigError(f"--on-nan must be one of {', '.join(ON_NAN)}, got {opts.on_nan!r}")

    out = Path(opts.out).expanduser() if opts.out is not None else None
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out} already exists and is not empty; pick a new folder "
                          f"(runs are never overwritten)")
    root = Path(opts.data_root).expanduser() if opts.data_root is not None else None
    return ResolvedOptions(
        model_spec=spec, loss_spec=loss_spec, dataset=dataset, data_root=root, epochs=epochs,
        max_steps=max_steps, batch_size=batch_size, lr=lr, betas=betas,
        optimizer=str(recipe.get("optimizer", "adam")), seed=seed, device=opts.device,
        workers=workers, out=out, log_every=log_every, augment=augment, ema=ema, lr_decay=lr_decay,
        model_settings=model_set,
        data_settings=data_set, loss_settings=loss_set, raw_settings={k: str(v) for k, v in raw.items()},
        checkpoint_every=checkpoint_every, keep_checkpoints=keep_checkpoints, on_nan=opts.on_nan,
        precision=opts.precision, channels_last=bool(opts.channels_last), fused=bool(opts.fused),
        compile=bool(opts.compile), sync_bn=bool(opts.sync_bn),
    )

"""Every option of every verb, declared once, and the rules derived from the declarations.

:data:`TRAIN` lists the core options of ``ganzoo train``; task plugins add their own through
``TaskSpec.options`` (the GAN task's ``--augment`` and ``--ema``). From this one table come
the click flags (:mod:`ganzoo.cli.options`), the keyword arguments of :func:`ganzoo.train`, which
options ``--resume`` may change, the command recorded in ``config.json`` and the values the
trainer and the task read. Adding an option is one :class:`~ganzoo.specs.Option` here (or in a
task spec) plus its behaviour.

Nothing here imports torch: a bad value is refused before anything heavy loads.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import config as _config
from . import registry
from .errors import ConfigError, DuplicateName, UnknownName
from .io import writable_error
from .limits import MAX_SEED
from .loggers import check_names as _check_loggers
from .specs import VERBS, LossSpec, ModelSpec, Option, TaskSpec

DEVICES = ("auto", "cpu", "cuda", "mps")
#: --precision values (ganzoo/training/perf.py resolves "auto" on the device).
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
OPTIMIZERS = ("adam", "sgd")
_PREFIXES = ("model", "data", "loss")
#: Shown in a recorded command even at their defaults: what a reader looks for first.
_ALWAYS_SHOWN = ("loss", "seed")
#: The key of the saved options (checkpoints) that says where each value came from.
SOURCES = "option_sources"
#: Names an option of each verb may not take: the verbs' own parameters and keywords, and
#: what ResolvedOptions answers itself.
RESERVED = {
    "train": {"model", "dataset", "settings", "resume", "nproc", "progress", "runs_dir", "values",
              "sources", "options", "command", "saved", "record", SOURCES, "config", "set"},
    "eval": {"ref", "dataset", "data_root", "seed", "as_json", "json", "write"},
    "sample": {"ref", "n", "seed", "out", "out_dir"},
    "predict": {"ref", "inputs"},
}


TRAIN: tuple[Option, ...] = (
    Option("data_root", "path", None, "Folder (or file: a dataset's .zip, a .csv) of a file-based "
           "dataset; default ./data for those that need files.", metavar="DIR"),
    Option("download", "bool", False, "Fetch the dataset's files into --data-root first, for the "
           "datasets that can (torchvision's own download).", flag="flag", resume=True, recorded=False),
    Option("cache_dir", "path", None, "Where the preprocess-once dataset cache lives (default: "
           "$XDG_CACHE_HOME/ganzoo).", metavar="DIR", resume=True, recorded=False),
    Option("cache", "bool", True, "Use the preprocess-once cache for file-based images (off: decode "
           "into memory, write nothing).", flag="switch", resume=True, recorded=False),
    Option("epochs", "int", 5, "Passes over the training split (default: the model's recipe).",
           min=1, hint="try --epochs 1", recipe=True, resume=True),
    Option("max_steps", "int", None, "Stop after this many optimizer steps.", min=1,
           hint="omit it to train whole epochs", resume=True),
    Option("batch_size", "int", 64, "Batch size (default: the model's recipe).", min=1,
           hint="try --batch-size 64", recipe=True),
    Option("lr", "float", 2e-4, "Learning rate (default: the model's recipe).", min=0, min_open=True,
           hint="the recipe uses {default}", recipe=True),
    Option("betas", "pair", (0.5, 0.999), "Adam betas (default: the model's recipe).", metavar="B1,B2",
           min=0, max=1, max_open=True, hint="example: 0.5,0.999", recipe=True),
    Option("optimizer", "str", "adam", "Optimizer (default: the model's recipe).",
           choices=OPTIMIZERS, recipe=True),
    Option("loss", "str", None, "Loss plugin (default: the model's; see ganzoo list --kind loss)."),
    Option("seed", "int", 0, "Seed of weights, batch order and noise.", min=0, max=MAX_SEED,
           hint="try 0"),
    Option("device", "str", "auto", "auto|cpu|cuda|mps (auto: cuda > mps > cpu).", choices=DEVICES,
           resume=True),
    Option("workers", "int", 0, "Decoding workers for file-based datasets.", min=0,
           hint="0 decodes in the main process", resume=True, recorded=False),
    Option("out", "path", None, "Result folder (default: runs/MODEL-DATASET-TIMESTAMP/).",
           metavar="DIR", recorded=False),
    Option("log_every", "int", 50, "Log a line every N steps.", metavar="N", min=1, hint="try 50",
           resume=True, recorded=False),
    Option("logger", "list", (), "Also log to this logger plugin (repeatable; see ganzoo list --kind "
           "logger; none: only metrics.jsonl).", metavar="NAME", check=_check_loggers, resume=True,
           recorded=False),
    Option("checkpoint_minutes", "float", 5.0,
           "Checkpoint once this many minutes of training have passed since the last checkpoint "
           "(0: at every epoch end); always at the end of the run and on Ctrl-C/SIGTERM.",
           metavar="M", min=0, hint="try 5, or 0 for every epoch end", resume=True, recorded=False),
    Option("checkpoint_every", "int", None,
           "Also checkpoint every N steps.", metavar="N",
           min=1, hint="omit it to checkpoint on the --checkpoint-minutes clock", resume=True,
           recorded=False),
    Option("keep_checkpoints", "int", 1, "Keep the newest K checkpoints in RUN_DIR/checkpoints/ "
           "(--resume needs one).", metavar="K", min=1, hint="try 1", resume=True, recorded=False),
    Option("on_nan", "str", "stop",
           "A non-finite loss: stop (exit 3) or roll back to the last checkpoint and go on.",
           choices=("stop", "skip"), resume=True, recorded=False),
    Option("precision", "str", "auto", "Autocast precision (auto: bf16 on CUDA and on CPUs with "
           "native bf16, fp16 + GradScaler on CUDA without it, else fp32).", choices=PRECISIONS),
    Option("channels_last", "bool", True, "NHWC memory format for convolutional models.",
           flag="switch"),
    Option("fused", "bool", True, "Fused (one-kernel) Adam/SGD updates; off: foreach kernels.",
           flag="switch"),
    Option("compile", "bool", False,
           "torch.compile each network: about 1.5 min of compiling on a 2-core CPU, then DCGAN-64 "
           "steps ~1.15x faster (worth it past ~400 steps; MLP GANs get slower). See "
           "docs/benchmarks.md.", flag="flag"),
    Option("sync_bn", "bool", False,
           "Multi-process: BatchNorm statistics over all processes' batches (CUDA only).", flag="flag"),
    Option("lr_decay", "float", None, "Keep the learning rate for the first fraction F of the steps, "
           "then decay it linearly to 0 (e.g. 0.3; default: the model's recipe, else constant).",
           metavar="F", min=0, max=1, max_open=True,
           hint="the fraction of training before the learning rate starts its linear decay to 0; "
                "try 0.5", recipe=True),
)


# --------------------------------------------------------------------------------------------
# The merged table of a verb: core options plus every registered task's


_tables: dict[tuple[int, str], dict[str, Option]] = {}


def table(verb: str) -> dict[str, Option]:
    """Every option of ``verb`` by name, each with the tasks it applies to.

    Two tasks may declare the same option (a conditional GAN reuses ``--ema``): the
    declarations must agree, and the option then applies to both. A task option that
    shadows a core option, or two that disagree, is a plugin conflict named in the error.
    """
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb!r}")
    cat = registry.catalog()
    key = (id(cat), verb)
    if key in _tables:
        return _tables[key]
    out: dict[str, Option] = {o.name: o for o in (TRAIN if verb == "train" else ())}
    owners: dict[str, str] = {name: "ganzoo" for name in out}
    for spec in cat.specs["task"].values():
        for opt in spec.options.get(verb, ()):
            mine = dataclasses.replace(opt, tasks=(spec.name,))
            if opt.name in RESERVED[verb]:
                raise DuplicateName(f"{verb} option", opt.flag_name, "ganzoo", spec.plugin or spec.name)
            if opt.name not in out:
                out[opt.name], owners[opt.name] = mine, spec.plugin or spec.name
                continue
            have = out[opt.name]
            same = (dataclasses.replace(have, tasks=None) == dataclasses.replace(mine, tasks=None)
                    and have.check is mine.check)
            if have.tasks is None or not same:
                raise DuplicateName(f"{verb} option", opt.flag_name, owners[opt.name],
                                    spec.plugin or spec.name)
            out[opt.name] = dataclasses.replace(have, tasks=tuple(have.tasks) + (spec.name,))
    _tables.clear()  # one catalog at a time
    _tables[key] = out
    return out


def applies(opt: Option, task: str) -> bool:
    return opt.tasks is None or task in opt.tasks


# --------------------------------------------------------------------------------------------
# One value against its declaration


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _range_text(opt: Option) -> str:
    lo = None if opt.min is None else f"{'>' if opt.min_open else '>='} {_num(opt.min)}"
    hi = None if opt.max is None else f"{'<' if opt.max_open else '<='} {_num(opt.max)}"
    if lo and hi:
        return (f"in {'(' if opt.min_open else '['}{_num(opt.min)}, "  # type: ignore[arg-type]
                f"{_num(opt.max)}{')' if opt.max_open else ']'}")  # type: ignore[arg-type]
    return lo or hi or ""


def _in_range(opt: Option, x: float) -> bool:
    if opt.min is not None and (x < opt.min or (opt.min_open and x == opt.min)):
        return False
    return not (opt.max is not None and (x > opt.max or (opt.max_open and x == opt.max)))


def _hint(opt: Option, default: Any) -> str:
    if not opt.hint:
        return ""
    shown = _num(default) if isinstance(default, (int, float)) and not isinstance(default, bool) else default
    return f" ({opt.hint.format(default=shown)})"


def _finite(opt: Option, value: Any) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{opt.flag_name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{opt.flag_name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ConfigError(f"{opt.flag_name} must be a finite number, got {value!r}")
    return number


def coerce(opt: Option, value: Any, default: Any = None) -> Any:
    """``value`` (a CLI string, a Python value, a saved JSON value) as the option's canonical value.

    ``default`` is what the recipe or the table would have given, for the message's hint.
    ``None`` stays ``None`` (unset).
    """
    if value is None:
        return None
    flag, hint = opt.flag_name, _hint(opt, default)
    rng = _range_text(opt)
    if opt.type == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)) or (
                isinstance(value, str) and not value.strip().lstrip("+-").isdigit()):
            raise ConfigError(f"{flag} must be an integer{' ' + rng if rng else ''}, got {value!r}{hint}")
        result: Any = int(value)
        if not _in_range(opt, result):
            raise ConfigError(f"{flag} must be {rng}, got {result}{hint}")
    elif opt.type == "float":
        result = _finite(opt, value)
        if not _in_range(opt, result):
            raise ConfigError(f"{flag} must be {rng}, got {result}{hint}")
    elif opt.type == "pair":
        parts = value.split(",") if isinstance(value, str) else value
        if isinstance(parts, (str, bytes)) or not hasattr(parts, "__len__") or len(parts) != 2:
            raise ConfigError(f"{flag} expects two numbers {opt.metavar or 'A,B'}"
                              f"{' ' + rng if rng else ''}, got {value!r}{hint}")
        a, b = (_finite(opt, p) for p in parts)
        if not (_in_range(opt, a) and _in_range(opt, b)):
            raise ConfigError(f"{flag} must both be {rng}, got {_num(a)},{_num(b)}{hint}")
        result = (a, b)
    elif opt.type == "bool":
        if isinstance(value, bool):
            result = value
        elif isinstance(value, str) and value.lower() in _config.TRUE | _config.FALSE:
            result = value.lower() in _config.TRUE
        else:
            raise ConfigError(f"{flag} must be true or false, got {value!r}")
    elif opt.type == "list":  # repeated flags or a TOML list; commas also separate
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(v, str) for v in items):
            raise ConfigError(f"{flag} expects names ({opt.metavar or 'NAME'}, repeatable), got {value!r}")
        names = [part.strip() for v in items for part in v.split(",")]
        if any(not name for name in names):
            raise ConfigError(f"{flag} expects names, got an empty one in {value!r}{hint}")
        result = tuple(dict.fromkeys(names))  # the order given, each once
    elif opt.type == "path":
        if not isinstance(value, (str, Path)) or not str(value):
            raise ConfigError(f"{flag} must be a path, got {value!r}")
        result = Path(value).expanduser()
    else:
        if not isinstance(value, str):
            raise ConfigError(f"{flag} must be a string, got {value!r}")
        result = value
    if opt.choices is not None and result not in opt.choices:
        matches = difflib.get_close_matches(str(result), [str(c) for c in opt.choices], n=1)
        near = f" — did you mean '{matches[0]}'?" if matches else ""
        raise ConfigError(f"{flag} must be one of {', '.join(map(str, opt.choices))}, "
                          f"got {result!r}{near}")
    if opt.check is not None:
        result = opt.check(result)
    return result


def _not_for(opt: Option, who: str, task: str) -> ConfigError:
    tasks = " or ".join(opt.tasks or ())
    article = "an" if task[:1] in "aeiou" else "a"
    return ConfigError(f"{opt.flag_name} applies to {tasks} models; '{who}' is {article} {task} "
                       f"model (drop {opt.flag_name})")


def unknown_option(verb: str, name: str, where: str) -> UnknownName:
    return UnknownName("option", name, table(verb), hint=f"ganzoo {verb} --help", where=where)


def task_values(verb: str, task: str, given: Mapping[str, Any], who: str) -> dict[str, Any]:
    """The options ``task`` reads for ``verb``, canonical, defaults filled in.

    ``who`` names the model in messages. An option given for a task it does not apply to
    (``--top`` for a GAN) is an error unless its value is the option's own default (off), so
    saved settings stay valid.
    """
    opts = table(verb)
    out: dict[str, Any] = {}
    for name in given:
        if name not in opts:
            raise unknown_option(verb, name, f"ganzoo {verb}")
    for name, opt in opts.items():
        value = coerce(opt, given.get(name), opt.default)
        if not applies(opt, task):
            if value is not None and value != coerce(opt, opt.default):
                raise _not_for(opt, who, task)
            continue
        out[name] = value if value is not None else coerce(opt, opt.default)
    return out


# --------------------------------------------------------------------------------------------
# ``ganzoo train``: every option resolved against the model's recipe


@dataclass
class ResolvedOptions:
    """A run's validated options: every value canonical, the recipe's defaults filled in.

    Option values read as attributes (``opts.epochs``); ``sources[name]`` says where each came
    from (``given``, ``recipe`` or ``default``).
    """

    model_spec: ModelSpec
    task_spec: TaskSpec
    loss_spec: LossSpec
    dataset: str
    values: dict[str, Any]
    sources: dict[str, str]
    #: User-set values per owner, typed; the model's still lack the data-derived ones.
    model_settings: dict[str, Any] = field(default_factory=dict)
    data_settings: dict[str, Any] = field(default_factory=dict)
    loss_settings: dict[str, Any] = field(default_factory=dict)
    raw_settings: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"{type(self).__name__} has no option {name!r}")

    def options(self) -> dict[str, Option]:
        return table("train")

    def command(self) -> str:
        """The ``ganzoo train`` command line that reproduces this run.

        Every recorded option the user or the recipe set, or that differs from the table's
        default, so the command still reproduces the run after a recipe changes.
        """
        args = ["ganzoo", "train", self.model_spec.name, self.dataset]
        for name, opt in self.options().items():
            value = self.values.get(name)
            if not opt.recorded or value is None:
                continue
            if self.sources.get(name) == "default" and value == coerce(opt, opt.default) \
                    and name not in _ALWAYS_SHOWN:
                continue
            if opt.type == "bool":
                if opt.flag == "switch":
                    args.append(opt.flag_name if value else "--no-" + opt.flag_name[2:])
                elif value:
                    args.append(opt.flag_name)
                continue
            if opt.type == "list":  # a repeatable flag
                args += [part for item in value for part in (opt.flag_name, item)]
                continue
            args += [opt.flag_name, _arg(value)]
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

    def saved(self) -> dict[str, Any]:
        """The inputs that re-resolve to these options (JSON): what ``--resume`` reuses."""
        out: dict[str, Any] = {"model": self.model_spec.name, "dataset": self.dataset,
                               "settings": dict(self.raw_settings), SOURCES: dict(self.sources)}
        for name, value in self.values.items():
            if name == "out":
                value = None
            out[name] = _jsonable(value)
        return out

    def record(self) -> dict[str, Any]:
        """The recorded options, as ``config.json``'s ``train`` section holds them."""
        return {name: _jsonable(self.values.get(name)) for name, opt in self.options().items()
                if opt.recorded and name != "data_root" and applies(opt, self.model_spec.task)}


def _arg(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(repr(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    return value


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
            raise UnknownName("setting", key, every, hint=f"ganzoo info {model.name}",
                              where=f"model '{model.name}', its dataset or loss '{loss.name}'")
    return routed["model"], routed["data"], routed["loss"]


_RECIPE_EXTRAS = ("datasets", "hparams", "loss_settings")


def _recipe(spec: ModelSpec, dataset: str, opts: Mapping[str, Option]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(recipe option defaults, per-dataset extras) with the dataset's overrides applied."""
    from .errors import PluginLoadError

    per_data = dict(spec.recipe.get("datasets", {}).get(dataset, {}))
    merged = {k: v for k, v in spec.recipe.items() if k != "datasets"}
    merged.update({k: v for k, v in per_data.items() if k not in _RECIPE_EXTRAS})
    for key in merged:
        if key not in opts or not opts[key].recipe or not applies(opts[key], spec.task):
            raise PluginLoadError(f"model '{spec.name}': its recipe sets {key!r}, which is not a "
                                  f"recipe option of {spec.task} models (fix the plugin '{spec.plugin}')")
    return merged, per_data


def resolve(model: str, dataset: str | None = None, settings: Mapping[str, Any] | None = None,
            given: Mapping[str, Any] | None = None, registered: bool = True,
            runs_dir: str | Path | None = "runs") -> ResolvedOptions:
    """Validate every option of a run and fill the recipe's defaults; raises before anything is written.

    ``given`` holds the options the user set (``None`` values count as unset). ``registered=False``
    is for an in-memory DataBundle: its name needs no registry entry. ``runs_dir`` is where a
    run without ``--out`` goes (None: the caller checks the folder itself, as ``--resume`` does).
    """
    spec = registry.get_model(model)
    task = _task_spec(spec)
    opts = table("train")
    given = {k: v for k, v in (given or {}).items() if v is not None}
    for name in given:
        if name not in opts:
            raise unknown_option("train", name, "ganzoo.train")
    if dataset is None and not spec.default_dataset:
        raise ConfigError(f"model '{spec.name}' has no default dataset; name one "
                          f"(ganzoo train {spec.name} DATASET, see: ganzoo list --kind dataset)")
    dataset = dataset or spec.default_dataset
    data_spec = registry.get_dataset(dataset) if registered else None
    recipe, per_data = _recipe(spec, dataset, opts)

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, opt in opts.items():
        fallback = recipe.get(name, opt.default)
        if name in given:
            value, source = coerce(opt, given[name], fallback), "given"
        elif name in recipe:
            value, source = coerce(opt, recipe[name], fallback), "recipe"
        else:
            value, source = coerce(opt, opt.default, fallback), "default"
        if not applies(opt, spec.task):
            if source != "default" and value != coerce(opt, opt.default):
                raise _not_for(opt, spec.name, spec.task)
            value, source = None, "default"
        values[name], sources[name] = value, source

    loss_name = values["loss"] or spec.default_loss
    if not loss_name:
        raise ConfigError(f"model '{spec.name}' has no default loss; pass --loss "
                          f"(see: ganzoo list --kind loss)")
    loss_spec = registry.get_loss(loss_name)
    if not trains(loss_spec, task):
        from .display import article

        fits = [s.name for s in registry.find("*", "loss") if trains(s, task)]
        raise ConfigError(
            f"loss '{loss_name}' trains {'/'.join(loss_spec.tasks)} models, but model '{spec.name}' "
            f"is {article(spec.task)} {spec.task} model; use --loss {' or '.join(fits) or '(none installed)'}"
        )
    values["loss"] = loss_name

    raw = {str(k): v for k, v in (settings or {}).items()}
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

    out = values["out"]
    if out is not None and out.is_dir():  # a running trainer's folder: say whose, not "not empty"
        from .training.rundir import check_unlocked

        check_unlocked(out, f"--out {out}", "wait for it to finish (or stop it), or pick another --out")
    if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out} already exists and is not empty; pick a new folder "
                          f"(runs are never overwritten)")
    where = out if out is not None else (Path(runs_dir) if runs_dir is not None else None)
    problem = writable_error(where, "the run folder", folder=True) if where is not None else None
    if problem is not None:
        raise ConfigError(f"{problem} (pick a writable --out)")
    return ResolvedOptions(model_spec=spec, task_spec=task, loss_spec=loss_spec, dataset=dataset,
                           values=values, sources=sources, model_settings=model_set,
                           data_settings=data_set, loss_settings=loss_set,
                           raw_settings={k: str(v) for k, v in raw.items()})


def trains(loss: LossSpec, task: TaskSpec) -> bool:
    """Whether ``loss`` is written for ``task``'s loss protocol (its own or one it borrows)."""
    return bool({task.name, *task.losses_from} & set(loss.tasks))


def _task_spec(spec: ModelSpec) -> TaskSpec:
    try:
        return registry.get_task(spec.task)
    except UnknownName as exc:
        raise ConfigError(f"model '{spec.name}' needs task '{spec.task}', which no installed plugin "
                          f"provides{' — did you mean ' + repr(exc.matches[0]) + '?' if exc.matches else ''} "
                          f"(see: ganzoo list --kind task)") from None


def resume_rule(given: Mapping[str, Any], run_dir: Any) -> None:
    """Only options marked ``resume`` may be given with ``--resume``; the rest are the run's."""
    opts = table("train")
    for name, value in given.items():
        if value is None:
            continue
        opt = opts.get(name)
        if opt is None:
            raise unknown_option("train", name, "ganzoo.train")
        if not opt.resume:
            raise ConfigError(f"--resume {run_dir}: {opt.flag_name} cannot change on resume (the run's "
                              f"saved settings are used); drop it, or start a new run")

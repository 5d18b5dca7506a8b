"""Architecture summaries through torchinfo, one per network of a model.

:func:`for_training` builds the model ``ganzoo train MODEL DATASET`` would build (the model's
per-dataset recipe and the data's shape), so a summary shows the network that really trains,
not the bare defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .data import DataBundle
    from .options import ResolvedOptions


@dataclass
class Summary:
    """What ``ganzoo summary`` shows: a first line saying which model this is and how it was
    built, and torchinfo's ``ModelStatistics`` per network (``stats.total_params`` and so on).

    ``missing``: networks a saved folder does not hold (shapes from its config.json, weights
    fresh). :meth:`text` is the CLI's output, byte for byte.
    """

    name: str
    head: str
    networks: dict[str, Any]
    missing: set[str] = field(default_factory=set)

    def text(self) -> str:
        out = [self.head, ""]
        for role, stats in self.networks.items():
            out.append(f"{self.name} / {role}")
            if role in self.missing:
                out.append(f"(not saved in {self.name}: its shapes from the folder's config.json, its weights fresh)")
            out += [render(stats), ""]
        return "\n".join(out) + "\n"


def summarize(model: Any, dataset: str | None = None, *, settings: dict[str, Any] | None = None,
              data_root: str | Path | None = None, batch_size: int = 1, depth: int = 3) -> Summary:
    """The summary of ``model``: a registered model name (with ``settings``; with ``dataset``, the
    network ``ganzoo train MODEL DATASET`` builds), saved weights (a pretrained name, a folder or
    a Hub repo id) or a loaded :class:`~ganzoo.modeling.ZooModel`.
    """
    from . import registry
    from .errors import ConfigError

    settings = dict(settings or {})
    if not isinstance(model, str):
        from .modeling import ZooModel

        if not isinstance(model, ZooModel):
            raise ConfigError(f"summary: expected a model name, saved weights or a loaded model, got {model!r}")
        if dataset is not None or settings or data_root is not None:
            raise ConfigError("summary: a loaded model has its own settings and shapes; drop dataset, "
                              "settings and data_root")
        name = str((getattr(model, "zoo_config", None) or {}).get("model", type(model).__name__))
        net, head, missing = model, f"{name}: {_hparams_text(model)}", set()
    elif _is_saved(model):
        if dataset is not None or settings or data_root is not None:
            raise ConfigError(f"summary {model}: a saved model has its own settings and shapes; "
                              f"drop DATASET, --set and --data-root")
        name = model
        net, head, missing = _saved(model)
    elif dataset is not None:
        name = model
        net, opts = for_training(model, dataset, settings, data_root)
        head = f"{model} as `ganzoo train {model} {opts.dataset}` builds it: {_hparams_text(net)}"
        missing = set()
    else:
        name = model
        spec = registry.get_model(model)  # unknown names fail before torch is imported
        if data_root is not None:
            raise ConfigError(f"summary {model}: --data-root needs a DATASET "
                              f"(ganzoo summary {model} DATASET --data-root DIR)")
        from .api import create_model

        net = create_model(model, **settings)
        head = f"{model} with {'these' if settings else 'its default'} settings: {_hparams_text(net)}"
        if spec.default_dataset:
            head += (f"\n(`ganzoo train {model}` trains on {spec.default_dataset}; "
                     f"that network: ganzoo summary {model} {spec.default_dataset})")
        missing = set()
    return Summary(name=name, head=head, networks=summaries(net, batch_size=batch_size, depth=depth),
                   missing=missing)


def _is_saved(name: str) -> bool:
    """Whether ``name`` names saved weights (not a registered model): a pretrained name, a
    folder, a path or a Hub repo id."""
    import os

    from . import registry

    if name in registry.names("model"):
        return False
    return (name in registry.names("pretrained") or Path(name).expanduser().exists()
            or "/" in name or os.sep in name or name.startswith((".", "~", "hf-hub:")))


def _saved(ref: str) -> tuple[Any, str, set[str]]:
    """The loaded model, the summary's first line, and the networks its folder does not hold."""
    from .api import load, resolve
    from .weights import WEIGHTS_NAME

    folder = resolve(ref)
    net = load(folder)
    data = net.zoo_config
    name = data.get("model", "model")
    files = data.get("files") if isinstance(data.get("files"), dict) else {net.primary: WEIGHTS_NAME}
    held = {role for role, file in files.items() if (folder / str(file)).is_file()}
    dataset = data.get("dataset", {}).get("name") if isinstance(data.get("dataset"), dict) else None
    trained = f", trained on {dataset}" if dataset else ""
    head = f"{ref}: {name} saved in {folder}{trained}: {_hparams_text(net)}"
    return net, head, set(net.networks()) - held


def _hparams_text(model: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in dict(getattr(model, "config", {}) or {}).items()) or "(none)"


def summaries(model: Any, batch_size: int = 1, depth: int = 3) -> dict[str, Any]:
    """torchinfo ``ModelStatistics`` for every network of ``model`` (G and D for a GAN).

    Print them with :func:`render`, not ``str()``: see there why.
    """
    import torchinfo

    out = {}
    for name, net in model.networks().items():
        example = model.example_input(name, batch_size)
        out[name] = torchinfo.summary(
            net,
            input_data=list(example) if isinstance(example, tuple) else [example],
            depth=depth,
            verbose=0,
            col_names=("input_size", "output_size", "num_params"),
            device="cpu",
            mode="eval",
        )
    return out


_ENUM_UNIT = re.compile(r"\(Units\.([A-Z]+)\)")


def render(stats: Any) -> str:
    """torchinfo's text for ``stats`` with readable units: ``Total mult-adds (M)``.

    torchinfo 1.8 puts its ``Units`` enum (a ``str`` mixin) into an f-string; since Python 3.11
    that formats as ``Units.MEGABYTES`` instead of the value ``M``.
    """
    from torchinfo.enums import Units

    def unit(match: re.Match[str]) -> str:
        member = Units.__members__.get(match.group(1))
        return f"({member.value})" if member is not None else match.group(0)

    return _ENUM_UNIT.sub(unit, str(stats))


def for_training(model: str, dataset: str | None = None, settings: dict[str, Any] | None = None,
                 data_root: str | Path | None = None) -> tuple[Any, ResolvedOptions]:
    """The untrained model ``ganzoo train MODEL DATASET`` builds, and the run's options.

    The same steps as the trainer (:func:`ganzoo.options.resolve`, then
    :func:`ganzoo.training.setup.model_hparams`): the per-dataset recipe's hyperparameters,
    then the data's shape. A dataset whose spec declares its native shape (and its classes, when
    the model needs them) is not loaded; any other is, as training would load it.
    """
    from . import options, tasks
    from .training import setup

    opts = options.resolve(model, dataset, settings or {},
                           {"data_root": data_root} if data_root is not None else {},
                           runs_dir=None)  # nothing is written: no run folder to check
    bundle = shape_only(opts) or setup.load_data(opts)
    tasks.get(opts.model_spec.task).check_data(opts, bundle)
    return setup.build_model(opts, setup.model_hparams(opts, bundle)), opts


def shape_only(opts: ResolvedOptions) -> DataBundle | None:
    """An empty stand-in with the shape the dataset would have, when its spec alone says it.

    Mirrors the request contract of :class:`ganzoo.data.DataRequest`: a native shape is kept
    unless the model's settings ask for another size or channel count. None when the spec does
    not say enough (no native shape, or classes the model needs but the spec does not list).
    """
    import torch

    from . import registry
    from .data import DataBundle, Split
    from .training.setup import data_request

    spec = registry.get_dataset(opts.dataset)
    shape = tuple(spec.shape or ())
    names = list(spec.class_names) if spec.labelled and spec.class_names else None
    if not shape or ("num_classes" in opts.model_spec.data_params.values() and names is None):
        return None
    request = data_request(opts)
    if spec.modality == "image":
        if len(shape) != 3:
            return None
        size = (request.image_size, request.image_size) if request.image_size else shape[1:]
        x = torch.empty((0, request.channels or shape[0], *size), dtype=torch.uint8)
        y = torch.empty(0, dtype=torch.int64) if spec.labelled else None
    else:
        x = torch.empty((0, request.seq_len or shape[0]))
        y = torch.empty_like(x)
    return DataBundle(name=opts.dataset, modality=spec.modality, train=Split(x, y), test=Split(x, y),
                      class_names=names, value_range=spec.value_range)

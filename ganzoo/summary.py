"""Architecture summaries through torchinfo, one per network of a model.

:func:`for_training` builds the model ``ganzoo train MODEL DATASET`` would build (the model's
per-dataset recipe and the data's shape), so a summary shows the network that really trains,
not the bare defaults.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .data import DataBundle
    from .options import ResolvedOptions


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

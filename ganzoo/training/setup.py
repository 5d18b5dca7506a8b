"""Turning resolved options into data, a model and a loss (imports torch)."""

from __future__ import annotations

from typing import Any

import torch

from .. import config as _config
from ..data import DataBundle, DataRequest
from ..errors import ConfigError, DataError
from ..options import ResolvedOptions


def pick_device(name: str) -> torch.device:
    """``auto`` prefers cuda, then mps, then cpu; an explicit but missing device raises."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda: no CUDA device is available here (use --device auto or cpu)")
    if name == "mps" and not (getattr(torch.backends, "mps", None) is not None
                              and torch.backends.mps.is_available()):
        raise ConfigError("--device mps: no Apple MPS device is available here (use --device auto or cpu)")
    return torch.device(name)


def data_request(opts: ResolvedOptions) -> DataRequest:
    """The user's explicit shape settings plus the model's defaults (see DataRequest)."""
    spec, explicit = opts.model_spec, opts.model_settings
    wanted: dict[str, Any] = {"image_size": None, "channels": None, "seq_len": None}
    defaults: dict[str, Any] = {"image_size": None, "channels": None, "seq_len": None}
    for hparam, field_name in spec.data_params.items():
        if field_name in wanted:
            wanted[field_name] = explicit.get(hparam)
            defaults[field_name] = spec.params[hparam].default if hparam in spec.params else None
    return DataRequest(
        name=opts.dataset, root=opts.data_root, image_size=wanted["image_size"],
        channels=wanted["channels"], seq_len=wanted["seq_len"],
        default_image_size=defaults["image_size"], default_channels=defaults["channels"],
        default_seq_len=defaults["seq_len"], seed=opts.seed, options=dict(opts.data_settings),
        download=opts.download, cache_dir=opts.cache_dir, use_cache=opts.cache,
    )


def load_data(opts: ResolvedOptions) -> DataBundle:
    from ..data import load_dataset

    precheck_model(opts)
    return load_dataset(opts.dataset, data_request(opts))


def precheck_model(opts: ResolvedOptions) -> None:
    """Refuse a model above the parameter limit before its data loads (minutes and gigabytes
    at a large image size). It is sized on the meta device with the shape the data will have
    where the dataset's spec says so, else with the model's own settings, which such a dataset
    follows; :func:`build_model` checks the exact model again after loading."""
    from ..errors import GanzooError
    from ..limits import check_spec
    from ..summary import shape_only

    spec = opts.model_spec
    bundle = shape_only(opts)
    try:
        hparams = (model_hparams(opts, bundle) if bundle is not None
                   else _config.resolve("model", spec.name, spec.params, opts.model_settings))
    except GanzooError:
        return  # a conflict with the data: the loaded data names it better
    check_spec(spec, hparams)


def data_fields(bundle: DataBundle) -> dict[str, int | None]:
    """The shape fields a model can take from the data."""
    shape = bundle.sample_shape
    out: dict[str, int | None] = {"num_classes": bundle.num_classes}
    if bundle.modality == "image":
        if len(shape) != 3:
            raise DataError(f"dataset '{bundle.name}': images must be (C, H, W), got shape {shape}")
        out["channels"] = shape[0]
        out["image_size"] = shape[1] if shape[1] == shape[2] else None
    else:
        out["seq_len"] = shape[0] if shape else None
    return out


def model_hparams(opts: ResolvedOptions, bundle: DataBundle) -> dict[str, Any]:
    """The model's settings: user values, then the data's shape, then the spec defaults.

    An explicit setting that contradicts the data (``num_classes=5`` on 10 classes) raises.
    """
    spec = opts.model_spec
    values = dict(opts.model_settings)
    fields = data_fields(bundle)
    for hparam, field_name in spec.data_params.items():
        found = fields.get(field_name)
        if found is None:
            if field_name == "image_size" and bundle.modality == "image":
                h, w = bundle.sample_shape[1:]
                raise DataError(f"dataset '{bundle.name}': model '{spec.name}' needs square images, "
                                f"got {h}x{w} (set --set image_size=N to resize)")
            continue
        if hparam in values and values[hparam] != found:
            raise ConfigError(
                f"model '{spec.name}': --set {hparam}={values[hparam]} conflicts with dataset "
                f"'{bundle.name}', which has {field_name} {found} (drop the setting or change the data)"
            )
        values[hparam] = found
    return _config.resolve("model", spec.name, spec.params, values)


def build_model(opts: ResolvedOptions, hparams: dict[str, Any]) -> Any:
    model = opts.model_spec.load_builder()(**hparams)
    if model.task != opts.model_spec.task:
        built = model.task or "task-less"
        article = "an" if built[:1] in "aeiou" else "a"
        raise ConfigError(f"model '{opts.model_spec.name}' built {article} {built} model, "
                          f"but its spec declares {opts.model_spec.task}")
    return model


def build_loss(opts: ResolvedOptions) -> Any:
    return opts.loss_spec.load_builder()(**opts.loss_settings)


def check_data(opts: ResolvedOptions, bundle: DataBundle, task: Any) -> None:
    """Fail early with a clear message when the data cannot train this task."""
    if len(bundle.train) == 0:
        raise DataError(f"dataset '{bundle.name}': the training split is empty")
    if task.drop_last and len(bundle.train) < opts.batch_size:
        raise ConfigError(f"--batch-size {opts.batch_size} is larger than the {len(bundle.train)} "
                          f"training items of '{bundle.name}' ({task.name} models drop the last "
                          f"partial batch)")
    task.check_data(opts, bundle)

"""The weights folder format: ``model.safetensors`` + ``config.json`` (+ ``ROLE.safetensors`` for
a model's other networks, ``README.md``).

A trainer's result folder is a weights folder. ``config.json`` names the registered model and
every hyperparameter, so :func:`load_folder` rebuilds the architecture from the registry and
loads the tensors strictly; nothing is ever unpickled (only :func:`convert` reads a ``.pth``, and
with ``weights_only=True``). Where a name points (a folder, a pretrained name, a Hub repo) is
decided above this module, in :mod:`ganzoo.api`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ConfigError, GanzooError, UnknownName, WeightsError
from .io import write_json, write_with
from .schema import config_problem, read_json_limited

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
#: A config.json is a few KB; one this large is not ganzoo's (and would be read into memory).
CONFIG_LIMIT = 32 * 2**20


def _state(net: Any) -> dict[str, Any]:
    return {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}


def save_folder(model: Any, folder: str | Path, config: dict[str, Any],
                networks: Iterable[str] | None = None) -> Path:
    """Write ``model`` and ``config`` into ``folder`` atomically, file by file.

    ``config`` is the run's description (data, loss, training settings, metrics); the model's
    name, task and hyperparameters are filled in here so every folder is self-describing.
    ``networks`` limits which networks are written (the primary one always is); by default all.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    primary = model.primary
    keep = None if networks is None else {primary, *networks}
    networks = {r: n for r, n in model.networks().items() if keep is None or r in keep}
    # The primary network is model.safetensors; every other one ROLE.safetensors (a GAN's
    # discriminator.safetensors), so the folder resumes fine-tuning, not only inference.
    files = {role: WEIGHTS_NAME if role == primary else f"{role}.safetensors" for role in networks}
    # One metadata key only: safetensors serialises metadata from a hash map, so with two keys
    # their order (and the file's bytes) changes from run to run. The version is in config.json.
    meta = {"format": "pt"}
    for role, name in files.items():
        write_with(folder / name, lambda p, net=networks[role]: save_file(_state(net), str(p), metadata=meta))
    full = {
        "format_version": FORMAT_VERSION,
        "ganzoo_version": __version__,
        "model": config.get("model"),
        "task": model.task,
        "hparams": dict(model.config),
        **{k: v for k, v in config.items() if k not in ("model", "hparams")},
        "files": files,
    }
    from .card import write_card

    # config.json last: a folder is complete exactly when its config.json names this run's step,
    # so a crash anywhere before it leaves a run that `ganzoo train --resume` finishes.
    write_card(folder, full, model)
    write_json(folder / CONFIG_NAME, full)
    return folder


def read_config(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        if (Path(folder) / "checkpoints").is_dir():  # a run folder whose weights are not saved yet
            raise WeightsError(f"{folder}: this run has no weights yet (still training, or stopped before "
                               f"its end); finish it with `ganzoo train --resume {folder}`")
        raise WeightsError(f"{path}: missing config.json (is {folder} a ganzoo weights folder?)")
    try:
        data = read_json_limited(path, CONFIG_LIMIT)
    except ValueError as exc:  # not UTF-8, not JSON, too large or nested too deeply
        raise WeightsError(f"{path}: invalid JSON ({exc}); restore it or re-export the folder") from None
    if not isinstance(data, dict) or not isinstance(data.get("model"), str):
        raise WeightsError(f"{path}: config.json must be an object naming a registered 'model'")
    found = config_problem(data)
    if found is not None:
        raise WeightsError(f"{path}: {found}; restore it or re-export the folder")
    return data


# --------------------------------------------------------------------------------------------
# Loading


def validate_config(folder: str | Path, data: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The model spec and typed hyperparameters a ``config.json`` describes, or a clear error."""
    from . import config as cfg
    from . import registry

    path = Path(folder) / CONFIG_NAME
    try:
        spec = registry.get_model(data["model"])
    except UnknownName as exc:
        raise WeightsError(f"{path}: {exc} — install the plugin that provides it") from None
    hparams = data.get("hparams", {})
    if not isinstance(hparams, dict):
        raise WeightsError(f"{path}: 'hparams' must be an object of hyperparameters")
    try:
        values = cfg.resolve("model", spec.name, spec.params, hparams)
    except (UnknownName, ConfigError) as exc:
        raise WeightsError(f"{path}: {exc}") from None
    return spec, values


_PREFIXES = ("module.", "_orig_mod.")


def strip_prefixes(state: dict[str, Any]) -> dict[str, Any]:
    """Drop the ``module.`` (DataParallel/DDP) and ``_orig_mod.`` (torch.compile) wrappers."""
    out = {}
    for key, value in state.items():
        changed = True
        while changed:
            changed = False
            for prefix in _PREFIXES:
                if key.startswith(prefix):
                    key, changed = key[len(prefix):], True
        out[key] = value
    return out


def _fmt_keys(keys: list[str]) -> str:
    shown = ", ".join(f"'{k}'" for k in keys[:3])
    return shown + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def check_state(net: Any, state: dict[str, Any], where: str) -> None:
    """Strict key and shape check with messages naming the tensor; ``load_state_dict`` after."""
    expected = net.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing:
        raise WeightsError(f"{where}: missing tensors {_fmt_keys(missing)} — the file does not match "
                           "the architecture in config.json (was it saved from another model or settings?)")
    if unexpected:
        raise WeightsError(f"{where}: unexpected tensors {_fmt_keys(unexpected)} — the file does not "
                           "match the architecture in config.json (was it saved from another model or settings?)")
    for key, ref in expected.items():
        got = state[key]
        if tuple(got.shape) != tuple(ref.shape):
            raise WeightsError(f"{where}: shape mismatch for tensor '{key}': file has {tuple(got.shape)}, "
                               f"the model built from config.json expects {tuple(ref.shape)} "
                               "(check hparams in config.json)")


def read_tensors(path: Path) -> dict[str, Any]:
    """A safetensors file's tensors; truncated or corrupt files raise naming the file."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not path.is_file():
        raise WeightsError(f"{path}: missing weights file (re-export the folder or re-download it)")
    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(f"{path}: corrupt or truncated safetensors file ({reason}); "
                           "re-download it or re-export the folder") from None


def load_folder(folder: str | Path, device: Any = None) -> Any:
    """Rebuild the model a weights folder describes and load its tensors strictly, in eval mode."""
    import torch

    folder = Path(folder)
    if not folder.is_dir():
        raise WeightsError(f"{folder}: no such weights folder (expected a folder with config.json "
                           "and model.safetensors)")
    data = read_config(folder)
    spec, hparams = validate_config(folder, data)
    try:
        model = spec.load_builder()(**hparams)
    except GanzooError as exc:
        raise WeightsError(f"{folder / CONFIG_NAME}: {exc}") from None
    networks = model.networks()
    files = data.get("files") or {model.primary: WEIGHTS_NAME}
    if not isinstance(files, dict):
        raise WeightsError(f"{folder / CONFIG_NAME}: 'files' must map network names to file names")
    for role, name in files.items():
        if role not in networks or not isinstance(name, str) or "/" in name or name.startswith("."):
            raise WeightsError(f"{folder / CONFIG_NAME}: 'files' names an unknown network or file "
                               f"{role!r}: {name!r} (networks: {', '.join(networks)})")
        path = folder / name
        if role != model.primary and not path.is_file():
            log.info("%s: %s not present, keeping a fresh %s", folder, name, role)
            continue
        state = strip_prefixes(read_tensors(path))
        check_state(networks[role], state, str(path))
        networks[role].load_state_dict(state, strict=True)
    model.zoo_config = data
    model.eval()
    return model.to(torch.device(device) if device is not None else "cpu")


# --------------------------------------------------------------------------------------------
# Converting the seeds' ``torch.save(model.state_dict())`` files


def _map_state(source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any] | None:
    """Source tensors renamed to the target's keys, by name or else by position; None if no fit."""

    def fits(mapped: dict[str, Any]) -> bool:
        return set(mapped) == set(target) and all(
            tuple(v.shape) == tuple(target[k].shape) for k, v in mapped.items())

    if fits(source):
        return source
    # Drop one leading component shared by every source key (the seeds' ``main.`` / ``model.``).
    heads = {k.split(".", 1)[0] for k in source}
    if len(heads) == 1 and all("." in k for k in source):
        renamed = {k.split(".", 1)[1]: v for k, v in source.items()}
        if fits(renamed):
            return renamed
    # Same layers in the same order under other names (``linear_relu_stack.0`` vs ``1``).
    if len(source) == len(target) and all(
        tuple(s.shape) == tuple(t.shape) for s, t in zip(source.values(), target.values())
    ):
        return dict(zip(target, source.values()))
    return None


def _unwrap(obj: Any, path: Path) -> dict[str, Any]:
    import torch

    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not obj or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()
    ):
        raise WeightsError(f"{path}: not a state dict (expected the file of "
                           "torch.save(model.state_dict()))")
    return obj


def read_state_dict(path: str | Path) -> dict[str, Any]:
    """A ``.pth`` state dict read with ``weights_only=True``: tensors only, no code runs."""
    import pickle
    import warnings

    import torch

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such state dict file")
    with path.open("rb") as fh:
        head = fh.read(4)
    # torch.save writes a zip archive (a pickle, before torch 1.6): anything else (a text file,
    # /etc/passwd, a picture) is refused before the unpickler reads it.
    if not (head.startswith(b"PK\x03\x04") or (head[:1] == b"\x80" and head[1:2] in b"\x02\x03\x04\x05")):
        raise WeightsError(f"{path}: not a checkpoint of a known kind (neither a torch.save zip archive "
                           "nor a pickle); pass the file of torch.save(model.state_dict())")
    try:
        with warnings.catch_warnings():  # torch's note on an unusual pickle protocol: the error says more
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"{path}: cannot read as a weights-only state dict ({reason}); "
                           "save it with torch.save(model.state_dict())") from None
    except Exception as exc:  # noqa: BLE001 - garbage bytes break the unpickler in any way
        raise WeightsError(f"{path}: not a checkpoint of a known kind (torch.load: {type(exc).__name__}); "
                           "pass the file of torch.save(model.state_dict())") from None
    return strip_prefixes(_unwrap(obj, path))


def convert(state_dict: str | Path, model_name: str, out: str | Path, *,
            hparams: dict[str, Any] | None = None, network: str | None = None,
            discriminator: str | Path | None = None, dataset: dict[str, Any] | None = None,
            value_range: tuple[float, float] | None = None) -> Path:
    """Turn a seed's state dict into a weights folder; ``out`` must not hold a folder already.

    ``network`` says which of the model's networks the file holds; by default the first one whose
    layers match. A GAN's discriminator may come from a second file. Only the networks that
    were converted are written (never a randomly initialised one). ``value_range`` is the range
    of the images the seed's network was fed (``(0, 1)`` for ``ToTensor`` data); by default the
    model's own (``ZooModel.value_range``).
    """
    import hashlib

    from . import config as cfg
    from . import registry

    out = Path(out)
    if (out / CONFIG_NAME).exists() or (out / WEIGHTS_NAME).exists():
        raise WeightsError(f"{out}: already holds a weights folder; choose another --out "
                           "(nothing was overwritten)")
    spec = registry.get_model(model_name)
    model = spec.load_builder()(**cfg.resolve("model", model_name, spec.params, hparams or {}))
    networks = model.networks()
    if network is not None and network not in networks:
        raise UnknownName("network", network, networks, hint=f"ganzoo summary {model_name}")
    sources: list[tuple[Path, str | None]] = [(Path(state_dict), network)]
    if discriminator is not None:
        if "discriminator" not in networks:
            raise WeightsError(f"model '{model_name}' has no discriminator; drop --discriminator")
        sources.append((Path(discriminator), "discriminator"))
    converted: dict[str, Any] = {}
    for path, role in sources:
        state = read_state_dict(path)
        candidates = [role] if role else [r for r in networks if r not in converted]
        for candidate in candidates:
            target = networks[candidate].state_dict()
            mapped = _map_state(state, target)
            if mapped is not None:
                networks[candidate].load_state_dict(mapped, strict=True)
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                converted[candidate] = {"file": path.name, "sha256": digest}
                break
        else:
            want = ", ".join(f"{c} ({len(networks[c].state_dict())} tensors)" for c in candidates)
            first = next(iter(state.items()))
            raise WeightsError(
                f"{path}: its {len(state)} tensors (first '{first[0]}' {tuple(first[1].shape)}) match "
                f"no network of '{model_name}' with these settings: {want}; check --set "
                f"({', '.join(list(spec.params)[:5])}, ...: ganzoo info {model_name}) against the seed's code")
    if model.primary not in converted:
        only = ", ".join(f"{c} ({v['file']})" for c, v in converted.items())
        raise WeightsError(f"convert: got only the {only}; a weights folder needs the {model.primary} "
                           f"too (model.safetensors): pass its file first")
    data = dict(dataset or {})
    if value_range is not None:
        lo, hi = (float(v) for v in value_range)
        if not lo < hi:
            raise WeightsError(f"convert: --value-range must be LO,HI with LO < HI, got {lo},{hi}")
        data["value_range"] = [lo, hi]
    config = {"model": model_name, "dataset": data, "converted_from": converted}
    return save_folder(model, out, config, networks=list(converted))

"""The weights folder format: ``model.safetensors`` + ``config.json`` (+ ``discriminator.safetensors``).

A trainer's result folder is a weights folder. ``config.json`` names the registered model and
every hyperparameter, so :func:`load_folder` rebuilds the architecture from the registry and
loads the tensors strictly; nothing is ever unpickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import __version__
from .errors import WeightsError
from .io import write_json, write_with

FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
DISCRIMINATOR_NAME = "discriminator.safetensors"


def _state(net: Any) -> dict[str, Any]:
    return {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}


def save_folder(model: Any, folder: str | Path, config: dict[str, Any]) -> Path:
    """Write ``model`` and ``config`` into ``folder`` atomically, file by file.

    ``config`` is the run's description (data, loss, training settings, metrics); the model's
    name, task and hyperparameters are filled in here so every folder is self-describing.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    networks = model.networks()
    primary = model.primary
    files = {primary: WEIGHTS_NAME}
    meta = {"format": "pt", "ganzoo_version": __version__}
    write_with(folder / WEIGHTS_NAME, lambda p: save_file(_state(networks[primary]), str(p), metadata=meta))
    if "discriminator" in networks:
        files["discriminator"] = DISCRIMINATOR_NAME
        write_with(folder / DISCRIMINATOR_NAME,
                   lambda p: save_file(_state(networks["discriminator"]), str(p), metadata=meta))
    full = {
        "format_version": FORMAT_VERSION,
        "ganzoo_version": __version__,
        "model": config.get("model"),
        "task": model.task,
        "hparams": dict(model.config),
        **{k: v for k, v in config.items() if k not in ("model", "hparams")},
        "files": files,
    }
    write_json(folder / CONFIG_NAME, full)
    return folder


def read_config(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / CONFIG_NAME
    if not path.is_file():
        raise WeightsError(f"{path}: missing config.json (is {folder} a ganzoo weights folder?)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeightsError(f"{path}: invalid JSON ({exc}); restore it or re-export the folder") from None
    if not isinstance(data, dict) or not isinstance(data.get("model"), str):
        raise WeightsError(f"{path}: config.json must be an object naming a registered 'model'")
    return data

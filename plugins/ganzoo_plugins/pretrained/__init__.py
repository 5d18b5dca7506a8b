"""The pretrained zoo: one :class:`~ganzoo.specs.WeightsSpec` per folder of the repo's ``weights/``.

``weights`` next to this module is a link to the repository's ``weights/`` folder, so an editable
install reads the folders in place and a wheel carries real copies as package data (see
``[tool.setuptools.package-data]``). Registration reads each small ``config.json`` with ``json``
only: ``ganzoo list --pretrained`` never imports torch.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ganzoo import hookimpl
from ganzoo.specs import WeightsSpec

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

def spec_for(folder: Path) -> WeightsSpec | None:
    """The spec a shipped folder describes, or None (logged) when its config.json is unusable."""
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("pretrained %s: unreadable config.json (%s); skipped", folder.name, exc)
        return None
    model = config.get("model") if isinstance(config, dict) else None
    if not isinstance(model, str) or not folder.name.startswith(model + "."):
        log.warning("pretrained %s: config.json names model %r, not the folder's arch; skipped",
                    folder.name, model)
        return None
    dataset: Any = config.get("dataset") or {}
    dataset_name = dataset.get("name", "") if isinstance(dataset, dict) else str(dataset)
    evaluation = config.get("evaluation") if isinstance(config.get("evaluation"), dict) else {}
    measured = evaluation.get("metrics") if isinstance(evaluation.get("metrics"), dict) else {}
    metrics = {k: v for k, v in measured.items() if isinstance(v, (int, float))}
    shape = "x".join(str(s) for s in dataset.get("shape", [])) if isinstance(dataset, dict) else ""
    description = f"{model} trained on {dataset_name}" + (f" ({shape})" if shape else "")
    return WeightsSpec(name=folder.name, path=str(folder), model=model, dataset=dataset_name,
                       description=description, metrics=metrics)


def folders(root: Path = WEIGHTS_DIR) -> list[Path]:
    """The weights folders under ``root``: ``arch.tag`` directories holding a config.json."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()  # dot-folders are half-made (a staging copy)
                  if p.is_dir() and not p.name.startswith(".") and (p / "config.json").is_file())


@hookimpl
def register_weights(register):
    for folder in folders():
        spec = spec_for(folder)
        if spec is not None:
            register(spec)

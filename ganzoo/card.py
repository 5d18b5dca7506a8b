"""The model card (``README.md``) of a weights folder, built with huggingface_hub's ``ModelCard``.

The card is what a person sees on the Hub: YAML metadata the Hub indexes (``library_name:
ganzoo``, tags, datasets, metrics) and a body that says how the weights were made (the exact
``ganzoo train`` command), what the network looks like (torchinfo) and how to load them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import display
from .io import atomic_open

CARD_NAME = "README.md"


def _summary_text(model: Any) -> str:
    try:
        from .summary import render, summaries

        return "\n\n".join(f"{name}\n{render(stats)}" for name, stats in summaries(model).items())
    except Exception as exc:  # noqa: BLE001 - a card without a summary beats no weights folder
        return f"(summary unavailable: {type(exc).__name__}: {exc})"


def build_card(config: dict[str, Any], model: Any = None, folder: str | Path | None = None,
               ref: str = "USER/REPO") -> Any:
    """A ``huggingface_hub.ModelCard`` for a folder's ``config.json`` (and the model, for the summary).

    The task (``TaskSpec``) gives the Hub ``pipeline_tag`` and tags, the picture shown first and
    the usage lines; ``ref`` is the name those lines load.
    """
    from huggingface_hub import ModelCard, ModelCardData

    from . import registry

    name = str(config.get("model") or "model")
    task = str(config.get("task") or "")
    spec = registry.catalog().specs["task"].get(task)
    data = config.get("dataset") if isinstance(config.get("dataset"), dict) else {}
    dataset_name = data.get("name") if isinstance(data.get("name"), str) else None
    metrics = config.get("metrics") if isinstance(config.get("metrics"), dict) else {}
    tags = ["ganzoo", "pytorch", name]
    if spec is not None:
        tags += [*spec.tags, *([spec.pipeline_tag] if spec.pipeline_tag else [])]
    card_data = ModelCardData(
        library_name="ganzoo",
        pipeline_tag=(spec.pipeline_tag or None) if spec is not None else None,
        tags=tags,
        datasets=[dataset_name] if dataset_name else None,
        metrics=sorted(metrics) or None,
    )

    lines = [f"# {name}" + (f" trained on {dataset_name}" if dataset_name else ""), ""]
    lines.append(f"A `{name}` model ({task or 'model'}) saved by "
                 f"[ganzoo](https://pypi.org/project/ganzoo/) {config.get('ganzoo_version', '')}.")
    lines.append("")
    pictures = shown_pictures(config, folder) if folder is not None else []
    for picture in pictures:
        lines += [f"![{picture.rsplit('.', 1)[0]}]({picture})", ""]
    python, shell = _usage(task, ref)
    lines += ["## Use it", "", "```python", "import ganzoo", "", *python, "```", ""]
    if shell:
        lines += ["```bash", *shell, "```", ""]
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    if train.get("command"):
        lines += ["## How it was trained", "", "```bash", str(train["command"]), "```", ""]
    if config.get("converted_from"):
        lines += ["## Origin", "", "Converted with `ganzoo convert` from: "
                  + ", ".join(f"`{v.get('file')}` ({k})" for k, v in config["converted_from"].items()), ""]
    if metrics:
        lines += ["## Metrics", "", "| metric | value |", "|---|---|"]
        modality = data.get("modality") if isinstance(data.get("modality"), str) else None
        lines += [f"| {k} | {v} |" for k, v in display.metrics(metrics, modality, spec)]
        lines.append("")
    lines += ["## Settings", "", "```json",
              json.dumps({"hparams": config.get("hparams", {}), "dataset": data}, indent=2, default=str),
              "```", ""]
    if model is not None:
        lines += ["## Architecture", "", "```", _summary_text(model), "```", ""]
    return ModelCard(f"---\n{card_data.to_yaml()}\n---\n\n" + "\n".join(lines))


def shown_pictures(config: dict[str, Any], folder: str | Path) -> list[str]:
    """The pictures the card shows, in order: the task's picture, then the run's PNGs.

    Only top-level files of ``folder`` count. ``ganzoo push`` uploads exactly these, so a pushed
    card never links a picture the repo lacks, and per-epoch pictures and GIFs stay local.
    """
    from . import registry

    spec = registry.catalog().specs["task"].get(str(config.get("task") or ""))
    shown = [spec.picture] if spec is not None and spec.picture else []
    shown += [p for p in config.get("pictures") or [] if isinstance(p, str) and p.endswith(".png")]
    return [p for p in dict.fromkeys(shown)
            if "/" not in p and "\\" not in p and not p.startswith(".") and (Path(folder) / p).is_file()]


def _usage(task: str, ref: str) -> tuple[list[str], list[str]]:
    from . import registry, tasks

    if task in registry.names("task"):
        return tasks.get(task).usage(ref)
    return [f'model = ganzoo.load("{ref}")'], []


def write_card(folder: str | Path, config: dict[str, Any], model: Any = None) -> Path:
    """Write ``README.md`` into ``folder`` atomically."""
    path = Path(folder) / CARD_NAME
    text = str(build_card(config, model, folder))
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path

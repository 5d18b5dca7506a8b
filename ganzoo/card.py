"""The model card (``README.md``) of a weights folder, built with huggingface_hub's ``ModelCard``.

The card is what a person sees on the Hub: YAML metadata the Hub indexes (``library_name:
ganzoo``, tags, datasets, metrics) and a body that says how the weights were made (the exact
``ganzoo train`` command), what the network looks like (torchinfo) and how to load them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .io import atomic_open

CARD_NAME = "README.md"
_PICTURES = ("samples.png", "grid.png", "confusion.png", "forecast.png", "losses.png")


def _summary_text(model: Any) -> str:
    try:
        from .summary import summaries

        return "\n\n".join(f"{name}\n{stats}" for name, stats in summaries(model).items())
    except Exception as exc:  # noqa: BLE001 - a card without a summary beats no weights folder
        return f"(summary unavailable: {type(exc).__name__}: {exc})"


def build_card(config: dict[str, Any], model: Any = None, folder: str | Path | None = None) -> Any:
    """A ``huggingface_hub.ModelCard`` for a folder's ``config.json`` (and the model, for the summary)."""
    from huggingface_hub import ModelCard, ModelCardData

    name = str(config.get("model") or "model")
    task = str(config.get("task") or "")
    data = config.get("dataset") if isinstance(config.get("dataset"), dict) else {}
    dataset_name = data.get("name") if isinstance(data.get("name"), str) else None
    metrics = config.get("metrics") if isinstance(config.get("metrics"), dict) else {}
    tags = ["ganzoo", "pytorch", name]
    tags += {"adversarial": ["gan", "unconditional-image-generation"],
             "classification": ["image-classification"],
             "regression": ["time-series-forecasting"]}.get(task, [])
    card_data = ModelCardData(
        library_name="ganzoo",
        tags=tags,
        datasets=[dataset_name] if dataset_name else None,
        metrics=sorted(metrics) or None,
    )

    lines = [f"# {name}" + (f" trained on {dataset_name}" if dataset_name else ""), ""]
    lines.append(f"A `{name}` model ({task or 'model'}) saved by "
                 f"[ganzoo](https://pypi.org/project/ganzoo/) {config.get('ganzoo_version', '')}.")
    lines.append("")
    pictures = [p for p in _PICTURES if folder is not None and (Path(folder) / p).is_file()]
    for pic in pictures:
        lines += [f"![{pic.rsplit('.', 1)[0]}]({pic})", ""]
    lines += ["## Use it", "", "```python", "import ganzoo", "",
              'model = ganzoo.load("USER/REPO")  # or a local folder']
    if task == "adversarial":
        lines.append("images = model.sample(64, seed=0)  # float (64, C, H, W) in [0, 1]")
    elif task == "classification":
        lines.append("indices, probs = model.predict(images)  # images float (N, C, H, W) in [0, 1]")
    elif task == "regression":
        lines.append("future = model.forecast(series, steps=10)")
    lines += ["```", "", "```bash"]
    lines.append("ganzoo sample USER/REPO --n 64 --out grid.png" if task == "adversarial"
                 else "ganzoo predict USER/REPO INPUT...")
    lines += ["```", ""]
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    if train.get("command"):
        lines += ["## How it was trained", "", "```bash", str(train["command"]), "```", ""]
    if config.get("converted_from"):
        lines += ["## Origin", "", "Converted with `ganzoo convert` from: "
                  + ", ".join(f"`{v.get('file')}` ({k})" for k, v in config["converted_from"].items()), ""]
    if metrics:
        lines += ["## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in metrics.items()]
        lines.append("")
    lines += ["## Settings", "", "```json",
              json.dumps({"hparams": config.get("hparams", {}), "dataset": data}, indent=2, default=str),
              "```", ""]
    if model is not None:
        lines += ["## Architecture", "", "```", _summary_text(model), "```", ""]
    return ModelCard(f"---\n{card_data.to_yaml()}\n---\n\n" + "\n".join(lines))


def write_card(folder: str | Path, config: dict[str, Any], model: Any = None) -> Path:
    """Write ``README.md`` into ``folder`` atomically."""
    path = Path(folder) / CARD_NAME
    text = str(build_card(config, model, folder))
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path

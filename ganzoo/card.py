"""The model card (``README.md``) of a weights folder, in the format huggingface_hub's ``ModelCard`` reads.

The card is what a person sees on the Hub: YAML metadata the Hub indexes and a body that says how
the weights were made (the exact ``ganzoo train`` command), how good they are, what the network
looks like (torchinfo) and how to load them. The metadata is built with ``ModelCardData`` and
``EvalResult``, so ``huggingface_hub.ModelCard.load`` reads every field back:

- ``library_name: ganzoo``, the task's ``pipeline_tag`` and ``tags``, the ``datasets``;
- ``license``: ``config.json``'s ``license`` when it has one, else :data:`DEFAULT_LICENSE`;
- ``model-index``: the folder's evaluation (``ganzoo eval --write``) as ``eval_results``, else
  the task's headline metrics the training run measured on the test split; ``metrics`` names them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from . import display
from .io import atomic_open

CARD_NAME = "README.md"
#: The card's license when ``config.json`` names none: ganzoo's own (the shipped weights' too).
DEFAULT_LICENSE = "apache-2.0"
#: The usage lines' name when the card is not written for a known ref.
PLACEHOLDER_REF = "USER/REPO"


def _summary_text(model: Any) -> str:
    try:
        from .summary import render, summaries

        return "\n\n".join(f"{name}\n{render(stats)}" for name, stats in summaries(model).items())
    except Exception as exc:  # noqa: BLE001 - a card without a summary beats no weights folder
        return f"(summary unavailable: {type(exc).__name__}: {exc})"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def build_card(config: dict[str, Any], model: Any = None, folder: str | Path | None = None,
               ref: str = PLACEHOLDER_REF, space: str | None = None) -> str:
    """The model card's text (what ``huggingface_hub.ModelCard`` reads) for a folder's ``config.json``.

    The task (``TaskSpec``) gives the Hub ``pipeline_tag`` and tags, the picture shown first and
    the usage lines; ``ref`` is the name those lines load and the ``model-index`` entry's name
    (the folder's name when ``ref`` is left at the placeholder). ``space``: the id of the Space
    that demos the model (``ganzoo push --space``), linked near the top.
    """
    # The metadata class alone: ``ModelCard`` pulls in the whole Hub client (0.3 s at the end of
    # every training run) only to re-serialise the same YAML.
    from huggingface_hub.repocard_data import ModelCardData

    from . import registry

    name = str(config.get("model") or "model")
    task = str(config.get("task") or "")
    spec = registry.catalog().specs["task"].get(task)
    data = _dict(config.get("dataset"))
    dataset_name = data.get("name") if isinstance(data.get("name"), str) else None
    metrics = _dict(config.get("metrics"))
    tags = ["ganzoo", "pytorch", name]
    if spec is not None:
        tags += [*spec.tags, *([spec.pipeline_tag] if spec.pipeline_tag else [])]
    license_id = config.get("license") if isinstance(config.get("license"), str) and config["license"] else None
    index_name = ref if ref != PLACEHOLDER_REF else (Path(folder).name if folder is not None else name)
    results = eval_results(config, spec, dataset_name)
    card_data = ModelCardData(
        library_name="ganzoo",
        license=license_id or DEFAULT_LICENSE,
        pipeline_tag=(spec.pipeline_tag or None) if spec is not None else None,
        tags=list(dict.fromkeys(tags)),
        datasets=[dataset_name] if dataset_name else None,
        metrics=sorted({r.metric_type for r in results}) or None,
        model_name=index_name if results else None,
        eval_results=results or None,
    )

    lines = [f"# {name}" + (f" trained on {dataset_name}" if dataset_name else ""), ""]
    lines.append(f"A `{name}` model ({task or 'model'}) saved by "
                 f"[ganzoo](https://pypi.org/project/ganzoo/) {config.get('ganzoo_version', '')}.")
    lines.append("")
    if space:
        from .space import space_url

        lines += [f"**Try it in your browser:** [{space}]({space_url(space)}), a Gradio Space made by "
                  f"`ganzoo push --space` (or run `ganzoo demo {ref}` locally).", ""]
    pictures = shown_pictures(config, folder) if folder is not None else []
    for picture in pictures:
        lines += [f"![{picture.rsplit('.', 1)[0]}]({picture})", ""]
    python, shell = _usage(task, ref)
    lines += ["## Use it", "", "```python", "import ganzoo", "", *python, "```", ""]
    if shell:
        lines += ["```bash", *shell, "```", ""]
    train = _dict(config.get("train"))
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
    lines += _evaluation_section(config, index_name)
    lines += ["## Settings", "", "```json",
              json.dumps({"hparams": config.get("hparams", {}), "dataset": data}, indent=2, default=str),
              "```", ""]
    if model is not None:
        lines += ["## Architecture", "", "```", _summary_text(model), "```", ""]
    return f"---\n{card_data.to_yaml()}\n---\n\n" + "\n".join(lines)


def eval_results(config: dict[str, Any], spec: Any, dataset_name: str | None) -> list[Any]:
    """The card's ``model-index`` results (``huggingface_hub.EvalResult``), finite numbers only.

    A recorded evaluation (``config.json``'s ``evaluation``, from ``ganzoo eval --write``) wins;
    without one, the task's headline metrics (``TaskSpec.metrics``) that training measured on the
    test split. Loss curves and speeds are never evaluation results.
    """
    from huggingface_hub.repocard_data import EvalResult

    evaluation = _dict(config.get("evaluation"))
    if _dict(evaluation.get("metrics")):
        values = evaluation["metrics"]
        dataset = str(evaluation.get("dataset") or dataset_name or "")
    else:
        headline = set(spec.metrics) if spec is not None else set()
        values = {k: v for k, v in _dict(config.get("metrics")).items() if k in headline}
        dataset = dataset_name or ""
    if not dataset:
        return []
    task_type = (spec.pipeline_tag if spec is not None and spec.pipeline_tag else
                 str(evaluation.get("task") or config.get("task") or "other"))
    return [EvalResult(task_type=task_type, dataset_type=dataset, dataset_name=dataset, dataset_split="test",
                       metric_type=key, metric_name=key, metric_value=float(value))
            for key, value in values.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)]


def _evaluation_section(config: dict[str, Any], name: str) -> list[str]:
    """The ``## Evaluation`` section of a folder evaluated with ``ganzoo eval --write``."""
    from . import registry, tasks
    from .evaluate import fmt

    ev = _dict(config.get("evaluation"))
    if not _dict(ev.get("metrics")):
        return []
    how = f"N={ev.get('n')}, seed {ev.get('seed')}" + (f", {ev['feature_extractor']}"
                                                       if ev.get("feature_extractor") else "")
    lines = ["## Evaluation", "", f"Measured by `ganzoo eval {name}` on the `{ev.get('dataset')}` test split "
             f"({how}).", ""]
    lines += [f"- {note}" for note in ev.get("notes", []) if isinstance(note, str)]
    lines += ["", "| metric | value | target |", "|---|---|---|"]
    targets = _dict(ev.get("targets"))
    for key, value in ev["metrics"].items():
        t = _dict(targets.get(key))
        shown = fmt(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        lines.append(f"| {key} | {shown} | "
                     + (f"{t.get('target')}: {'pass' if t.get('pass') else 'FAIL'}" if t else "") + " |")
    task = str(ev.get("task") or "")
    if task in registry.names("task"):
        for note in tasks.get(task).card_notes(config):
            lines += ["", note]
    versions = _dict(ev.get("versions"))
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()), ""]
    return lines


def shown_pictures(config: dict[str, Any], folder: str | Path) -> list[str]:
    """The pictures the card shows, in order: the task's picture, then the run's PNGs.

    Only top-level files of ``folder`` count. ``ganzoo push`` uploads exactly these, so a pushed
    card never links a picture the repo lacks, and per-epoch pictures and GIFs stay local.
    """
    return [p for p in picture_names(config) if (Path(folder) / p).is_file()]


def picture_names(config: dict[str, Any]) -> list[str]:
    """The file names of the pictures a card for ``config`` may show, in order (plain names only)."""
    from . import registry

    spec = registry.catalog().specs["task"].get(str(config.get("task") or ""))
    shown = [spec.picture] if spec is not None and spec.picture else []
    shown += [p for p in config.get("pictures") or [] if isinstance(p, str) and p.endswith(".png")]
    return [p for p in dict.fromkeys(shown) if "/" not in p and "\\" not in p and not p.startswith(".")]


def _usage(task: str, ref: str) -> tuple[list[str], list[str]]:
    from . import registry, tasks

    if task in registry.names("task"):
        return tasks.get(task).usage(ref)
    return [f'model = ganzoo.load("{ref}")'], []


def write_card(folder: str | Path, config: dict[str, Any], model: Any = None) -> Path:
    """Write ``README.md`` into ``folder`` atomically."""
    path = Path(folder) / CARD_NAME
    text = build_card(config, model, folder)
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path

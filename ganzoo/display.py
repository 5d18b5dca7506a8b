"""Numbers for people: how ``ganzoo train``, ``ganzoo info`` and model cards print metrics.

JSON (``config.json``, ``metrics.jsonl``, ``--json``) keeps full precision; these are only
for text a person reads. Torch-free, so the catalogue commands can use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: The loop's training speed metric (``ganzoo.training.loop``), shown as a rate with a unit.
RATE_KEY = "images_per_sec"
#: What one training item is, by the data's modality (``DataBundle.modality``).
UNITS = {"image": "images", "series": "windows"}


def number(value: Any) -> str:
    """4 significant digits, trailing zeros kept so a column reads evenly (``0.3420``,
    ``1.159``, ``26.31``); from 1,000 up with separators (``24,390``); below 0.001 in
    scientific notation. Integers and text as they are."""
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if not math.isfinite(value) or value == 0:
        return str(value) if value else "0"
    rounded = float(f"{value:.4g}")
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    if abs(value) < 1e-3:
        return f"{value:.3e}"
    return f"{value:#.4g}"


def rate(value: float, modality: str | None = None) -> str:
    """A training speed: ``24,390 images/s``, ``512 windows/s``, ``59.3 images/s``."""
    unit = UNITS.get(modality or "", "samples")
    shown = f"{float(f'{value:.4g}'):,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{shown} {unit}/s"


def note(task: Any, key: str, value: Any) -> str:
    """The task's explanation of ``value`` for metric ``key`` (``TaskSpec.metric_notes``),
    when the value is below the note's bound; else ``""``."""
    notes = getattr(task, "metric_notes", None) or {}
    if key not in notes or isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    bound, text = notes[key]
    return text if value < bound else ""


def metrics(values: Mapping[str, Any], modality: str | None = None,
            task: Any = None) -> list[tuple[str, str]]:
    """``(label, text)`` for each metric: numbers via :func:`number`, the speed as a rate
    (under ``training speed``, with the data's unit: a series run reports no images), and a
    task's note in parentheses where a value needs one. A speed never measured is left out."""
    out = []
    for key, value in values.items():
        if key == RATE_KEY:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out.append(("training speed", rate(float(value), modality)))
            continue
        text = number(value)
        explained = note(task, key, value)
        out.append((key, f"{text} ({explained})" if explained else text))
    return out


def explained(task: Any, values: Mapping[str, Any]) -> list[str]:
    """``"kid -0.0905: <why>"`` for each metric the task explains at its value (for a task's
    ``ganzoo eval`` report and card notes, which print the table themselves)."""
    return [f"{key} {number(value)}: {text}" for key, value in values.items()
            if (text := note(task, key, value))]


def result_line(values: Mapping[str, Any], modality: str | None = None) -> str:
    """The final metrics ``ganzoo train`` prints: every float metric at the same precision,
    then the speed (``Loss_D 1.159, D(x) 0.5851, 2,486 images/s``)."""
    shown = {k: v for k, v in values.items() if isinstance(v, float) and k != "epoch"}
    return ", ".join(text if key == "training speed" else f"{key} {text}"
                     for key, text in metrics(shown, modality))


def article(word: str) -> str:
    """``"an"`` before a vowel sound as spelled (an adversarial model), else ``"a"``."""
    return "an" if word[:1].lower() in "aeiou" and word else "a"

"""Offline evaluation, measured the same way for every model of a task (``ganzoo eval``).

The core loads the weights and the dataset's test split, asks the model's task for its
scores (:meth:`ganzoo.tasks.Task.evaluate`: classifier-FID/KID for GANs, accuracy for
classifiers, MSE against the naive forecast for regressors) and checks them against the
task's targets (``TaskSpec.targets``). :func:`record` writes an :class:`Evaluation` into a
weights folder's ``config.json`` and model card, so the numbers, N, the feature extractor,
the seed and the versions travel with the weights.
"""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import ConfigError, DataError, WeightsError
from .limits import MAX_SEED


@dataclass
class Evaluation:
    """One evaluation run: scalar ``metrics`` plus how they were measured.

    ``targets`` are the task's (``TaskSpec.targets``) at the time of the evaluation.
    """

    ref: str
    model: str
    task: str
    dataset: str
    metrics: dict[str, float]
    n: int | None = None
    seed: int = 0
    feature_extractor: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    #: metric -> "<= 3 (text)"; None: the registered task's targets.
    target_texts: dict[str, str] | None = field(default=None, repr=False)

    def targets(self) -> dict[str, dict[str, Any]]:
        """Each target with the measured value and whether it holds."""
        from . import registry

        texts = self.target_texts
        if texts is None:
            spec = registry.catalog().specs["task"].get(self.task)
            texts = dict(spec.targets) if spec is not None else {}
        out = {}
        for key, text in texts.items():
            if key in self.metrics:
                op, threshold = text.split()[0], float(text.split()[1])
                value = self.metrics[key]
                ok = value <= threshold if op == "<=" else value >= threshold
                out[key] = {"target": text, "value": value, "pass": bool(ok)}
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("target_texts")
        data["targets"] = self.targets()
        return data

    def lines(self) -> list[str]:
        """The human-readable report ``ganzoo eval`` prints."""
        from . import tasks

        head = f"{self.ref}: {self.model} ({self.task}) on {self.dataset}"
        if self.n is not None:
            head += f", N={self.n}, seed {self.seed}"
        out = [head]
        if self.feature_extractor:
            out.append(f"features: {self.feature_extractor}")
        out += [f"note: {note}" for note in self.notes]
        width = max((len(k) for k in self.metrics), default=0)
        out += [f"  {k:<{width}}  {fmt(v)}" for k, v in self.metrics.items()]
        out += tasks.get(self.task).report(self)
        for key, t in self.targets().items():
            out.append(f"target {key} {t['target']}: {'pass' if t['pass'] else 'FAIL'}")
        return out


def fmt(value: float) -> str:
    """A metric for people: 4 decimals, or 3 significant digits when tiny."""
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"


def versions() -> dict[str, str]:
    import torch

    from . import __version__

    out = {"ganzoo": __version__, "torch": torch.__version__, "python": platform.python_version()}
    try:  # metadata, not an import: torchmetrics imports matplotlib
        out["torchmetrics"] = metadata.version("torchmetrics")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency of eval
        pass
    return out


def _load(ref: Any) -> tuple[Any, str]:
    from .api import load
    from .modeling import ZooModel

    if isinstance(ref, ZooModel):
        return ref, str((getattr(ref, "zoo_config", None) or {}).get("model", type(ref).__name__))
    return load(ref), str(ref)


def _dataset_name(model: Any, dataset: str | None) -> str:
    if dataset:
        return dataset
    data = (getattr(model, "zoo_config", None) or {}).get("dataset") or {}
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        raise ConfigError("eval: the weights folder does not name its dataset; pass --dataset NAME")
    return name


def _bundle(model: Any, spec: Any, dataset: str, data_root: str | Path | None = None) -> Any:
    """The dataset shaped as the model was trained (its data-derived hyperparameters), with the
    run's dataset settings and root when it is the dataset the model was trained on."""
    import dataclasses

    from . import registry
    from .data import DataRequest, load_dataset

    fields = {f.name for f in dataclasses.fields(DataRequest)}
    shape = {field_name: model.config.get(hparam) for hparam, field_name in spec.data_params.items()
             if field_name in fields}
    saved = (getattr(model, "zoo_config", None) or {}).get("dataset") or {}
    same = isinstance(saved, dict) and saved.get("name") == dataset
    options = saved.get("options") if same and isinstance(saved.get("options"), dict) else {}
    root = saved.get("root") if same and isinstance(saved.get("root"), str) else None
    if data_root is not None:
        root = str(Path(data_root).expanduser())
    request = DataRequest(name=dataset, progress=False, root=Path(root) if root else None, **shape)
    bundle = load_dataset(dataset, request, **options)
    if bundle.test is None or len(bundle.test) == 0:
        held = (" (the run held none out: retrain with --set test_split=0.1)"
                if "test_split" in registry.get_dataset(dataset).params else "")
        raise DataError(f"eval: dataset '{dataset}' has no test split to evaluate on{held}")
    return bundle


def evaluate(ref: Any, *, dataset: str | None = None, seed: int = 0,
             data_root: str | Path | None = None, **options: Any) -> Evaluation:
    """Evaluate ``ref`` (a folder, ``arch.tag``, Hub id or loaded model) on its dataset's test split.

    ``data_root`` is where a file-based dataset's files are (default: where the run read them).

    ``options`` are the model's task's eval options (for GANs ``n``, ``judge`` and
    ``inception_weights``; see ``ganzoo eval --help``).
    """
    from . import options as _options
    from . import registry, tasks

    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"eval: --seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    model, label = _load(ref)
    model_name = str((getattr(model, "zoo_config", None) or {}).get("model", ""))
    if not model_name:
        raise ConfigError(f"eval: {label} does not say which registered model it is (no config.json)")
    spec = registry.get_model(model_name)
    task = tasks.for_model(model)
    values = _options.task_values("eval", task.name, options, model_name)
    name = _dataset_name(model, dataset)
    scores = task.evaluate(model, _bundle(model, spec, name, data_root), seed=seed, options=values)
    return Evaluation(ref=label, model=model_name, task=task.name, dataset=name,
                      metrics=scores.metrics, n=scores.n, seed=seed,
                      feature_extractor=scores.feature_extractor, details=scores.details,
                      notes=scores.notes, versions=versions(), target_texts=dict(task.spec.targets))


# --------------------------------------------------------------------------------------------
# Recording into a weights folder


def check_writable(folder: str | Path, ref: str | None = None) -> None:
    """Refuse to record into a folder of the Hugging Face cache (what a Hub id resolves to).

    Its files are links to blobs shared with other snapshots and checked against their hashes
    when loaded: an evaluation written there would change a downloaded commit behind the Hub's
    back. The message says how to get a folder of one's own. ``ref`` is what the user named.
    """
    from . import hub

    folder = Path(folder)
    if not hub.in_cache(folder):
        return
    repo = next((p.name.split("--", 1)[1].replace("--", "/") for p in folder.resolve().parents
                 if p.name.startswith("models--") and p.name.count("--") == 2), None)
    at = ref.partition("@")[2] if ref and "@" in ref and not ref.startswith((".", "/", "~")) else ""
    name = repo.split("/")[1] if repo else "my-copy"
    get = (f"`hf download {repo}{f' --revision {at}' if at else ''} --local-dir {name}`" if repo
           else f"a copy of {folder}")
    what = (f"{ref} is a download in the Hugging Face cache ({folder})" if ref and Path(ref) != folder
            else f"{folder} is in the Hugging Face cache")
    raise WeightsError(f"eval --write: {what}, which ganzoo never writes into; make a folder of your own "
                       f"with {get} and run `ganzoo eval {name} --write`, or drop --write (--json prints "
                       "the numbers)")


def record(folder: str | Path, evaluation: Evaluation, name: str | None = None) -> None:
    """Store ``evaluation`` in ``folder``'s config.json and rebuild its model card.

    ``name`` is the pretrained name the card's examples load (default: the folder's name).
    The figures the card shows (samples, confusion matrix, forecast) are redrawn from the
    evaluation so the pictures and the numbers come from the same run.
    """
    from . import tasks
    from .card import CARD_NAME
    from .io import atomic_open, write_json
    from .weights import CONFIG_NAME, load_folder, read_config

    folder = Path(folder)
    check_writable(folder)
    config = read_config(folder)
    if config.get("model") != evaluation.model:
        raise WeightsError(f"{folder / CONFIG_NAME}: holds '{config.get('model')}', but the evaluation "
                           f"is of '{evaluation.model}'; evaluate this folder itself")
    model = load_folder(folder)
    config["evaluation"] = evaluation.to_dict()
    tasks.for_model(model).draw(folder, model, evaluation)
    text = card_text(folder, config, model, name or folder.name)  # before config.json and the card
    write_json(folder / CONFIG_NAME, config)
    with atomic_open(folder / CARD_NAME, "w", encoding="utf-8") as fh:
        fh.write(text)


def card_text(folder: Path, config: dict[str, Any], model: Any, name: str) -> str:
    """The weights folder's card: the evaluation as Hub ``eval_results`` and a section (both are
    the card's own, see :mod:`ganzoo.card`, so a pushed card keeps them too)."""
    from .card import build_card

    return build_card(config, model, folder, ref=name)

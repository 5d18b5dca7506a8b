"""Offline evaluation, measured the same way for every model of a task (``ganzoo eval``).

- Generators: FID and KID (torchmetrics) between N generated and N real test images, next to
  the real-vs-real floor (N train images vs the same N test images), so a number means
  something. Features come from InceptionV3 only when its weights are already on this machine
  (never downloaded); otherwise, and always for ``digits``, from the penultimate layer of a
  pretrained classifier of the same data (``classifier.digits``: "classifier-FID"), which also
  gives the samples' mean confidence and each class's share (mode coverage).
- Classifiers: test accuracy and the confusion matrix.
- Regressors: test MSE against the naive last-value forecast.

:func:`record` writes an :class:`Evaluation` into a weights folder's ``config.json`` and model
card, so the numbers, N, the feature extractor, the seed and the versions travel with the weights.
"""

from __future__ import annotations

import os
import platform
import warnings
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import ConfigError, DataError, WeightsError

DEFAULT_N = 1000
#: torch-fidelity's InceptionV3 FID weights, as torch.hub caches them.
INCEPTION_FILE = "pt_inception-2015-12-05-6726825d.pth"
NO_INCEPTION = "InceptionV3 weights not available locally; using {judge} features"

#: What the shipped models must reach (issue 6, item 4): metric -> (comparison, threshold text).
TARGETS: dict[str, dict[str, str]] = {
    "adversarial": {"fid_ratio": "<= 3 (FID at most 3x the real-vs-real floor)",
                    "mean_confidence": ">= 0.9", "min_class_share": ">= 0.05"},
    "classification": {"test_accuracy": ">= 0.97"},
    "regression": {"mse_ratio": "<= 0.5 (test MSE at most half the naive forecast's)"},
}


@dataclass
class Evaluation:
    """One evaluation run: scalar ``metrics`` plus how they were measured."""

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

    def targets(self) -> dict[str, dict[str, Any]]:
        """Each target of this task with the measured value and whether it holds."""
        out = {}
        for key, text in TARGETS.get(self.task, {}).items():
            if key in self.metrics:
                op, threshold = text.split()[0], float(text.split()[1])
                value = self.metrics[key]
                ok = value <= threshold if op == "<=" else value >= threshold
                out[key] = {"target": text, "value": value, "pass": bool(ok)}
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["targets"] = self.targets()
        return data

    def lines(self) -> list[str]:
        """The human-readable report ``ganzoo eval`` prints."""
        head = f"{self.ref}: {self.model} ({self.task}) on {self.dataset}"
        if self.n is not None:
            head += f", N={self.n}, seed {self.seed}"
        out = [head]
        if self.feature_extractor:
            out.append(f"features: {self.feature_extractor}")
        out += [f"note: {note}" for note in self.notes]
        width = max((len(k) for k in self.metrics), default=0)
        out += [f"  {k:<{width}}  {_fmt(v)}" for k, v in self.metrics.items()]
        shares = self.details.get("class_shares")
        if shares:
            out.append("  class shares  " + " ".join(f"{k}:{v:.3f}" for k, v in shares.items()))
        confusion = self.details.get("confusion")
        if confusion:
            out.append("  confusion (rows true, columns predicted):")
            out += ["    " + " ".join(f"{c:4d}" for c in row) for row in confusion]
        for key, t in self.targets().items():
            out.append(f"target {key} {t['target']}: {'pass' if t['pass'] else 'FAIL'}")
        return out


def _fmt(value: float) -> str:
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


# --------------------------------------------------------------------------------------------
# Feature extractors


def inception_weights(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The local InceptionV3 FID weights file, or None: ``path`` if given, else torch.hub's cache.

    Never downloads. torch-fidelity must be importable too (torchmetrics builds the net with it).
    """
    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        if path is not None:
            raise ConfigError("--inception-weights needs torch-fidelity (pip install torch-fidelity)") from None
        return None
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_file():
            raise ConfigError(f"--inception-weights {path}: no such file")
        return p
    import torch.hub

    cached = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE
    return cached if cached.is_file() else None


def _classifier_features(judge: Any) -> Any:
    """A module mapping images in [0, 1] to the judge's penultimate-layer features."""
    import torch
    from torch import nn

    net = judge.net
    if not isinstance(net, nn.Sequential) or not isinstance(net[-1], nn.Linear):
        raise ConfigError(f"judge classifier '{judge.config}' must end in a Linear layer "
                          "(its input is the feature vector)")
    from .sample import _value_range

    lo, hi = _value_range(judge)
    c, s = int(judge.config["channels"]), int(judge.config["image_size"])

    class Features(nn.Module):
        num_features = int(net[-1].in_features)

        def __init__(self) -> None:
            super().__init__()
            self.body = net[:-1]

        def prepare(self, x: torch.Tensor) -> torch.Tensor:
            x = x.float()
            if x.shape[1] != c:
                x = x.mean(1, keepdim=True).expand(-1, c, -1, -1) if c in (1, 3) else x
            if tuple(x.shape[-2:]) != (s, s):
                x = nn.functional.interpolate(x, size=(s, s), mode="bilinear", antialias=True,
                                              align_corners=False)
            return x * (hi - lo) + lo

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.body(self.prepare(x))

        def probs(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(net(self.prepare(x)), dim=1)

    return Features().eval()


def find_judge(dataset: str) -> str | None:
    """The registered pretrained classifier of ``dataset`` (``classifier.digits`` for digits)."""
    from . import registry

    for spec in registry.find("*", "pretrained"):
        if spec.dataset == dataset and spec.model in registry.names("model") \
                and registry.get_model(spec.model).task == "classification":
            return spec.name
    return None


# --------------------------------------------------------------------------------------------
# Evaluation per task


def _load(ref: Any) -> tuple[Any, str]:
    from .modeling import ZooModel
    from .weights import load

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


def _bundle(model: Any, dataset: str) -> Any:
    from .data import DataRequest, load_dataset

    cfg = model.config
    request = DataRequest(name=dataset, image_size=cfg.get("image_size"), channels=cfg.get("channels"),
                          seq_len=cfg.get("seq_len"), progress=False)
    bundle = load_dataset(dataset, request)
    if bundle.test is None or len(bundle.test) == 0:
        raise DataError(f"eval: dataset '{dataset}' has no test split to evaluate on")
    return bundle


def evaluate(ref: Any, *, dataset: str | None = None, n: int = DEFAULT_N, seed: int = 0,
             judge: str | None = None, inception: str | os.PathLike[str] | None = None) -> Evaluation:
    """Evaluate ``ref`` (a folder, ``arch.tag``, Hub id or loaded model) on its dataset's test split.

    ``n`` caps the number of generated and real images for GANs; ``judge`` names the classifier
    whose features replace InceptionV3; ``inception`` is a local InceptionV3 weights file.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ConfigError(f"eval: --n must be an integer >= 2, got {n!r}")
    model, label = _load(ref)
    name = _dataset_name(model, dataset)
    bundle = _bundle(model, name)
    model_name = str((model.zoo_config or {}).get("model", "")) if hasattr(model, "zoo_config") else ""
    base = {"ref": label, "model": model_name or type(model).__name__, "task": model.task,
            "dataset": name, "seed": seed, "versions": versions()}
    if model.task == "adversarial":
        return _evaluate_gan(model, bundle, base, n, seed, judge, inception)
    if model.task == "classification":
        return _evaluate_classifier(model, bundle, base)
    if model.task == "regression":
        return _evaluate_regressor(model, bundle, base)
    raise ConfigError(f"eval: no evaluation for task {model.task!r}")


def _evaluate_classifier(model: Any, bundle: Any, base: dict[str, Any]) -> Evaluation:
    import torch

    from .sample import predict

    test = bundle.test
    if test.y is None:
        raise DataError(f"eval: dataset '{bundle.name}' has no labels to score a classifier")
    pred, _ = predict(model, test.x)
    y = test.y.long().cpu()
    k = int(model.config.get("num_classes") or int(y.max()) + 1)
    confusion = torch.bincount(y * k + pred, minlength=k * k).view(k, k)
    metrics = {"test_accuracy": float((pred == y).float().mean())}
    return Evaluation(**base, metrics=metrics, n=len(test),
                      details={"confusion": confusion.tolist(), "class_names": bundle.class_names})


def _evaluate_regressor(model: Any, bundle: Any, base: dict[str, Any]) -> Evaluation:
    import torch

    test = bundle.test
    x, y = test.x.float().cpu(), test.y.float().cpu()
    with torch.inference_mode():
        model.eval()
        pred = torch.cat([model(chunk) for chunk in x.split(256)]).float()
    test_mse, naive = float(torch.mean((pred - y) ** 2)), float(torch.mean((x - y) ** 2))
    metrics = {"test_mse": test_mse, "naive_mse": naive, "mse_ratio": test_mse / naive}
    return Evaluation(**base, metrics=metrics, n=len(test),
                      details={"forecast": {"x": x[0].tolist(), "y": y[0].tolist(), "pred": pred[0].tolist()}},
                      notes=["naive forecast: each next value predicted as the current one"])


def _evaluate_gan(model: Any, bundle: Any, base: dict[str, Any], n: int, seed: int,
                  judge: str | None, inception: Any) -> Evaluation:
    import torch

    notes: list[str] = []
    available = min(len(bundle.test), len(bundle.train))
    if n > available:
        notes.append(f"N={n} requested; {bundle.name} has {len(bundle.test)} test and "
                     f"{len(bundle.train)} train images, so N={available}")
        n = available
    judge = judge or find_judge(bundle.name)
    weights_file = inception_weights(inception) if (inception or bundle.name != "digits") else None
    judge_net = None
    if judge is not None:
        judge_model, _ = _load(judge)
        if judge_model.task != "classification":
            raise ConfigError(f"eval: judge '{judge}' is a {judge_model.task} model, not a classifier")
        judge_net = _classifier_features(judge_model)
    if weights_file is not None:
        feature: Any = _inception_features(weights_file)
        extractor = f"InceptionV3 pool3 (2048-d), weights {weights_file}"
    elif judge_net is not None:
        feature = judge_net
        extractor = f"{judge} penultimate layer ({judge_net.num_features}-d): classifier-FID"
        if bundle.name != "digits":
            notes.append(NO_INCEPTION.format(judge=judge))
        else:
            notes.append(f"digits: always {judge} features (InceptionV3 features of 8x8 digits mean little)")
    else:
        raise ConfigError(f"eval: no feature extractor for '{bundle.name}': InceptionV3 weights not "
                          f"available locally (pip install torch-fidelity and put {INCEPTION_FILE} in "
                          "torch.hub's checkpoints folder, or pass --inception-weights) and no pretrained "
                          "classifier of that dataset (pass --judge REF)")

    g = torch.Generator().manual_seed(seed)
    real_test = bundle.test.x[torch.randperm(len(bundle.test), generator=g)[:n]].float() / 255.0
    real_train = bundle.train.x[torch.randperm(len(bundle.train), generator=g)[:n]].float() / 255.0
    fake = model.sample(n, seed=seed)
    fid, kid, kid_std, fid_floor, kid_floor = _distances(feature, real_test, fake, real_train, seed)
    metrics = {"fid": fid, "fid_floor": fid_floor, "fid_ratio": fid / fid_floor if fid_floor > 0 else float("inf"),
               "kid": kid, "kid_std": kid_std, "kid_floor": kid_floor}
    details: dict[str, Any] = {}
    if judge_net is not None:
        with torch.inference_mode():
            probs = torch.cat([judge_net.probs(chunk) for chunk in fake.split(256)])
        conf, label = probs.max(1)
        k = probs.shape[1]
        shares = torch.bincount(label, minlength=k).float() / n
        names = (judge_model.zoo_config.get("dataset") or {}).get("class_names") or [str(i) for i in range(k)]
        metrics.update({"mean_confidence": float(conf.mean()), "min_class_share": float(shares.min()),
                        "max_class_share": float(shares.max())})
        details["class_shares"] = {str(c): round(float(s), 4) for c, s in zip(names, shares)}
        details["judge"] = judge
    return Evaluation(**base, metrics=metrics, n=n, feature_extractor=extractor, details=details,
                      notes=notes)


def _inception_features(weights_file: Path) -> Any:
    """torchmetrics' InceptionV3 (pool3, 2048-d) from a local file, taking images in [0, 1]."""
    from torch import nn
    from torchmetrics.image.fid import NoTrainInceptionV3

    net = NoTrainInceptionV3(name="inception-v3-compat", features_list=["2048"],
                             feature_extractor_weights_path=str(weights_file))

    class Features(nn.Module):
        num_features = 2048

        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: Any) -> Any:
            x = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
            return self.net((x * 255).round().byte())

    return Features().eval()


def _distances(feature: Any, real: Any, fake: Any, other_real: Any,
               seed: int) -> tuple[float, float, float, float, float]:
    """FID and KID of ``fake`` vs ``real``, then of ``other_real`` vs ``real`` (the floor).

    ``feature`` maps images in [0, 1] to (N, d) features; both metrics share it, and the real
    features are computed once (``reset_real_features=False``).
    """
    import torch
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.kid import KernelInceptionDistance

    n = int(real.shape[0])
    subset = max(2, min(1000, n // 2))
    fid_metric = FrechetInceptionDistance(feature=feature, reset_real_features=False)
    with warnings.catch_warnings():  # "KID keeps all features in memory": N is small here
        warnings.simplefilter("ignore", UserWarning)
        kid_metric = KernelInceptionDistance(feature=feature, subsets=100, subset_size=subset,
                                             reset_real_features=False)
    out: list[float] = []
    with torch.inference_mode(), torch.random.fork_rng(devices=[]):
        for chunk in real.split(256):
            fid_metric.update(chunk, real=True)
            kid_metric.update(chunk, real=True)
        for candidate in (fake, other_real):
            fid_metric.reset()
            kid_metric.reset()
            for chunk in candidate.split(256):
                fid_metric.update(chunk, real=False)
                kid_metric.update(chunk, real=False)
            torch.manual_seed(seed)  # KID's random subsets
            kid_mean, kid_std = kid_metric.compute()
            out += [max(float(fid_metric.compute()), 0.0), float(kid_mean), float(kid_std)]
    fid, kid, kid_std, fid_floor, kid_floor, _ = out
    return fid, kid, kid_std, fid_floor, kid_floor


# --------------------------------------------------------------------------------------------
# Recording into a weights folder


def record(folder: str | Path, evaluation: Evaluation, name: str | None = None) -> None:
    """Store ``evaluation`` in ``folder``'s config.json and rebuild its model card.

    ``name`` is the pretrained name the card's examples load (default: the folder's name).
    The figures the card shows (samples, confusion matrix, forecast) are redrawn from the
    evaluation so the pictures and the numbers come from the same run.
    """
    from .card import CARD_NAME
    from .io import atomic_open, write_json
    from .weights import CONFIG_NAME, load_folder, read_config

    folder = Path(folder)
    config = read_config(folder)
    if config.get("model") != evaluation.model:
        raise WeightsError(f"{folder / CONFIG_NAME}: holds '{config.get('model')}', but the evaluation "
                           f"is of '{evaluation.model}'; evaluate this folder itself")
    model = load_folder(folder)
    config["evaluation"] = evaluation.to_dict()
    _figures(folder, model, evaluation)
    text = card_text(folder, config, model, name or folder.name)  # fails before anything is written
    write_json(folder / CONFIG_NAME, config)
    with atomic_open(folder / CARD_NAME, "w", encoding="utf-8") as fh:
        fh.write(text)


def _figures(folder: Path, model: Any, evaluation: Evaluation) -> None:
    from . import pictures

    if evaluation.task == "adversarial":
        images = model.sample(64, seed=evaluation.seed)
        side = int(images.shape[-1])
        pictures.save_image(pictures.grid_image(images * 2 - 1, nrow=8, scale=pictures.auto_scale(side)),
                            folder / "samples.png")
    elif evaluation.task == "classification":
        pictures.confusion_matrix(evaluation.details["confusion"], evaluation.details.get("class_names"),
                                  folder / "confusion.png")
    elif evaluation.task == "regression":
        f = evaluation.details["forecast"]
        pictures.forecast(f["x"], f["y"], f["pred"], folder / "forecast.png")


_TASK_TYPES = {"adversarial": "unconditional-image-generation", "classification": "image-classification",
               "regression": "time-series-forecasting"}


def card_text(folder: Path, config: dict[str, Any], model: Any, name: str) -> str:
    """The weights folder's card with the evaluation as Hub ``eval_results`` and a section."""
    from huggingface_hub import EvalResult

    from .card import build_card

    card = build_card(config, model, folder)
    ev = config["evaluation"]
    how = f"N={ev['n']}, seed {ev['seed']}" + (f", {ev['feature_extractor']}" if ev.get("feature_extractor") else "")
    card.data.model_name = name
    card.data.eval_results = [
        EvalResult(task_type=_TASK_TYPES.get(ev["task"], ev["task"]), dataset_type=ev["dataset"],
                   dataset_name=ev["dataset"], dataset_split="test", metric_type=key,
                   metric_name=key, metric_value=value)
        for key, value in ev["metrics"].items()
    ]
    body = card.text.replace("USER/REPO", name)
    lines = ["## Evaluation", "", f"Measured by `ganzoo eval {name}` on the `{ev['dataset']}` test split "
             f"({how}).", ""]
    lines += [f"- {note}" for note in ev.get("notes", [])]
    lines += ["", "| metric | value | target |", "|---|---|---|"]
    targets = ev.get("targets", {})
    for key, value in ev["metrics"].items():
        t = targets.get(key)
        lines.append(f"| {key} | {_fmt(value)} | "
                     + (f"{t['target']}: {'pass' if t['pass'] else 'FAIL'}" if t else "") + " |")
    if ev["details"].get("class_shares"):
        lines += ["", "Class shares of the samples: "
                  + ", ".join(f"{k}: {v:.3f}" for k, v in ev["details"]["class_shares"].items())]
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in ev.get("versions", {}).items()), ""]
    if "discriminator" not in (config.get("files") or {}) and ev["task"] == "adversarial":
        lines += ["Only the generator is shipped (`model.safetensors`); the discriminator is not needed "
                  "to sample and is left out to keep the zoo small.", ""]
    section = "\n".join(lines)
    marker = "## Settings"
    body = body.replace(marker, section + "\n" + marker, 1) if marker in body else body + "\n" + section
    return f"---\n{card.data.to_yaml()}\n---\n\n{body.lstrip()}"

"""``ganzoo eval`` for generators: classifier-FID and KID next to the real-vs-real floor.

FID and KID (torchmetrics) between N generated and N real test images, next to the floor (N
train images vs the same N test images), so a number means something. With a judge
classifier also its mean confidence on the samples and each class's share (mode coverage).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganzoo.display import article
from ganzoo.errors import ConfigError
from ganzoo.sample import value_range
from ganzoo.tasks import Scores

#: torch-fidelity's InceptionV3 FID weights, as torch.hub caches them.
INCEPTION_FILE = "pt_inception-2015-12-05-6726825d.pth"
NO_INCEPTION = "InceptionV3 weights not available locally; using {judge} features"
#: Native image side below which InceptionV3 features are not used unless asked for.
MIN_INCEPTION_SIDE = 32


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
    lo, hi = value_range(judge)
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
    from ganzoo import registry

    for spec in registry.find("*", "pretrained"):
        if spec.dataset == dataset and spec.model in registry.names("model") \
                and registry.get_model(spec.model).task == "classification":
            return spec.name
    return None


@dataclass
class _Judge:
    """What scores the samples: the FID features, and the judge classifier if there is one."""

    feature: Any
    extractor: str
    name: str | None
    net: Any = None
    model: Any = None


def _extractor(bundle: Any, judge: str | None, inception: Any, notes: list[str]) -> _Judge:
    """The FID features and the judge classifier (``judge``, else the dataset's pretrained one).

    Features come from InceptionV3 only when its weights are already on this machine (never
    downloaded) and the data's native images are big enough for them to mean something
    (``bundle.info["native_size"]`` >= 32; the 8x8 digits are not); otherwise from the judge,
    the penultimate layer of a pretrained classifier of the same data.
    """
    from ganzoo.api import load

    judge = judge or find_judge(bundle.name)
    native = int(bundle.info.get("native_size") or bundle.sample_shape[-1])
    tiny = native < MIN_INCEPTION_SIDE
    weights_file = inception_weights(inception) if (inception or not tiny) else None
    judge_net = judge_model = None
    if judge is not None:
        judge_model = load(judge)
        if judge_model.task != "classification":
            raise ConfigError(f"eval: judge '{judge}' is {article(judge_model.task)} {judge_model.task} "
                              "model, not a classifier")
        judge_net = _classifier_features(judge_model)
    if weights_file is not None:
        return _Judge(_inception_features(weights_file), f"InceptionV3 pool3 (2048-d), weights {weights_file}",
                      judge, judge_net, judge_model)
    if judge_net is not None:
        if not tiny:
            notes.append(NO_INCEPTION.format(judge=judge))
        else:
            notes.append(f"{bundle.name}: always {judge} features (InceptionV3 features of "
                         f"{native}x{native} images mean little)")
        return _Judge(judge_net, f"{judge} penultimate layer ({judge_net.num_features}-d): classifier-FID",
                      judge, judge_net, judge_model)
    raise ConfigError(f"eval: no feature extractor for '{bundle.name}': InceptionV3 weights not "
                      f"available locally (pip install torch-fidelity and put {INCEPTION_FILE} in "
                      "torch.hub's checkpoints folder, or pass --inception-weights) and no pretrained "
                      "classifier of that dataset (pass --judge REF)")


def _names(judge_model: Any, k: int) -> list[str]:
    names = (judge_model.zoo_config.get("dataset") or {}).get("class_names")
    return [str(n) for n in names] if names and len(names) == k else [str(i) for i in range(k)]


def _ratio(fid: float, floor: float) -> float:
    return fid / floor if floor > 0 else float("inf")


def _cap(n: int, bundle: Any, notes: list[str]) -> int:
    available = min(len(bundle.test), len(bundle.train))
    if n > available:
        notes.append(f"N={n} requested; {bundle.name} has {len(bundle.test)} test and "
                     f"{len(bundle.train)} train images, so N={available} for FID")
        return available
    return n


def evaluate_generator(sample: Callable[..., Any], bundle: Any, *, n: int, seed: int,
                       judge: str | None = None, inception: Any = None) -> Scores:
    """Classifier-FID/KID of ``sample(n, seed=...)``'s images against ``bundle``'s test split.

    With a judge classifier also its mean confidence on the samples and each class's share
    (mode coverage). See :func:`_extractor` for where the features come from.
    """
    import torch

    notes: list[str] = []
    n = _cap(n, bundle, notes)
    j = _extractor(bundle, judge, inception, notes)
    g = torch.Generator().manual_seed(seed)
    real_test = bundle.test.x[torch.randperm(len(bundle.test), generator=g)[:n]].float() / 255.0
    real_train = bundle.train.x[torch.randperm(len(bundle.train), generator=g)[:n]].float() / 255.0
    fake = sample(n, seed=seed)
    fid, kid, kid_std, fid_floor, kid_floor = _distances(j.feature, real_test, fake, real_train, seed)
    metrics = {"fid": fid, "fid_floor": fid_floor, "fid_ratio": _ratio(fid, fid_floor),
               "kid": kid, "kid_std": kid_std, "kid_floor": kid_floor}
    details: dict[str, Any] = {}
    if j.net is not None:
        with torch.inference_mode():
            probs = torch.cat([j.net.probs(chunk) for chunk in fake.split(256)])
        conf, label = probs.max(1)
        k = probs.shape[1]
        shares = torch.bincount(label, minlength=k).float() / n
        metrics.update({"mean_confidence": float(conf.mean()), "min_class_share": float(shares.min()),
                        "max_class_share": float(shares.max())})
        details["class_shares"] = {c: round(float(s), 4) for c, s in zip(_names(j.model, k), shares)}
        details["judge"] = j.name
    return Scores(metrics=metrics, n=n, feature_extractor=j.extractor, details=details, notes=notes)


def evaluate_conditional(model: Any, bundle: Any, *, n: int, seed: int, judge: str | None = None,
                         inception: Any = None) -> Scores:
    """A class-conditional generator asked for ``ceil(n / K)`` images of each class.

    - ``label_agreement`` / ``min_class_agreement``: how often the judge classifier's top class
      is the asked one, overall and for the worst class; ``mean_confidence``: its top
      probability on the samples.
    - ``fid`` / ``fid_floor`` / ``fid_ratio``: classifier-FID of a class-balanced subset of the
      samples against the test split, the size of the real sets, next to the real-vs-real floor.
    - ``fid_class`` / ``fid_class_floor`` / ``fid_class_ratio``: intra-class FID, the mean over
      classes of each class's samples against that class's test images (and its own floor).
    """
    import math

    import torch

    from .conditional import class_names

    notes: list[str] = []
    j = _extractor(bundle, judge, inception, notes)
    if j.net is None:
        raise ConfigError(f"eval: label agreement needs a classifier of '{bundle.name}' (pass --judge REF)")
    k = model.num_classes
    per = max(2, math.ceil(n / k))
    asked = torch.arange(k).repeat_interleave(per)
    fake = model.sample(len(asked), seed=seed, labels=asked)
    with torch.inference_mode():
        probs = torch.cat([j.net.probs(chunk) for chunk in fake.split(256)])
    conf, pred = probs.max(1)
    hit = (pred == asked).float()
    agreement = hit.view(k, per).mean(1)
    names = class_names(bundle.class_names, k)
    metrics: dict[str, float] = {"label_agreement": float(hit.mean()),
                                 "min_class_agreement": float(agreement.min()),
                                 "mean_confidence": float(conf.mean())}

    g = torch.Generator().manual_seed(seed)
    test_y, train_y = bundle.test.y.long(), bundle.train.y.long()
    m = _cap(len(asked), bundle, notes) // k * k  # class-balanced real and fake sets
    take = m // k
    real_test = bundle.test.x[torch.randperm(len(bundle.test), generator=g)[:m]].float() / 255.0
    real_train = bundle.train.x[torch.randperm(len(bundle.train), generator=g)[:m]].float() / 255.0
    balanced = fake.view(k, per, *fake.shape[1:])[:, :take].reshape(-1, *fake.shape[1:])
    fid, kid, _, fid_floor, kid_floor = _distances(j.feature, real_test, balanced, real_train, seed)
    metrics.update({"fid": fid, "fid_floor": fid_floor, "fid_ratio": _ratio(fid, fid_floor),
                    "kid": kid, "kid_floor": kid_floor})

    class_fid, class_floor = {}, {}
    for c in range(k):
        te = bundle.test.x[test_y == c]
        tr = bundle.train.x[train_y == c]
        size = min(len(te), len(tr), per)
        if size < 2:
            continue
        te = te[torch.randperm(len(te), generator=g)[:size]].float() / 255.0
        tr = tr[torch.randperm(len(tr), generator=g)[:size]].float() / 255.0
        f, _, _, floor, _ = _distances(j.feature, te, fake[asked == c][:size], tr, seed)
        class_fid[names[c]], class_floor[names[c]] = f, floor
    if class_fid:
        metrics.update({"fid_class": sum(class_fid.values()) / len(class_fid),
                        "fid_class_floor": sum(class_floor.values()) / len(class_floor),
                        "fid_class_ratio": sum(_ratio(class_fid[c], class_floor[c]) for c in class_fid)
                        / len(class_fid)})
        smallest = min(min(int((test_y == c).sum()) for c in range(k)), per)
        notes.append(f"intra-class FID on up to {smallest} images a class: noisier than the overall FID")
    details = {"class_agreement": {names[c]: round(float(a), 4) for c, a in enumerate(agreement)},
               "class_fid": {c: round(v, 3) for c, v in class_fid.items()},
               "class_fid_floor": {c: round(v, 3) for c, v in class_floor.items()},
               "per_class": per, "judge": j.name}
    return Scores(metrics=metrics, n=len(asked), feature_extractor=j.extractor, details=details, notes=notes)


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

"""The CLI's verbs as Python functions: ``ganzoo.sample``, ``predict``, ``evaluate``, ``summary``,
``info`` and ``convert`` (``load``, ``push``, ``train`` and ``export`` live in their own modules).

Each returns what the command shows, as objects, and prints nothing; the command is a thin
printer over the function, so a script and a shell get the same answers. Bad input raises a
:class:`ganzoo.GanzooError` subclass whose message is the line the CLI prints. This module
imports nothing heavy at the top: ``import ganzoo`` stays free of torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluate import Evaluation
    from .summary import Summary
    from .tasks import Samples


def _model(ref: Any) -> Any:
    """A loaded model for ``ref`` (a folder, ``arch.tag``, Hub repo id), or ``ref`` if it is one."""
    from .api import load
    from .modeling import ZooModel

    return ref if isinstance(ref, ZooModel) else load(ref)


def sample(ref: Any, n: int = 64, *, seed: int | None = None, **options: Any) -> Samples:
    """``n`` outputs of a generative model, as ``ganzoo sample REF --n N --seed S`` draws them.

    ``ref`` is a folder, a pretrained name, a Hub repo id or a loaded model. Returns a
    :class:`ganzoo.tasks.Samples`: ``images`` (N, C, H, W) in [0, 1] plus how the CLI lays them
    out; the same seed gives the same images as the CLI on every device. ``options`` are the
    task's sample options (a GAN's ``truncation``, a conditional GAN's ``labels``).
    """
    from .sample import sample as draw

    return draw(_model(ref), n, seed=seed, **options)


def predict(ref: Any, inputs: Sequence[str | Path], **options: Any) -> list[str]:
    """What ``ganzoo predict REF INPUTS...`` prints: one ``path<TAB>answer`` line per input file
    (a classifier's label and probability, a regressor's forecast of a CSV series)."""
    from .sample import predict as answer

    if isinstance(inputs, (str, Path)):
        inputs = [inputs]  # one file, not its characters
    return answer(_model(ref), [str(p) for p in inputs], **options)


def evaluate(ref: Any, *, dataset: str | None = None, seed: int = 0, data_root: str | Path | None = None,
             **options: Any) -> Evaluation:
    """Score ``ref`` as ``ganzoo eval`` does: FID/KID for GANs, test accuracy for classifiers,
    test MSE for regressors, on the test split of its dataset (or ``dataset``).

    Returns a :class:`ganzoo.evaluate.Evaluation`: ``metrics``, ``targets()`` (each of the task's
    targets with its value and whether it holds), ``to_dict()`` (the ``--json`` output) and
    ``lines()`` (the text). ``options`` are the task's eval options (a GAN's ``n``, ``judge``).
    """
    from .evaluate import evaluate as score

    return score(ref, dataset=dataset, seed=seed, data_root=data_root, **options)


def summary(model: Any, dataset: str | None = None, *, settings: dict[str, Any] | None = None,
            data_root: str | Path | None = None, batch_size: int = 1, depth: int = 3) -> Summary:
    """The torchinfo summary of every network of ``model``, as ``ganzoo summary`` shows it.

    ``model`` is a registered model name (built with ``settings``; given ``dataset``, the network
    ``ganzoo train MODEL DATASET`` builds), saved weights or a loaded model. Returns a
    :class:`ganzoo.summary.Summary`: ``networks`` maps each network to torchinfo's statistics
    (``.total_params``), ``text()`` is the CLI's output.
    """
    from .summary import summarize

    return summarize(model, dataset, settings=settings, data_root=data_root, batch_size=batch_size,
                     depth=depth)


def info(name: str) -> dict[str, Any]:
    """Everything registered about ``name`` (a model, dataset, loss, task, pretrained model,
    logger or exporter) as plain JSON data: what ``ganzoo info NAME --json`` prints."""
    from .registry import describe

    return describe(name)


def convert(state_dict: str | Path, model: str, out: str | Path, *, settings: dict[str, Any] | None = None,
            network: str | None = None, discriminator: str | Path | None = None,
            value_range: tuple[float, float] | None = None) -> Path:
    """Turn a ``torch.save(net.state_dict())`` file into a weights folder ``out``, as
    ``ganzoo convert`` does; returns the folder. ``settings`` are the model's hyperparameters
    (``--set``), ``network`` the network the file holds (default: the one whose layers fit),
    ``value_range`` the range of the images the network was fed (``(0, 1)`` for ``ToTensor``).
    """
    from .weights import convert as write

    return write(state_dict, model, out, hparams=dict(settings or {}), network=network,
                 discriminator=discriminator, value_range=value_range)

"""``ganzoo sample``, ``predict``, ``push`` and ``convert``: using and moving trained weights.

Torch, huggingface_hub and the sampler are imported inside the commands so ``ganzoo --help``
stays fast.
"""

from __future__ import annotations

import csv
from pathlib import Path

import click

from ..errors import ConfigError, DataError
from .options import set_option


def _load(ref: str):  # noqa: ANN202 - returns a ZooModel, imported lazily
    from ..weights import load

    return load(ref)


@click.command("sample")
@click.argument("ref")
@click.option("--n", "n", type=click.IntRange(min=1), default=64, show_default=True,
              help="How many images.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Seed of the latents: the same seed gives the same images.")
@click.option("--truncation", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Redraw latent entries with |z| above this (truncation trick).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write one grid PNG here (default grid.png).")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None,
              help="Write one PNG per image into this folder instead.")
def sample_cmd(ref: str, n: int, seed: int | None, truncation: float | None, out: str | None,
               out_dir: str | None) -> None:
    """Generate images from a GAN: REF is a folder, a pretrained name or a Hub repo id."""
    if out and out_dir:
        raise ConfigError("sample: give --out or --out-dir, not both")
    from ..modeling import GenerativeModel
    from ..sample import save_each, save_grid

    model = _load(ref)
    if not isinstance(model, GenerativeModel):
        raise ConfigError(f"sample: '{ref}' is a {model.task} model, not a GAN; use `ganzoo predict`")
    images = model.sample(n, seed=seed, truncation=truncation)
    if out_dir:
        paths = save_each(images, out_dir)
        click.echo(f"wrote {len(paths)} images to {out_dir}")
    else:
        target = out or "grid.png"
        save_grid(images, target)
        click.echo(f"wrote {n} images to {target}")


def _read_series(path: str) -> list[float]:
    """The last numeric column of a CSV (header optional)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except FileNotFoundError:
        raise DataError(f"{path}: no such CSV file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: not a readable CSV ({exc})") from None
    values: list[float] = []
    for i, row in enumerate(rows):
        try:
            values.append(float(row[-1]))
        except ValueError:
            if i == 0:
                continue  # a header line
            raise DataError(f"{path}: line {i + 1}: '{row[-1]}' is not a number (the last column "
                            "must hold the series)") from None
    if not values:
        raise DataError(f"{path}: no numbers found; expected one value per line")
    return values


@click.command("predict")
@click.argument("ref")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--steps", type=click.IntRange(min=1), default=1, show_default=True,
              help="Regressor: how many future values to forecast.")
@click.option("--top", type=click.IntRange(min=1), default=1, show_default=True,
              help="Classifier: how many classes to show per image.")
def predict_cmd(ref: str, inputs: tuple[str, ...], steps: int, top: int) -> None:
    """Classify images (classifier) or forecast a CSV series (regressor)."""
    from ..modeling import ClassifierModel, RegressorModel
    from ..sample import load_images

    model = _load(ref)
    if isinstance(model, ClassifierModel):
        names = model.class_names
        _, probs = model.predict(load_images(model, inputs))
        k = min(top, probs.shape[1])
        for path, row in zip(inputs, probs):
            p, idx = row.topk(k)
            shown = "  ".join(f"{names[i] if i < len(names) else i} {float(q):.3f}"
                              for q, i in zip(p.tolist(), idx.tolist()))
            click.echo(f"{path}\t{shown}")
    elif isinstance(model, RegressorModel):
        for path in inputs:
            future = model.forecast(_read_series(path), steps)
            click.echo(f"{path}\t" + " ".join(f"{v:.6g}" for v in future.tolist()))
    else:
        raise ConfigError(f"predict: '{ref}' is a {model.task} model; use `ganzoo sample` for GANs")


@click.command("push")
@click.argument("folder", type=click.Path(file_okay=False))
@click.argument("repo_id")
@click.option("--private", is_flag=True, help="Create the repo private.")
@click.option("--revision", default=None, help="Branch to commit to (created if missing).")
@click.option("--message", "-m", default=None, help="Commit message.")
@click.option("--token", default=None, envvar=None,
              help="Hub token (default: HF_TOKEN or the saved `hf auth login`). Never printed.")
def push_cmd(folder: str, repo_id: str, private: bool, revision: str | None, message: str | None,
             token: str | None) -> None:
    """Upload a weights folder to the Hugging Face Hub as one commit; prints the repo URL."""
    from ..hub import push

    url = push(Path(folder), repo_id, private=private, revision=revision, message=message, token=token)
    click.echo(url)


@click.command("convert")
@click.argument("state_dict", type=click.Path(dir_okay=False))
@click.argument("model")
@set_option
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Weights folder to write.")
@click.option("--network", default=None,
              help="Which network the file holds (generator, discriminator, model); default: the one that fits.")
@click.option("--discriminator", type=click.Path(dir_okay=False), default=None,
              help="A second state dict holding the GAN's discriminator.")
def convert_cmd(state_dict: str, model: str, settings: tuple[str, ...], out: str, network: str | None,
                discriminator: str | None) -> None:
    """Turn a `torch.save(model.state_dict())` file from the seeds' code into a weights folder."""
    from ..config import parse_set
    from ..weights import convert

    folder = convert(state_dict, model, out, hparams=parse_set(settings), network=network,
                     discriminator=discriminator)
    click.echo(f"wrote {folder}")


COMMANDS = [sample_cmd, predict_cmd, push_cmd, convert_cmd]

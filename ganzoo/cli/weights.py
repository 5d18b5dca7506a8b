"""``ganzoo sample``, ``predict``, ``push`` and ``convert``: using and moving trained weights.

Torch, huggingface_hub and the sampler are imported inside the commands so ``ganzoo --help``
stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ConfigError
from ..limits import MAX_SAMPLES, MAX_SEED
from .options import given, set_option, table_command


@table_command("sample", verb="sample", at=1)
@click.argument("ref")
@click.option("--n", "n", type=click.IntRange(min=1, max=MAX_SAMPLES), default=64, show_default=True,
              help=f"How many images (at most {MAX_SAMPLES:,}).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Seed of the random inputs: the same seed gives the same images.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write one grid image here, in the format its suffix names: .png, .jpg/.jpeg or "
                   ".webp (default grid.png). An existing file is replaced, and said so.")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None,
              help="Write one PNG per image into this folder instead.")
@click.pass_context
def sample_cmd(ctx: click.Context, ref: str, n: int, seed: int | None, out: str | None,
               out_dir: str | None, **_: object) -> None:
    """Generate images from a generative model: REF is a folder, a pretrained name or a Hub repo id."""
    if out and out_dir:
        raise ConfigError("sample: give --out or --out-dir, not both")
    from ..sample import image_format, save_animation, save_each, save_grid
    from ..verbs import sample

    target = out or "grid.png"
    if not out_dir:
        image_format(target, "--out")  # an unknown suffix fails before the model loads
    samples = sample(ref, n, seed=seed, **given(ctx, ctx.command.table_names()))  # type: ignore[attr-defined]
    if out_dir:
        before = {p.name for p in Path(out_dir).glob("*")} if Path(out_dir).is_dir() else set()
        paths = save_each(samples.images, out_dir)
        replaced = sum(Path(p).name in before for p in paths)
        click.echo(f"wrote {len(paths)} images to {out_dir}"
                   + (f" (replaced {replaced} existing file{'s' * (replaced != 1)})" if replaced else ""))
        gif = Path(out_dir) / "walk.gif"
    else:
        existed = Path(target).exists()
        save_grid(samples.images, target, nrow=samples.nrow, row_labels=samples.row_labels)
        click.echo(f"wrote {len(samples.images)} images to {target}" + _replaced(existed))
        gif = Path(target).with_suffix(".gif")
    if samples.animation:
        existed = gif.exists()
        save_animation(samples.images, gif)
        click.echo(f"wrote the {len(samples.images)}-frame animation to {gif}" + _replaced(existed))


def _replaced(existed: bool) -> str:
    """What the ``wrote ...`` line adds when the file was there before: never a silent overwrite."""
    return " (replaced the existing file)" if existed else ""


@table_command("predict", verb="predict", at=2)
@click.argument("ref")
@click.argument("inputs", nargs=-1, required=True)
@click.pass_context
def predict_cmd(ctx: click.Context, ref: str, inputs: tuple[str, ...], **_: object) -> None:
    """Answer for input files as the model's task does: classify images (classifiers), forecast
    a CSV series (regressors)."""
    from ..verbs import predict

    for line in predict(ref, inputs, **given(ctx, ctx.command.table_names())):  # type: ignore[attr-defined]
        click.echo(line)


@click.command("push")
@click.argument("folder", type=click.Path(file_okay=False))
@click.argument("repo_id")
@click.option("--private", is_flag=True, help="Create the repo private.")
@click.option("--revision", default=None, help="Branch to commit to (created if missing).")
@click.option("--message", "-m", default=None, help="Commit message.")
@click.option("--token", default=None, envvar=None,
              help="Hub token (default: HF_TOKEN or the saved `hf auth login`). Never printed.")
@click.option("--include-checkpoints", is_flag=True,
              help="Also upload the latest checkpoint, to resume the run from the Hub.")
@click.option("--space", is_flag=True,
              help="Also create a Gradio Space USER/REPO-demo that serves `ganzoo demo` for the model "
                   "(app.py, requirements.txt, README); the card links it.")
def push_cmd(folder: str, repo_id: str, private: bool, revision: str | None, message: str | None,
             token: str | None, include_checkpoints: bool, space: bool) -> None:
    """Upload the model in a weights or run folder to the Hugging Face Hub as one commit.

    Sends config.json, the weights files it names, the card and the pictures the card shows (not
    per-epoch pictures or checkpoints); prints the repo URL (and the Space's, with --space).
    """
    from ..api import push
    from ..space import space_id, space_url

    url = push(Path(folder), repo_id, private=private, revision=revision, message=message, token=token,
               include_checkpoints=include_checkpoints, space=space)
    click.echo(url)
    if space:
        click.echo(space_url(space_id(repo_id.partition("@")[0])))


@click.command("convert")
@click.argument("state_dict", type=click.Path(dir_okay=False))
@click.argument("model")
@set_option
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Weights folder to write.")
@click.option("--network", default=None,
              help="Which network the file holds (generator, discriminator, model); default: the one that fits.")
@click.option("--discriminator", type=click.Path(dir_okay=False), default=None,
              help="A second state dict holding the GAN's discriminator.")
@click.option("--value-range", metavar="LO,HI", default=None,
              help="The range of the images the seed's network was fed, e.g. 0,1 for ToTensor data "
                   "(default: the model's own, usually -1,1).")
def convert_cmd(state_dict: str, model: str, settings: tuple[str, ...], out: str, network: str | None,
                discriminator: str | None, value_range: str | None) -> None:
    """Turn a `torch.save(model.state_dict())` file from the seeds' code into a weights folder.

    Only the networks given are written; sampling and predict then use the seed's weights as
    they are.
    """
    from ..config import parse_set
    from ..verbs import convert

    bounds = None
    if value_range is not None:
        parts = value_range.split(",")
        try:
            bounds = (float(parts[0]), float(parts[1])) if len(parts) == 2 else None
        except ValueError:
            bounds = None
        if bounds is None:
            raise ConfigError(f"--value-range expects two numbers LO,HI, got {value_range!r} (example: 0,1)")
    folder = convert(state_dict, model, out, settings=parse_set(settings), network=network,
                     discriminator=discriminator, value_range=bounds)
    written = sorted(p.name for p in Path(folder).glob("*.safetensors"))
    click.echo(f"wrote {folder} ({', '.join(written)})")


COMMANDS = [sample_cmd, predict_cmd, push_cmd, convert_cmd]

"""``ganzoo train MODEL DATASET``: thin wrapper over :func:`ganzoo.train` (torch loads lazily)."""

from __future__ import annotations

import click

from .options import set_option


@click.command("train")
@click.argument("model")
@click.argument("dataset", required=False)
@click.option("--data-root", type=click.Path(file_okay=False), help="Folder of a file-based dataset (celeba, imagefolder).")
@click.option("--epochs", type=int, help="Passes over the training split (default: the model's recipe).")
@click.option("--max-steps", type=int, help="Stop after this many optimizer steps.")
@click.option("--batch-size", type=int, help="Batch size (default: the recipe; DCGAN 128, MLP GAN 64).")
@click.option("--lr", type=float, help="Adam learning rate (default: the recipe; GANs 2e-4).")
@click.option("--betas", metavar="B1,B2", help="Adam betas, e.g. 0.5,0.999.")
@click.option("--loss", help="Loss plugin (default: the model's; see ganzoo list --kind loss).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of weights, batch order and noise.")
@click.option("--device", default="auto", show_default=True, help="auto|cpu|cuda|mps (auto: cuda > mps > cpu).")
@click.option("--workers", type=int, default=0, show_default=True, help="Decoding workers for file-based datasets.")
@click.option("--out", type=click.Path(file_okay=False), help="Result folder (default: runs/MODEL-DATASET-TIMESTAMP/).")
@click.option("--log-every", type=int, help="Log a line every N steps (default 50).")
@set_option
def train_cmd(model: str, dataset: str | None, data_root: str | None, epochs: int | None,
              max_steps: int | None, batch_size: int | None, lr: float | None, betas: str | None,
              loss: str | None, seed: int, device: str, workers: int, out: str | None,
              log_every: int | None, settings: tuple[str, ...]) -> None:
    """Train MODEL on DATASET (default: the model's default dataset) and save a result folder.

    \b
    ganzoo train dcgan digits --epochs 1
    ganzoo train mlp-gan digits
    ganzoo train classifier digits
    ganzoo train lstm-regressor sine
    ganzoo train dcgan celeba --data-root ~/data/celeba
    """
    from ..config import parse_set
    from ..train import TrainOptions, run
    from ..train.options import resolve_options

    opts = resolve_options(TrainOptions(
        model=model, dataset=dataset, data_root=data_root, epochs=epochs, max_steps=max_steps,
        batch_size=batch_size, lr=lr, betas=betas, loss=loss, seed=seed, device=device,
        workers=workers, out=out, settings=parse_set(settings), log_every=log_every,
    ))
    result = run(opts)
    shown = ", ".join(f"{k} {v:.4g}" for k, v in result.metrics.items()
                      if isinstance(v, float) and k != "epoch")
    click.echo(f"saved {result.out} ({shown})")


COMMANDS = [train_cmd]

"""``ganzoo eval``: the offline quality numbers of a weights folder, measured as for the zoo.

Torch, torchmetrics and the model are imported inside the command so ``ganzoo --help`` stays fast.
"""

from __future__ import annotations

import json

import click


@click.command("eval")
@click.argument("ref")
@click.option("--dataset", default=None,
              help="Dataset to score against (default: the one in the folder's config.json).")
@click.option("--n", "n", type=click.IntRange(min=2), default=1000, show_default=True,
              help="GANs: generated and real images each (capped at the test split's size).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the latents and of the real images drawn.")
@click.option("--judge", default=None,
              help="GANs: classifier whose features replace InceptionV3 (default: the pretrained "
                   "classifier of the dataset, e.g. classifier.digits).")
@click.option("--inception-weights", type=click.Path(dir_okay=False), default=None,
              help="GANs: a local InceptionV3 FID weights file (never downloaded).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--write", is_flag=True,
              help="Also store the result in the folder's config.json and model card.")
def eval_cmd(ref: str, dataset: str | None, n: int, seed: int, judge: str | None,
             inception_weights: str | None, as_json: bool, write: bool) -> None:
    """Score REF: FID/KID for GANs, test accuracy for classifiers, test MSE for regressors.

    REF is a folder, a pretrained name (ganzoo list --pretrained) or a Hub repo id.
    """
    from ..evaluate import evaluate, record
    from ..weights import resolve

    result = evaluate(ref, dataset=dataset, n=n, seed=seed, judge=judge, inception=inception_weights)
    if write:
        folder = resolve(ref)
        record(folder, result)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo("\n".join(result.lines()))
        if write:
            click.echo(f"wrote the evaluation into {folder}")


COMMANDS = [eval_cmd]

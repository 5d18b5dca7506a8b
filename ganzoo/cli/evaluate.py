"""``ganzoo eval``: the offline quality numbers of a weights folder, measured as for the zoo.

The task plugins add their own options (a GAN's ``--n``, ``--judge``, ``--inception-weights``).
Torch, torchmetrics and the model are imported inside the command so ``ganzoo --help`` stays fast.
"""

from __future__ import annotations

import json
from typing import Any

import click

from ..limits import MAX_SEED
from .options import given, table_command


@table_command("eval", verb="eval", at=1)
@click.argument("ref")
@click.option("--dataset", default=None,
              help="Dataset to score against (default: the one in the folder's config.json).")
@click.option("--data-root", type=click.Path(), default=None,
              help="Where a file-based dataset's files are (default: where the run read them).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=0, show_default=True,
              help="Seed of the random inputs and of the real data drawn.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--write", is_flag=True,
              help="Also store the result in the folder's config.json and model card (a folder of "
                   "your own: a Hub download in the Hugging Face cache is refused).")
@click.pass_context
def eval_cmd(ctx: click.Context, ref: str, dataset: str | None, data_root: str | None, seed: int,
             as_json: bool, write: bool, **_: Any) -> None:
    """Score REF as its task measures it: FID/KID for GANs, test accuracy for classifiers, test
    MSE for regressors.

    REF is a folder, a pretrained name (ganzoo list --pretrained) or a Hub repo id.
    """
    from ..api import resolve
    from ..evaluate import check_writable, record
    from ..verbs import evaluate

    options = given(ctx, ctx.command.table_names())  # type: ignore[attr-defined]
    if write:  # before the evaluation: a Hub download is refused without costing its minutes
        folder = resolve(ref)
        check_writable(folder, ref)
    result = evaluate(ref, dataset=dataset, seed=seed, data_root=data_root, **options)
    if write:
        record(folder, result)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo("\n".join(result.lines()))
        if write:
            click.echo(f"wrote the evaluation into {folder}")


COMMANDS = [eval_cmd]

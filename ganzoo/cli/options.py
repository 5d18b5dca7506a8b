"""Options shared by several commands."""

from __future__ import annotations

import click

set_option = click.option(
    "--set", "settings", multiple=True, metavar="KEY=VALUE",
    help="Override a hyperparameter or dataset setting (repeatable), e.g. --set nz=128.",
)

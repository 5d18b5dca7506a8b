"""The built-in datasets (filled in by the datasets work)."""

from ganzoo import hookimpl


@hookimpl
def register_datasets(register):
    pass

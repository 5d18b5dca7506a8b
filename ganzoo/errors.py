"""One error family for everything a user can get wrong.

The CLI turns any :class:`GanzooError` into a single line on stderr and exit code 2, so every
message must stand alone: what went wrong, where, and how to fix it. Nothing here imports torch.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GanzooError(Exception):
    """Base class of every error ganzoo raises on purpose; ``exit_code`` is what the CLI returns."""

    exit_code: int = 2


class UnknownName(GanzooError):
    """A model, dataset, loss, pretrained tag or setting that is not registered.

    Not a ``KeyError`` subclass on purpose: ``str(KeyError(msg))`` wraps the message in quotes.
    """

    def __init__(
        self, kind: str, name: str, choices: Iterable[str], hint: str = "ganzoo list", where: str = ""
    ):
        self.kind, self.name = kind, name
        self.choices = sorted(set(choices))
        self.matches = difflib.get_close_matches(name, self.choices, n=3, cutoff=0.5)
        if self.matches:
            quoted = ", ".join(f"'{m}'" for m in self.matches)
            suggestion = f" — did you mean {quoted}?"
        else:
            suggestion = ""
        where = f" of {where}" if where else ""
        super().__init__(f"unknown {kind} '{name}'{where}{suggestion} (see: {hint})")


class DuplicateName(GanzooError):
    """Two plugins registered the same name for the same kind."""

    def __init__(self, kind: str, name: str, first: str, second: str):
        self.kind, self.name, self.plugins = kind, name, (first, second)
        super().__init__(
            f"{kind} '{name}' is registered by two plugins: '{first}' and '{second}' "
            f"(uninstall one, or restrict loading with GANZOO_PLUGINS)"
        )


class PluginLoadError(GanzooError):
    """A plugin module could not be imported or its hook raised."""


class ConfigError(GanzooError):
    """A setting (hyperparameter, ``--set`` value, CLI number) is invalid."""


class DataError(GanzooError):
    """A dataset is missing, empty, unreadable or does not fit the model."""


class WeightsError(GanzooError):
    """A weights folder, ``config.json`` or safetensors file is missing, corrupt or mismatched."""


class HubError(GanzooError):
    """The Hugging Face Hub refused a request or could not be reached."""


class TrainingError(GanzooError):
    """Training cannot go on (for example the loss became NaN)."""

    exit_code = 3


class ExportError(GanzooError):
    """A model cannot be written in the asked format, or the written file disagrees with it."""

"""The Python API behind ``ganzoo.create_model``, ``ganzoo.load`` and ``ganzoo push``.

This module decides where a name points: a local weights folder, a registered pretrained name,
or a Hub repo id. Below it, :mod:`ganzoo.weights` knows only the folder format and
:mod:`ganzoo.hub` only the transport, and neither imports the other.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .errors import HubError, UnknownName, WeightsError

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+(@[^\s@]+)?$")


def create_model(name: str, **hparams: Any) -> Any:
    """Build a fresh (untrained) model of family ``name``; unknown names and settings raise.

    ``hparams`` may be typed values or strings (as from ``--set``); both are validated.
    """
    from . import config, registry

    spec = registry.get_model(name)
    values = config.resolve("model", name, spec.params, hparams)
    return spec.load_builder()(**values)


def resolve(ref: str | os.PathLike[str]) -> Path:
    """A local folder for ``ref``: a folder, a registered pretrained name, or a Hub repo id."""
    from . import hub, registry

    if isinstance(ref, os.PathLike):
        return Path(ref)
    if not isinstance(ref, str) or not ref:
        raise WeightsError(f"load: expected a folder, a pretrained name or a Hub repo id, got {ref!r}")
    if ref.startswith("hf-hub:"):
        return hub.download(ref[len("hf-hub:"):])
    path = Path(ref).expanduser()
    if path.is_dir():
        return path
    if path.exists():
        raise WeightsError(f"{ref}: is a file, not a weights folder (pass the folder that holds config.json)")
    pretrained = registry.catalog().specs["pretrained"]
    if ref in pretrained:
        target = pretrained[ref].path
        if Path(target).expanduser().is_dir():
            return Path(target).expanduser()
        if _REPO_ID.match(target):
            return hub.download(target)
        raise WeightsError(f"pretrained '{ref}': its folder {target} is missing (reinstall the "
                           "package that registers it)")
    if _REPO_ID.match(ref) and not ref.startswith((".", "~")):
        return hub.download(ref)
    if "/" in ref or os.sep in ref or ref.startswith((".", "~")):
        raise WeightsError(f"{ref}: no such weights folder (check the path)")
    raise UnknownName("pretrained", ref, pretrained,
                      hint="ganzoo list --pretrained; or pass a folder or a Hub repo id user/name")


def load(ref: str | os.PathLike[str], device: Any = None) -> Any:
    """The model behind ``ref`` (folder, ``arch.tag``, ``user/name[@rev]``, ``hf-hub:user/name``).

    Returned in eval mode on ``device`` (CPU by default), with the full ``config.json`` as
    ``model.zoo_config`` so class names and value ranges travel with it.
    """
    from .weights import load_folder

    return load_folder(resolve(ref), device=device)


def push(folder: str | Path, repo_id: str, *, private: bool = False, revision: str | None = None,
         message: str | None = None, token: str | None = None) -> str:
    """Upload a weights folder as one commit; returns the repo URL. Only reads ``folder``.

    The folder is loaded first: a folder that would not load is never published.
    """
    from . import hub
    from .weights import load_folder

    folder = Path(folder)
    load_folder(folder)
    repo_id, at = hub.split_ref(repo_id)
    if at and revision and at != revision:
        raise HubError(f"{repo_id}: revision given twice ('@{at}' and --revision {revision}); keep one")
    return hub.upload(folder, repo_id, private=private, revision=revision or at, message=message,
                      token=token)

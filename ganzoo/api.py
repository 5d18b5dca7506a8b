"""The Python API behind ``ganzoo.create_model``, ``ganzoo.load`` and ``ganzoo push``.

This module decides where a name points: a local weights folder, a registered pretrained name,
or a Hub repo id (:func:`resolve` says which wins when a name could be several). Below it,
:mod:`ganzoo.weights` knows only the folder format and :mod:`ganzoo.hub` only the transport, and
neither imports the other.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

from .errors import HubError, UnknownName, WeightsError

log = logging.getLogger(__name__)

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
    """A local folder for ``ref``: a folder, a registered pretrained name, or a Hub repo id.

    In this order: ``hf-hub:user/name`` is always the Hub; else an existing folder wins; else a
    pretrained name; else a Hub repo id. A folder that shadows a pretrained name, or a repo id
    that is in the Hugging Face cache (``./alice/x`` for ``alice/x``), is loaded with a warning
    saying so, unless ``ref`` is written as a path (``./alice/x``, ``/abs/path``, ``~/...``).
    """
    from . import hub, registry

    if isinstance(ref, os.PathLike):
        return Path(ref)
    if not isinstance(ref, str) or not ref:
        raise WeightsError(f"load: expected a folder, a pretrained name or a Hub repo id, got {ref!r}")
    if ref.startswith("hf-hub:"):
        return hub.download(ref[len("hf-hub:"):])
    path = Path(ref).expanduser()
    if path.is_dir():
        _say_shadowed(ref)
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
        if not hub.valid_repo_id(ref.partition("@")[0]):
            raise WeightsError(f"{ref}: no such weights folder, nor a valid Hub repo id ({hub.REPO_ID_RULES})")
        return hub.download(ref)
    if "/" in ref or os.sep in ref or ref.startswith((".", "~")):
        raise WeightsError(f"{ref}: no such weights folder (check the path)")
    raise UnknownName("pretrained", ref, pretrained,
                      hint="ganzoo list --pretrained; or pass a folder or a Hub repo id user/name")


_warned: set[str] = set()


def _say_shadowed(ref: str) -> None:
    """Warn when the folder ``ref`` hides the pretrained model or Hub repo of the same name."""
    from . import hub, registry

    if ref.startswith((".", "~", "/", os.sep)) or os.path.isabs(ref) or ref in _warned:
        return  # written as a path: the folder is what was asked for (or said once already)
    _warned.add(ref)
    bare = ref.rstrip("/" + os.sep)
    if bare in registry.catalog().specs["pretrained"]:
        log.warning("using the local folder ./%s, not the pretrained model '%s' it shadows (pass ./%s "
                    "to load the folder without this warning, or rename it)", bare, bare, bare)
    elif _REPO_ID.match(bare) and hub.valid_repo_id(bare.partition("@")[0]):
        # Said out loud only when the repo is in the HF cache (it was loaded from the Hub here
        # before, so the name is ambiguous to this user): `ganzoo.load("runs/x")` stays quiet.
        say = log.warning if hub.cached_repo(bare.partition("@")[0]) else log.debug
        say("using the local folder ./%s, not the Hub repo %s it shadows (pass hf-hub:%s for the repo, "
            "or ./%s to load the folder without this warning)", bare, bare, bare, bare)


def load(ref: str | os.PathLike[str], device: Any = None) -> Any:
    """The model behind ``ref`` (folder, ``arch.tag``, ``user/name[@rev]``, ``hf-hub:user/name``).

    Returned in eval mode on ``device`` (CPU by default), with the full ``config.json`` as
    ``model.zoo_config`` so class names and value ranges travel with it.
    """
    from .weights import load_folder

    return load_folder(resolve(ref), device=device)


def push(folder: str | Path, repo_id: str, *, private: bool = False, revision: str | None = None,
         message: str | None = None, token: str | None = None, include_checkpoints: bool = False,
         space: bool = False) -> str:
    """Upload the model in a weights or run folder as one commit; returns the repo URL.

    The folder is loaded first: a folder that would not load is never published. Only the model
    goes up (see :func:`push_files`), not the whole run folder, and the card is rebuilt so its
    usage lines name ``repo_id``; the folder itself is only read. ``include_checkpoints`` adds
    the latest training checkpoint, to resume the run from the Hub. ``space`` also publishes a
    Gradio Space ``repo_id + "-demo"`` that serves ``ganzoo demo`` for the pushed model (see
    :mod:`ganzoo.space`; its URL is :func:`ganzoo.space.space_url`), and the card links it.
    """
    from . import hub
    from .card import CARD_NAME, build_card
    from .space import files as space_files
    from .space import space_id
    from .weights import load_folder

    repo_id, at = hub.split_ref(repo_id)  # a bad id fails before the folder is even read
    folder = Path(folder)
    if at and revision and at != revision:
        raise HubError(f"{repo_id}: revision given twice ('@{at}' and --revision {revision}); keep one")
    revision = revision or at
    demo = space_id(repo_id) if space else None
    if demo and revision not in (None, "main"):
        raise HubError(f"{repo_id}: --space serves the main branch (its card links the Space), not "
                       f"'{revision}'; push the branch without --space, or push to main with it")
    model = load_folder(folder)
    files = push_files(folder, model.zoo_config, include_checkpoints=include_checkpoints)
    # The card names the repo it lives in (and the branch, off main), not USER/REPO.
    ref = repo_id if revision in (None, "main") else f"{repo_id}@{revision}"
    files[CARD_NAME] = build_card(model.zoo_config, model, folder, ref=ref, space=demo).encode("utf-8")
    url = hub.upload(files, repo_id, private=private, revision=revision, token=token,
                     message=message or f"Upload {folder.resolve().name} with ganzoo")
    if demo:
        try:
            # The repo may have been private before this push (--private only sets a new repo's
            # visibility): the Space follows the model's real one.
            hidden = private or hub.is_private(repo_id, token=token)
            hub.upload(space_files(ref, model.zoo_config, private=hidden), demo, private=hidden, token=token,
                       space_sdk="gradio", message=f"Demo of {ref} (ganzoo push --space)")
        except HubError as exc:
            raise HubError(f"{repo_id}: the model is pushed ({url}), but its Space {demo} is not: {exc} "
                           "(push again with --space once that is fixed)") from None
    return url


def push_files(folder: str | Path, config: dict[str, Any], *,
               include_checkpoints: bool = False) -> dict[str, Path | bytes]:
    """What ``push`` publishes from ``folder``: path in the repo -> local file (or bytes).

    ``config.json``, the weights files its "files" map names, ``README.md`` and the pictures the
    card shows; with ``include_checkpoints`` the latest ``checkpoints/step-N/`` and a
    ``checkpoints/latest`` naming it. Everything else in a run folder (per-epoch pictures, GIFs,
    older checkpoints) stays local. Each file must be a regular file inside ``folder``: a symlink
    (say ``README.md -> ~/.cache/huggingface/token``) raises before anything is sent.
    """
    from . import hub
    from .card import CARD_NAME, shown_pictures

    folder = Path(folder)
    names = [hub.CONFIG_NAME, *hub.weights_files(config), CARD_NAME, *shown_pictures(config, folder)]
    files: dict[str, Path | bytes] = {}
    for name in dict.fromkeys(names):
        path = folder / name
        if name == hub.CONFIG_NAME or path.exists() or path.is_symlink():
            files[name] = _regular_file(folder, name)
    if include_checkpoints:
        files.update(_latest_checkpoint(folder))
    return files


def _regular_file(folder: Path, name: str) -> Path:
    """``folder/name`` if it is a regular file inside ``folder``; a link or a way out raises."""
    path = folder / name
    if path.is_symlink():
        raise WeightsError(f"{path}: is a symbolic link (to {os.readlink(path)}); push uploads only "
                           f"regular files inside {folder}: replace the link with a copy of the file")
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise WeightsError(f"{path}: resolves outside {folder} (to {resolved}) through a linked "
                           "folder; push uploads only regular files inside the folder: copy it in")
    if not resolved.is_file():
        raise WeightsError(f"{path}: not a regular file; push uploads only regular files (remove "
                           "it or replace it with the file it should be)")
    return path


def _latest_checkpoint(folder: Path) -> dict[str, Path | bytes]:
    """The newest complete checkpoint of a run folder, laid out as ``ganzoo train --resume`` reads it."""
    from .errors import ConfigError
    from .training import checkpoint

    try:
        latest = checkpoint.latest(folder)
    except ConfigError:
        raise WeightsError(f"{folder}: --include-checkpoints, but the folder has no checkpoint "
                           f"({checkpoint.DIR_NAME}/ is missing or empty); push a run folder made "
                           "by ganzoo train, or drop --include-checkpoints") from None
    files: dict[str, Path | bytes] = {}
    for root, dirs, names in os.walk(latest):
        dirs.sort()
        for name in sorted(names + [d for d in dirs if Path(root, d).is_symlink()]):
            rel = Path(root, name).relative_to(folder).as_posix()
            if not name.startswith(".") and ".tmp" not in name:
                files[rel] = _regular_file(folder, rel)
    # Written fresh: the local pointer may be stale when latest() fell back to an older step.
    files[f"{checkpoint.DIR_NAME}/{checkpoint.LATEST}"] = f"{latest.name}\n".encode()
    return files

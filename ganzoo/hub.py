"""Push folders to, and pull them from, the Hugging Face Hub through ``huggingface_hub``.

The transport only: what a folder must hold is :mod:`ganzoo.weights`'s business, and
:mod:`ganzoo.api` checks it before calling :func:`upload`. Push is ``create_repo(exist_ok=True)``
plus one ``upload_folder`` commit, as in ``huggingface_hub``'s ``ModelHubMixin``; pull is
``snapshot_download`` of ``config.json`` and the safetensors files into the standard HF cache,
so ``HF_HUB_OFFLINE=1`` works from the cache. The token comes from the argument, ``HF_TOKEN`` or
a saved login, and never appears in output: errors are rewritten into one line that names the
repo, the endpoint and the fix.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from .errors import HubError

log = logging.getLogger(__name__)

#: What ``load`` needs from a repo; cards and pictures stay on the Hub.
DOWNLOAD_PATTERNS = ["config.json", "*.safetensors"]
#: Temporary files of interrupted atomic writes are never published.
IGNORE_PATTERNS = [".*", "**/.*", "*.tmp*"]


def endpoint() -> str:
    from huggingface_hub import constants

    return constants.ENDPOINT.rstrip("/")


def split_ref(ref: str) -> tuple[str, str | None]:
    """``user/name@rev`` -> (``user/name``, ``rev``); a malformed id raises naming it."""
    repo_id, _, revision = ref.partition("@")
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts) or any(" " in p for p in parts):
        raise HubError(f"'{ref}' is not a Hub repo id; expected user/name or user/name@revision")
    return repo_id, revision or None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def hub_errors(repo_id: str, action: str) -> Iterator[None]:
    """Turn ``huggingface_hub`` / ``httpx`` failures into one-line :class:`HubError` s."""
    where = endpoint()
    try:
        yield
    except HubError:
        raise
    except Exception as exc:  # noqa: BLE001 - mapped below, or re-raised untouched
        # Upload workers wrap the HTTP error in a RuntimeError: look down the cause chain.
        seen: BaseException | None = exc
        while seen is not None:
            message = _message(seen, repo_id, action, where)
            if message is not None:
                raise HubError(message) from None
            seen = seen.__cause__
        raise


def _message(exc: BaseException, repo_id: str, action: str, where: str) -> str | None:
    """The one-line message for a known failure, None for anything else."""
    import httpx2
    from huggingface_hub import errors as hf

    offline = (f"{repo_id}: HF_HUB_OFFLINE=1 is set and the repo is not in the cache; "
               "unset HF_HUB_OFFLINE to download it once")
    if isinstance(exc, hf.OfflineModeIsEnabled):
        return offline
    if isinstance(exc, hf.RevisionNotFoundError):
        return f"{repo_id}: revision not found on {where}; check the @revision (a branch, tag or commit sha)"
    if isinstance(exc, hf.RepositoryNotFoundError):
        return (f"{repo_id}: repository not found on {where} (or it is private and you are not "
                "logged in); check the id, HF_TOKEN or run `hf auth login`")
    if isinstance(exc, hf.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status == 401:
            return (f"{repo_id}: the Hub at {where} rejected the token (401 Unauthorized) while "
                    f"trying to {action}; check HF_TOKEN or run `hf auth login`")
        if status == 403:
            return (f"{repo_id}: no rights to {action} (403 Forbidden at {where}); use a token "
                    "with write access to that namespace, or push to your own user/name")
        if isinstance(exc, hf.RemoteEntryNotFoundError):
            return (f"{repo_id}: not a ganzoo repo (a file is missing: {_reason(exc)}); push a "
                    "weights folder with `ganzoo push`")
        return f"{repo_id}: the Hub at {where} failed to {action} ({status}: {_reason(exc)})"
    if isinstance(exc, (httpx2.ConnectError, httpx2.TimeoutException, httpx2.NetworkError)):
        return (f"Hub unreachable at {where} while trying to {action} ({_reason(exc)}); check the "
                "network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache")
    if isinstance(exc, hf.LocalEntryNotFoundError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, hf.OfflineModeIsEnabled):
            return offline
        return (f"Hub unreachable at {where} while trying to {action}, and {repo_id} is not in "
                "the cache; check the network or HF_ENDPOINT")
    return None


def download(ref: str, token: str | None = None) -> Path:
    """A local snapshot folder of ``user/name[@rev]`` holding ``config.json`` and the weights."""
    from huggingface_hub import snapshot_download

    repo_id, revision = split_ref(ref)
    with hub_errors(repo_id, "download it"):
        folder = snapshot_download(repo_id, revision=revision, allow_patterns=DOWNLOAD_PATTERNS,
                                   token=token)
    path = Path(folder)
    if not (path / "config.json").is_file():
        raise HubError(f"{ref}: the repo has no config.json, so it is not a ganzoo weights folder "
                       "(push one with `ganzoo push`)")
    return path


def upload(folder: Path, repo_id: str, *, private: bool = False, revision: str | None = None,
           message: str | None = None, token: str | None = None) -> str:
    """Upload ``folder`` to ``repo_id`` (created if missing) as one commit; returns the repo URL."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    with hub_errors(repo_id, "push"):
        url = api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        if revision and revision != "main":
            api.create_branch(repo_id, branch=revision, exist_ok=True, repo_type="model")
        api.upload_folder(
            folder_path=str(folder), repo_id=repo_id, repo_type="model", revision=revision,
            commit_message=message or f"Upload {folder.name} with ganzoo",
            ignore_patterns=IGNORE_PATTERNS,
        )
    return str(url)

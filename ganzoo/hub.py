"""Push folders to, and pull them from, the Hugging Face Hub through ``huggingface_hub``.

The transport only: what a folder must hold, and which of its files are published, is decided
by :mod:`ganzoo.api` before it calls :func:`upload`. Push is ``create_repo(exist_ok=True)`` plus
one ``create_commit`` of an explicit file list (not ``upload_folder``: a run folder holds far more
than the model, and the card is rebuilt for the repo, so its bytes are not the folder's). Pull is
``snapshot_download`` of ``config.json``, then of exactly the weights files it names, into the
standard HF cache, so ``HF_HUB_OFFLINE=1`` works from the cache and stray files in a repo are
never fetched. The token comes from the argument, ``HF_TOKEN`` or a saved login, and never
appears in output: errors are rewritten into one line that names the repo, the endpoint and the
fix. Nor do credentials in ``HF_ENDPOINT`` (``http://user:password@proxy``): every URL shown,
in messages, the returned repo URL and huggingface_hub's own log lines, reads ``http://***@proxy``.

Every Hub request is bounded, so an endpoint that accepts connections and never answers costs
seconds, not forever: each request waits at most ``HF_HUB_ETAG_TIMEOUT`` (metadata, default 10 s
here) or ``HF_HUB_DOWNLOAD_TIMEOUT`` (everything else, default 60 s here) for a connection or the
next bytes, including the API calls huggingface_hub sends with no timeout at all; and
``GANZOO_HUB_TIMEOUT=N`` limits one whole download or push, retries included, to N seconds.
Either way the error is one line: "Hub did not answer within N s". (With Xet uploads, which
huggingface_hub hands to ``hf_xet``, only the HTTP requests around them are bounded.)

A repo id is checked with huggingface_hub's own validator before any request. A connection that
breaks mid-push is one line saying whether the commit was sent (a push is one commit: before it,
nothing was published). huggingface_hub's retry chatter ("Retrying in 8s") is logged at debug
level only (``--debug`` shows it). Every file a download hands over is checked against the hash
its cache blob is named by (sha256 for LFS files, the git blob id otherwise); a corrupt cached
file is fetched again once, with ``force_download``, and only a fresh copy that is still wrong
is an error.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import math
import os
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import HubError

log = logging.getLogger(__name__)

# huggingface_hub reads these once, when it is imported (lazily, after this module): defaults for
# its own timeouts unless the user set them.
os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "10")
os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "60")
#: Seconds one whole download or push may take (unset: no overall limit, each request is bounded).
TOTAL_TIMEOUT_ENV = "GANZOO_HUB_TIMEOUT"

CONFIG_NAME = "config.json"
#: The weights file of a config.json without a "files" map.
DEFAULT_WEIGHTS = "model.safetensors"


#: ``scheme://`` and the userinfo of a URL (up to the last ``@`` before the path).
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/\s?#]*@")


def redact(text: str) -> str:
    """``text`` with the credentials of every URL in it hidden: ``http://user:pw@host`` ->
    ``http://***@host`` (``HF_ENDPOINT`` may hold a proxy's user and password)."""
    return _USERINFO.sub(r"\1***@", text)


class _Redact(logging.Filter):
    """Hides URL credentials in huggingface_hub's log lines (its retries log the full URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        shown = redact(message)
        if shown != message:
            record.msg, record.args = shown, None
        return True


_REDACT = _Redact()


def _redact_hf_logs() -> None:
    """Put :class:`_Redact` on every ``huggingface_hub`` logger (call after importing it)."""
    names = [n for n in list(logging.Logger.manager.loggerDict)
             if n == "huggingface_hub" or n.startswith("huggingface_hub.")]
    for name in names:
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


class _Deadline(Exception):
    """``GANZOO_HUB_TIMEOUT`` ran out; not an httpx error, so huggingface_hub never retries it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer within {seconds:g} s")
        self.seconds = seconds


#: (monotonic end, seconds) of the operation under way; read by the request hook in any thread.
_deadline: tuple[float, float] | None = None
#: What the operation under way got so far: did the Hub answer any request, was a commit sent?
_progress = {"answered": False, "commit_sent": False}
_COMMIT_PATH = re.compile(r"/api/models/[^/]+/[^/]+/commit/")


def _bound_request(request: Any) -> None:
    """httpx request hook: give every Hub request a timeout, and none beyond the deadline.

    huggingface_hub passes ``timeout=None`` (wait forever) to its API calls; httpx keeps the
    request's timeouts in ``request.extensions["timeout"]`` until the transport reads them.
    """
    from huggingface_hub import constants

    limits = dict(request.extensions.get("timeout") or {})
    wait = float(constants.HF_HUB_DOWNLOAD_TIMEOUT)
    left = math.inf
    if _deadline is not None:
        left = _deadline[0] - time.monotonic()
        if left <= 0:
            raise _Deadline(_deadline[1])
    for key in ("connect", "read", "write", "pool"):
        value = limits.get(key)
        limits[key] = min(wait if value is None else float(value), left)
    request.extensions["timeout"] = limits
    if request.method == "POST" and _COMMIT_PATH.search(request.url.path):
        _progress["commit_sent"] = True


def _answered(response: Any) -> None:
    """httpx response hook: the Hub answered (so a later broken connection is not "unreachable")."""
    _progress["answered"] = True


def _bounded_factory(base: Any) -> Any:
    def factory() -> Any:
        client = base()
        if _bound_request not in client.event_hooks["request"]:
            client.event_hooks["request"].append(_bound_request)
        if _answered not in client.event_hooks["response"]:
            client.event_hooks["response"].append(_answered)
        return client

    factory.ganzoo_bounded = True  # type: ignore[attr-defined]
    return factory


def _bound_hub_client() -> None:
    """Wrap huggingface_hub's client factory (the user's, if they set one) so that every client
    it makes, including the one it re-creates after a connection error, has the hook."""
    from huggingface_hub import set_client_factory
    from huggingface_hub.utils import _http

    current = getattr(_http, "_GLOBAL_CLIENT_FACTORY", None) or _http.default_client_factory
    if not getattr(current, "ganzoo_bounded", False):
        set_client_factory(_bounded_factory(current))


def _total_timeout() -> float | None:
    raw = os.environ.get(TOTAL_TIMEOUT_ENV, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (seconds > 0 and math.isfinite(seconds)):
        raise HubError(f"{TOTAL_TIMEOUT_ENV}={raw!r} is not a number of seconds > 0 (the most one "
                       f"download or push may take; unset it for no overall limit)")
    return seconds


#: huggingface_hub's lines about a request it retries; the final error says what went wrong.
_RETRY_CHATTER = re.compile(r"^('.*' thrown while requesting |HTTP Error \d+ thrown while requesting |Retrying in "
                            r"|Error while downloading from |Trying to resume download|Max retries exceeded)")
#: The loggers that write them (a filter sees only records logged on its own logger).
_CHATTY = ("huggingface_hub.utils._http", "huggingface_hub.file_download")


class _QuietRetries(logging.Filter):
    """Moves huggingface_hub's retry lines to ganzoo's debug log, so a failure stays one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.levelno < logging.ERROR and _RETRY_CHATTER.match(message):
            log.debug("huggingface_hub: %s", redact(message))
            return False
        return True


_QUIET = _QuietRetries()


@contextlib.contextmanager
def _bounded() -> Iterator[None]:
    """One Hub operation: bounded requests, credentials out of the logs, the overall deadline."""
    global _deadline
    seconds = _total_timeout()
    _bound_hub_client()
    _redact_hf_logs()
    chatty = [logger for logger in map(logging.getLogger, _CHATTY) if _QUIET not in logger.filters]
    for logger in chatty:
        logger.addFilter(_QUIET)
    before = _deadline
    _deadline = (time.monotonic() + seconds, seconds) if seconds is not None else None
    _progress.update(answered=False, commit_sent=False)
    try:
        yield
    finally:
        _deadline = before
        for logger in chatty:
            logger.removeFilter(_QUIET)


def _waited(exc: BaseException) -> float | None:
    """Seconds after which ``exc`` gave up, if it is a timeout (ours or httpx's), else None."""
    import httpx2

    if isinstance(exc, _Deadline):
        return exc.seconds
    if not isinstance(exc, httpx2.TimeoutException):
        return None
    if _deadline is not None and time.monotonic() >= _deadline[0] - 0.05:
        return _deadline[1]  # the request's wait was cut to what the deadline left
    key = {httpx2.ConnectTimeout: "connect", httpx2.ReadTimeout: "read",
           httpx2.WriteTimeout: "write", httpx2.PoolTimeout: "pool"}.get(type(exc), "read")
    try:
        value = exc.request.extensions["timeout"][key]
        return float(value)
    except (RuntimeError, KeyError, TypeError, ValueError):  # no request attached
        return None


def _timeout_in(exc: BaseException) -> tuple[float | None] | None:
    """``(seconds,)`` if a timeout is anywhere in ``exc``'s cause/context chain, else None.

    huggingface_hub turns a timed-out download into "not in the cache" errors; the timeout is
    the real reason.
    """
    import httpx2

    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        cur = todo.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, (_Deadline, httpx2.TimeoutException)):
            return (_waited(cur),)
        todo += [e for e in (cur.__cause__, cur.__context__) if e is not None]
    return None


def endpoint() -> str:
    """The Hub endpoint as messages show it: credentials in ``HF_ENDPOINT`` are redacted."""
    from huggingface_hub import constants

    return redact(constants.ENDPOINT.rstrip("/"))


#: What a repo id may be, in words (huggingface_hub's ``validate_repo_id`` decides).
REPO_ID_RULES = ("user/name of letters, digits, '-', '_' and '.', no '--' or '..', neither part "
                 "starting or ending with '-' or '.', at most 96 characters each")


def valid_repo_id(repo_id: str) -> bool:
    """Whether the Hub would accept ``repo_id`` (``user/name``), by huggingface_hub's own rules."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts):
        return False
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        return False
    return True


def split_ref(ref: str) -> tuple[str, str | None]:
    """``user/name@rev`` -> (``user/name``, ``rev``); an id the Hub would reject raises naming it.

    Checked here, before any request: the Hub answers a bad id with errors that do not say so.
    """
    repo_id, _, revision = ref.partition("@")
    if not valid_repo_id(repo_id):
        raise HubError(f"'{ref}' is not a valid Hub repo id: use {REPO_ID_RULES} (optionally "
                       "@revision)")
    return repo_id, revision or None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def hub_errors(repo_id: str, action: str, *, cache_helps: bool = True) -> Iterator[None]:
    """Turn ``huggingface_hub`` / ``httpx`` failures into one-line :class:`HubError` s.

    ``cache_helps`` is False for writes: ``HF_HUB_OFFLINE=1`` only helps downloads, so a push
    that cannot reach the Hub must not suggest it.
    """
    where = endpoint()
    try:
        yield
    except HubError:
        raise
    except Exception as exc:  # noqa: BLE001 - mapped below, or re-raised untouched
        timeout = _timeout_in(exc)
        if timeout is not None:
            raise HubError(redact(_timed_out(timeout[0], repo_id, action, where, cache_helps))) from None
        # Upload workers wrap the HTTP error in a RuntimeError: look down the cause chain.
        seen: BaseException | None = exc
        while seen is not None:
            message = _message(seen, repo_id, action, where, cache_helps)
            if message is not None:  # the reason may quote a URL: hide its credentials too
                raise HubError(redact(message)) from None
            seen = seen.__cause__
        raise


def _timed_out(seconds: float | None, repo_id: str, action: str, where: str, cache_helps: bool) -> str:
    within = f" within {seconds:g} s" if seconds is not None else ""
    knob = (TOTAL_TIMEOUT_ENV if _deadline is not None and seconds == _deadline[1]
            else "HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT")
    cache = ", set HF_HUB_OFFLINE=1 to use the cache" if cache_helps else ""
    return (f"{repo_id}: Hub did not answer{within} at {where} while trying to {action}; check the "
            f"network or HF_ENDPOINT{cache}, or allow a slow Hub longer with {knob}")


def _message(exc: BaseException, repo_id: str, action: str, where: str,
             cache_helps: bool = True) -> str | None:
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
    if isinstance(exc, httpx2.TransportError):
        return _broken(exc, repo_id, action, where, cache_helps)
    if isinstance(exc, OSError) and str(exc).startswith("Consistency check failed"):
        return (f"{repo_id}: a file from the Hub at {where} arrived incomplete ({_reason(exc).rstrip('.')}); "
                "try again")
    if isinstance(exc, hf.LocalEntryNotFoundError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, hf.OfflineModeIsEnabled):
            return offline
        return (f"Hub unreachable at {where} while trying to {action}, and {repo_id} is not in "
                "the cache; check the network or HF_ENDPOINT")
    return None


def _broken(exc: BaseException, repo_id: str, action: str, where: str, cache_helps: bool) -> str:
    """A connection that failed: never reached, or broken after the Hub had answered."""
    import httpx2

    reason = _reason(exc).rstrip(".")
    if isinstance(exc, (httpx2.ConnectError, httpx2.TimeoutException)) and not _progress["answered"]:
        fix = "network or HF_ENDPOINT" + (", or set HF_HUB_OFFLINE=1 to use the cache" if cache_helps else "")
        return f"Hub unreachable at {where} while trying to {action} ({reason}); check the {fix}"
    if cache_helps:
        return (f"{repo_id}: the connection to the Hub at {where} broke while trying to {action} "
                f"({reason}); try again")
    if _progress["commit_sent"]:
        return (f"{repo_id}: the connection to the Hub at {where} broke after the commit was sent "
                f"({reason}), so it may or may not have landed (a push is one commit: all of its files "
                f"or none); check {where}/{repo_id} and push again if it is not there")
    return (f"{repo_id}: the connection to the Hub at {where} broke during the push ({reason}); "
            "nothing was published (the commit was never sent): push again")


def weights_files(config: object) -> list[str]:
    """The weights file names a ``config.json`` lists under "files" (``model.safetensors`` if none).

    Names that are not plain file names are left out here; loading the folder reports them.
    """
    files = config.get("files") if isinstance(config, dict) else None
    if not isinstance(files, dict) or not files:
        return [DEFAULT_WEIGHTS]
    return [n for n in dict.fromkeys(files.values())
            if isinstance(n, str) and n and "/" not in n and "\\" not in n and not n.startswith(".")]


def download(ref: str, token: str | None = None) -> Path:
    """A local snapshot folder of ``user/name[@rev]`` holding ``config.json`` and its weights.

    Two steps, both pinned to one commit: ``config.json`` alone, then the files its "files" map
    names. Other files (an old ``*.safetensors``, a nested checkpoint, pictures) are never
    fetched; with ``HF_HUB_OFFLINE=1`` both steps are answered from the cache.
    """
    with _bounded():
        return _download(ref, token)


def _check_token(repo_id: str, token: str | None, given: bool) -> None:
    """A token travels in an HTTP header, which holds printable ASCII only: any other character
    (a mistyped or mis-encoded HF_TOKEN) would fail deep inside the HTTP client. The token itself
    is never shown."""
    if token and not (token.isascii() and token.isprintable()):
        source = "--token" if given else "HF_TOKEN or the saved login"
        raise HubError(f"{repo_id}: the Hub token from {source} holds characters no token has (non-ASCII "
                       "or control characters); copy it again from your Hub settings (or run `hf auth login`)")


def _download(ref: str, token: str | None) -> Path:
    from huggingface_hub import get_token, snapshot_download

    repo_id, revision = split_ref(ref)
    _check_token(repo_id, token or get_token(), token is not None)
    with hub_errors(repo_id, "download it"):
        folder = Path(snapshot_download(repo_id, revision=revision, allow_patterns=[CONFIG_NAME],
                                        token=token))
    config_path = folder / CONFIG_NAME
    if not config_path.is_file():
        raise HubError(f"{ref}: the repo has no config.json, so it is not a ganzoo weights folder "
                       "(push one with `ganzoo push`)")
    # The snapshot folder is named after the commit it holds: fetch the weights of that commit,
    # even if the branch moved in between.
    pinned = folder.name if re.fullmatch(r"[0-9a-f]{40}", folder.name) else revision
    _intact(repo_id, folder, pinned, [CONFIG_NAME], token)
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return folder  # loading the folder names the broken file and the fix
    names = weights_files(config)
    patterns = [CONFIG_NAME, *(glob.escape(name) for name in names)]
    with hub_errors(repo_id, "download it"):
        snapshot_download(repo_id, revision=pinned, allow_patterns=patterns, token=token)
    _intact(repo_id, folder, pinned, names, token)
    return folder


def download_files(repo_id: str, revision: str, names: list[str], token: str | None = None) -> None:
    """Also fetch ``names`` (plain file names; missing ones are skipped) of one commit of a model
    repo into its snapshot, beside what :func:`download` fetched: the card and its pictures,
    which ``ganzoo demo`` shows and loading never needs."""
    from huggingface_hub import snapshot_download

    patterns = [glob.escape(n) for n in dict.fromkeys(names)
                if n and "/" not in n and "\\" not in n and not n.startswith(".")]
    with _bounded(), hub_errors(repo_id, "download its card"):
        snapshot_download(repo_id, revision=revision, allow_patterns=patterns, token=token)


def _blob_hash(blob: Path) -> str | None:
    """The hash ``blob``'s bytes have in the scheme its name uses, None if the name is neither.

    The HF cache names a blob by its ETag: the sha256 of an LFS file, the git blob id (sha1 of
    ``blob <size>\\0`` + bytes) of any other.
    """
    name = blob.name
    if re.fullmatch(r"[0-9a-f]{64}", name):
        digest = hashlib.sha256()
    elif re.fullmatch(r"[0-9a-f]{40}", name):
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(b"blob %d\0" % blob.stat().st_size)
    else:
        return None
    with blob.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _corrupt(folder: Path, names: list[str]) -> list[str]:
    """The files among ``names`` in a snapshot ``folder`` whose blob does not match its name.

    A file that is not a link into the blob store (a cache without symlinks) cannot be checked
    this way; a missing one is left to loading, which names it.
    """
    bad = []
    for name in names:
        path = folder / name
        if not path.is_symlink():
            continue
        blob = path.resolve()
        if blob.is_file():
            got = _blob_hash(blob)
            if got is not None and got != blob.name:
                bad.append(name)
    return bad


def _intact(repo_id: str, folder: Path, revision: str | None, names: list[str], token: str | None) -> None:
    """Check the cached ``names`` of ``folder``; fetch corrupt ones again once, then give up."""
    from huggingface_hub import constants, snapshot_download

    bad = _corrupt(folder, names)
    if not bad:
        return
    shown = ", ".join(bad)
    if constants.HF_HUB_OFFLINE:
        raise HubError(f"{repo_id}: the cached {shown} is corrupt (its bytes do not match the hash it is "
                       f"stored under in {constants.HF_HUB_CACHE}); unset HF_HUB_OFFLINE to download it again")
    log.warning("%s: the cached %s was corrupt (its bytes do not match its hash); downloading it again",
                repo_id, shown)
    with hub_errors(repo_id, "download it"):
        snapshot_download(repo_id, revision=revision, allow_patterns=[glob.escape(n) for n in bad],
                          token=token, force_download=True)
    still = _corrupt(folder, bad)
    if still:
        raise HubError(redact(f"{repo_id}: {', '.join(still)} is corrupt even as downloaded again from "
                              f"{endpoint()} (its bytes do not match the hash the Hub gives for it); try "
                              "again later, or tell the repo's owner"))


def cached_repo(repo_id: str) -> bool:
    """Whether the HF cache holds anything of the model repo ``repo_id`` (no request is made)."""
    from huggingface_hub import constants

    return (Path(constants.HF_HUB_CACHE).expanduser() / f"models--{repo_id.replace('/', '--')}").is_dir()


def in_cache(folder: str | Path) -> bool:
    """Whether ``folder`` is in the Hugging Face cache (``HF_HUB_CACHE``, or any repo snapshot).

    Its files are links to blobs that other snapshots share and that loading checks against
    their hashes: only huggingface_hub may change them, so ganzoo never writes there.
    """
    from huggingface_hub import constants

    path = Path(folder).expanduser().resolve()
    if path.is_relative_to(Path(constants.HF_HUB_CACHE).expanduser().resolve()):
        return True
    return any(p.name == "snapshots" and p.parent.name.startswith(("models--", "datasets--", "spaces--"))
               for p in path.parents)


def is_private(repo_id: str, token: str | None = None) -> bool:
    """Whether the model repo ``repo_id`` is private (one metadata request)."""
    from huggingface_hub import HfApi

    with _bounded(), hub_errors(repo_id, "read its settings", cache_helps=False):
        return bool(HfApi(token=token).repo_info(repo_id, revision="main", repo_type="model").private)


def upload(files: Mapping[str, Path | bytes], repo_id: str, *, private: bool = False,
           revision: str | None = None, message: str | None = None, token: str | None = None,
           space_sdk: str | None = None) -> str:
    """Commit ``files`` (path in repo -> local file or bytes) to ``repo_id`` as one commit.

    The repo (and a ``revision`` branch) is created if missing; returns the repo URL. With
    ``space_sdk`` (``"gradio"``) the repo is a Space running that SDK, not a model repo. Without
    a token nothing is sent: the Hub would only answer 401, which reads like a wrong token.
    """
    from huggingface_hub import CommitOperationAdd, HfApi, get_token

    _check_token(repo_id, token or get_token(), token is not None)
    token = token or get_token()
    if not token:
        raise HubError(f"{repo_id}: no Hub token: run `hf auth login` or set HF_TOKEN (or pass "
                       f"--token) to push to {endpoint()}")
    api = HfApi(token=token)
    operations = [CommitOperationAdd(path_in_repo=path, path_or_fileobj=content if isinstance(content, bytes)
                                     else str(content)) for path, content in files.items()]
    kind = "space" if space_sdk else "model"
    with _bounded(), hub_errors(repo_id, "push", cache_helps=False):
        url = api.create_repo(repo_id, private=private, exist_ok=True, repo_type=kind, space_sdk=space_sdk)
        if revision and revision != "main":
            api.create_branch(repo_id, branch=revision, exist_ok=True, repo_type=kind)
        api.create_commit(repo_id, operations, repo_type=kind, revision=revision,
                          commit_message=message or f"Upload {repo_id.split('/')[1]} with ganzoo")
    return redact(str(url))

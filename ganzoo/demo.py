"""``ganzoo demo``: look at a model in the browser before downloading or training anything.

People judge a model by looking at it, and the Hub has no inference widget for some kinds
(unconditional image generation among them), so ganzoo serves its own page: a Gradio app with
the panel the model's task plugin builds (:meth:`ganzoo.tasks.Task.demo`) and the model card
beside it. The same :func:`build` runs a Space: ``ganzoo push --space`` uploads an ``app.py``
that calls it (:mod:`ganzoo.space`).

Gradio is an optional extra (``pip install 'ganzoo[demo]'``): it is imported here, only when a
page is built. Gradio's telemetry and update check are off (they would phone home from
someone's laptop), and files it caches for the page are deleted after an hour.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import socket
from pathlib import Path
from typing import Any

from .errors import ConfigError, GanzooError

log = logging.getLogger(__name__)

#: What to install when Gradio is missing.
INSTALL = "pip install 'ganzoo[demo]'"
#: Where ``ganzoo demo`` listens unless told otherwise: this machine only (``--host 0.0.0.0``
#: shares it with the network, ``--share`` through a public Gradio link).
DEFAULT_HOST = "127.0.0.1"
#: Card pictures larger than this are left out of the page rather than inlined.
MAX_INLINE_BYTES = 2_000_000
#: The pictures a card may inline, by suffix.
PICTURE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
                 ".webp": "image/webp"}
#: Gradio deletes the files it cached for the page (grids, GIFs, uploads) this old, this often (s).
CACHE_SECONDS = 3600

_IMAGE_LINK = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def gradio() -> Any:
    """The ``gradio`` module, or a one-line error saying how to install it."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        import gradio as gr
    except ImportError as exc:
        raise ConfigError(f"demo: Gradio is not installed ({exc}); install it with: {INSTALL}") from None
    return gr


def card_markdown(folder: str | Path) -> str:
    """The folder's model card as the page shows it: no YAML header, pictures inlined.

    The card links its pictures by file name (``![samples](samples.png)``), which a page served
    from elsewhere cannot follow, so each picture in the folder becomes a ``data:`` URI. Only
    image files named directly in the folder are inlined (a card from the Hub must not pull
    other local files into a shared page); a link to anything else, missing or oversized is
    dropped.
    """
    path = Path(folder) / "README.md"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "*No model card in this folder.*"
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            text = text[end + 4:]

    def inline(match: re.Match[str]) -> str:
        alt, target = match.group(1), match.group(2)
        if target.startswith(("http://", "https://", "data:")):
            return match.group(0)
        picture = Path(folder) / target
        mime = PICTURE_TYPES.get(picture.suffix.lower())
        # A plain file name (a Hub snapshot's files are links into the cache's blobs: allowed).
        if (mime is None or "/" in target or "\\" in target or target.startswith(".")
                or not picture.is_file() or picture.stat().st_size > MAX_INLINE_BYTES):
            return ""
        return f"![{alt}](data:{mime};base64,{base64.b64encode(picture.read_bytes()).decode()})"

    return _IMAGE_LINK.sub(inline, text).strip()


def build(ref: str | os.PathLike[str], *, title: str | None = None) -> Any:
    """A Gradio ``Blocks`` page for the model behind ``ref`` (folder, pretrained name, Hub repo).

    The model is loaded (and downloaded) here, once; the page's handlers share it. Its task
    builds the panel, so a new kind of model brings its own (see :meth:`ganzoo.tasks.Task.demo`).
    Launch it with :func:`serve` or ``page.launch()``.
    """
    from . import api, tasks
    from .weights import load_folder

    gr = gradio()
    folder = api.resolve(ref)
    model = load_folder(folder)
    task = tasks.for_model(model)
    config = getattr(model, "zoo_config", None) or {}
    _fetch_card(folder, config)
    name = str(config.get("model") or type(model).__name__)
    dataset = (config.get("dataset") or {}).get("name") if isinstance(config.get("dataset"), dict) else None
    heading = title or (str(ref) if not isinstance(ref, os.PathLike) else Path(ref).name)
    with gr.Blocks(title=f"{heading} · ganzoo demo", analytics_enabled=False,
                   delete_cache=(CACHE_SECONDS, CACHE_SECONDS)) as page:
        gr.Markdown(f"# {heading}\n`{name}`" + (f" trained on `{dataset}`" if dataset else "")
                    + f" · task `{task.name}` · [ganzoo](https://pypi.org/project/ganzoo/)")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                task.demo(model)
            with gr.Column(scale=2):
                with gr.Accordion("Model card", open=True):
                    gr.Markdown(card_markdown(folder), elem_id="model-card", max_height=1000)
    page.ganzoo_model = model  # type: ignore[attr-defined]
    return page


def _fetch_card(folder: Path, config: dict[str, Any]) -> None:
    """For a Hub snapshot (``ganzoo.load`` fetches only config and weights), also fetch its card
    and the pictures it shows, from the same commit. Best effort: the panel works without them."""
    from . import hub
    from .card import picture_names

    if (folder / "README.md").is_file() or not hub.in_cache(folder):
        return
    repo = folder.parent.parent.name
    if folder.parent.name != "snapshots" or not repo.startswith("models--"):
        return
    repo_id = repo[len("models--"):].replace("--", "/", 1)
    try:
        hub.download_files(repo_id, folder.name, ["README.md", *picture_names(config)])
    except GanzooError as exc:
        log.warning("%s: showing the page without its model card (%s)", repo_id, exc)


def _check_host(host: str, port: int | None) -> None:
    """A host this machine cannot listen on fails here, in one line (Gradio would retry 100 ports,
    5 s each, printing a uvicorn error for each)."""
    try:
        family = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port or 0))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if port and getattr(exc, "errno", None) in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise ConfigError(f"demo: port {port} on {host} is in use ({reason}); pass another --port, or "
                              "stop what is using it") from None
        raise ConfigError(f"demo: cannot listen on {host} ({reason}); use --host 127.0.0.1 (this machine) "
                          "or 0.0.0.0 (every network interface)") from None


def _no_proxy_for_loopback() -> None:
    """Gradio checks its own URL over HTTP; an HTTP(S)_PROXY must not carry that to a proxy."""
    for name in ("NO_PROXY", "no_proxy"):
        have = [h.strip() for h in os.environ.get(name, "").split(",") if h.strip()]
        os.environ[name] = ",".join(dict.fromkeys([*have, "127.0.0.1", "localhost"]))


def serve(page: Any, *, host: str = DEFAULT_HOST, port: int | None = None, share: bool = False) -> str:
    """Start ``page`` in a background thread and return its local URL.

    ``port`` None takes the first free port from 7860 up (Gradio's own search); a given port
    that is taken, or a host this machine has no address for, is a one-line error. Stop it with
    ``page.close()``.
    """
    _check_host(host, port)
    _no_proxy_for_loopback()
    try:
        page.launch(server_name=host, server_port=port, share=share, prevent_thread_lock=True,
                    quiet=True, show_error=True, ssr_mode=False, inbrowser=False)
    except OSError as exc:
        where = f"port {port} on {host}" if port else f"a free port on {host} from 7860 up"
        raise ConfigError(f"demo: cannot listen on {where} ({exc}); pass another --port, or stop "
                          "what is using it") from None
    except ValueError as exc:  # Gradio could not reach its own URL
        raise ConfigError(f"demo: the page started but {host} did not answer ({str(exc).splitlines()[0]}); "
                          "check NO_PROXY and the firewall, or use --host 127.0.0.1") from None
    return str(page.local_url)

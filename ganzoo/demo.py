"""``ganzoo demo``: look at a model in the browser before downloading or training anything.

People judge a generative model by looking at it, and the Hub has no inference widget for
unconditional image generation, so ganzoo serves its own page: a Gradio app with the model's
task panel (:meth:`ganzoo.tasks.Task.demo`: a GAN's Generate button, a classifier's upload
box, a regressor's forecast plot) and the model card beside it. The same :func:`build` runs a
Space: ``ganzoo push --space`` uploads an ``app.py`` that calls it (:mod:`ganzoo.space`).

Gradio is an optional extra (``pip install 'ganzoo[demo]'``): it is imported here, only when a
page is built. Gradio's telemetry and update check stay off (they would phone home from
someone's laptop; ``GRADIO_ANALYTICS_ENABLED`` set by the user still wins).
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

from .errors import ConfigError

#: What to install when Gradio is missing.
INSTALL = "pip install 'ganzoo[demo]'"
#: Where ``ganzoo demo`` listens unless told otherwise: this machine only (``--host 0.0.0.0``
#: shares it with the network, ``--share`` through a public Gradio link).
DEFAULT_HOST = "127.0.0.1"
#: Card pictures larger than this are left out of the page rather than inlined.
MAX_INLINE_BYTES = 2_000_000

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
    from elsewhere cannot follow, so each picture in the folder becomes a ``data:`` URI; a link
    to a missing or oversized file is dropped.
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
        if "/" in target or not picture.is_file() or picture.stat().st_size > MAX_INLINE_BYTES:
            return ""
        mime = "image/png" if picture.suffix.lower() == ".png" else "image/jpeg"
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
    name = str(config.get("model") or type(model).__name__)
    dataset = (config.get("dataset") or {}).get("name") if isinstance(config.get("dataset"), dict) else None
    heading = title or (str(ref) if not isinstance(ref, os.PathLike) else Path(ref).name)
    with gr.Blocks(title=f"{heading} · ganzoo demo", analytics_enabled=False) as page:
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


def serve(page: Any, *, host: str = DEFAULT_HOST, port: int | None = None, share: bool = False) -> str:
    """Start ``page`` in a background thread and return its local URL.

    ``port`` None takes the first free port from 7860 up (Gradio's own search); a given port
    that is taken is a one-line error. Stop it with ``page.close()``.
    """
    try:
        page.launch(server_name=host, server_port=port, share=share, prevent_thread_lock=True,
                    quiet=True, show_error=True, ssr_mode=False, inbrowser=False)
    except OSError as exc:
        where = f"port {port} on {host}" if port else f"a free port on {host} from 7860 up"
        raise ConfigError(f"demo: cannot listen on {where} ({exc}); pass another --port, or stop "
                          "what is using it") from None
    return str(page.local_url)

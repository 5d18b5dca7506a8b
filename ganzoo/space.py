"""The Gradio Space that ``ganzoo push REF USER/REPO --space`` publishes beside a model.

The Hub has no inference widget for unconditional image generation, so model authors publish
a Space next to the model (the HugGAN sprint asked for exactly that pair). Ours is three small
files: an ``app.py`` that loads the model from the Hub with ``ganzoo.load`` and serves
:func:`ganzoo.demo.build`'s page, a ``requirements.txt`` naming ``ganzoo[demo]``, and a
``README.md`` whose metadata the Hub reads (SDK, app file, and ``models:``, which links the
Space from the model's page). The model's own card links the Space back. Nothing here imports
torch or Gradio.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .errors import HubError

#: The Space's name is the model repo's plus this.
SUFFIX = "-demo"
#: The Gradio version a Space is pinned to when Gradio is not installed here (the one tested).
GRADIO_VERSION = "6.31.0"


def space_id(repo_id: str) -> str:
    """``USER/REPO-demo`` for the model repo ``USER/REPO``, checked as a Hub repo id."""
    from . import hub

    out = f"{repo_id}{SUFFIX}"
    if not hub.valid_repo_id(out):
        raise HubError(f"{repo_id}: its Space would be {out}, which is not a valid Hub repo id "
                       f"({hub.REPO_ID_RULES}); shorten the model repo's name")
    return out


def space_url(repo_id: str) -> str:
    """The Space's page on the Hub (or on ``HF_ENDPOINT``)."""
    from . import hub

    return f"{hub.endpoint()}/spaces/{repo_id}"


def gradio_version() -> str:
    """The Gradio version the Space runs: this machine's, where the demo was tried, else ours."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gradio")
    except PackageNotFoundError:
        return GRADIO_VERSION


def files(model_ref: str, config: dict[str, Any], *, private: bool = False) -> dict[str, bytes]:
    """``app.py``, ``requirements.txt`` and ``README.md`` of the Space for ``model_ref``
    (``USER/REPO`` or ``USER/REPO@revision``), as bytes."""
    name = str(config.get("model") or "model")
    data = config.get("dataset") if isinstance(config.get("dataset"), dict) else {}
    dataset = data.get("name") if isinstance(data.get("name"), str) else None
    about = f"{name} trained on {dataset}" if dataset else name
    repo_id = model_ref.partition("@")[0]
    app = f'''"""A Gradio demo of the ganzoo model {model_ref}: {about}.

Made by `ganzoo push --space`. Locally: pip install 'ganzoo[demo]' && ganzoo demo {model_ref}
"""

import ganzoo.demo

demo = ganzoo.demo.build("{model_ref}")

if __name__ == "__main__":
    demo.launch()
'''
    requirements = f"ganzoo[demo]>={__version__}\n"
    token_note = ("\nThe model repo is private: give the Space an `HF_TOKEN` secret that can read it.\n"
                  if private else "")
    readme = f"""---
title: {repo_id.split('/')[1]}{SUFFIX}
emoji: 🎨
colorFrom: indigo
colorTo: pink
sdk: gradio
sdk_version: {gradio_version()}
app_file: app.py
pinned: false
license: {config.get('license') or 'apache-2.0'}
short_description: {about[:60]}, served by ganzoo demo
models:
- {repo_id}
---

# {model_ref}: try it in the browser

A [ganzoo](https://pypi.org/project/ganzoo/) demo of [{model_ref}]({_model_url(repo_id)}) ({about}):
the same page `ganzoo demo {model_ref}` serves on your own machine.
{token_note}"""
    return {"app.py": app.encode(), "requirements.txt": requirements.encode(), "README.md": readme.encode()}


def _model_url(repo_id: str) -> str:
    from . import hub

    return f"{hub.endpoint()}/{repo_id}"

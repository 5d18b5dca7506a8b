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

import json
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


#: The Hub refuses a Space whose ``short_description`` is longer.
MAX_SHORT_DESCRIPTION = 60


def requirements(config: dict[str, Any]) -> list[str]:
    """What the Space installs: ``ganzoo[demo]``, plus the distributions that registered the
    model and its task when they are not ganzoo's own (a third-party plugin's model needs its
    plugin in the Space too), at the versions installed here or newer."""
    from importlib.metadata import PackageNotFoundError, version

    from . import registry

    lines = [f"ganzoo[demo]>={__version__}"]
    catalog = registry.catalog().specs
    specs = [catalog["model"].get(str(config.get("model") or "")), catalog["task"].get(str(config.get("task") or ""))]
    for dist in dict.fromkeys(s.distribution for s in specs if s is not None and s.distribution):
        if dist.lower() == "ganzoo":
            continue
        try:
            lines.append(f"{dist}>={version(dist)}")
        except PackageNotFoundError:
            lines.append(dist)
    return lines


def files(model_ref: str, config: dict[str, Any], *, private: bool = False) -> dict[str, bytes]:
    """``app.py``, ``requirements.txt`` and ``README.md`` of the Space for ``model_ref``
    (``USER/REPO``), as bytes."""
    import yaml

    name = str(config.get("model") or "model")
    data = config.get("dataset") if isinstance(config.get("dataset"), dict) else {}
    dataset = data.get("name") if isinstance(data.get("name"), str) else None
    about = f"{name} trained on {dataset}" if dataset else name
    repo_id = model_ref.partition("@")[0]
    app = f'''"""A Gradio demo of the ganzoo model {model_ref}.

Made by `ganzoo push --space`. Locally: pip install 'ganzoo[demo]' && ganzoo demo {model_ref}
"""

import ganzoo.demo

demo = ganzoo.demo.build({json.dumps(model_ref)})

if __name__ == "__main__":
    demo.launch()
'''
    short = f"{about}, served by ganzoo demo"
    if len(short) > MAX_SHORT_DESCRIPTION:
        short = about if len(about) <= MAX_SHORT_DESCRIPTION else about[:MAX_SHORT_DESCRIPTION - 3] + "..."
    license_id = config.get("license") if isinstance(config.get("license"), str) and config["license"] else None
    meta = {"title": f"{repo_id.split('/')[1]}{SUFFIX}", "emoji": "🎨", "colorFrom": "indigo", "colorTo": "pink",
            "sdk": "gradio", "sdk_version": gradio_version(), "app_file": "app.py", "pinned": False,
            "license": license_id or "apache-2.0", "short_description": short, "models": [repo_id]}
    token_note = ("\nThe model repo is private, and so is this Space: give it an `HF_TOKEN` secret that "
                  "can read the model. Keep the Space private: a public one would serve the private model "
                  "to anyone.\n" if private else "")
    readme = (f"---\n{yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)}---\n\n"
              f"# {model_ref}: try it in the browser\n\n"
              f"A [ganzoo](https://pypi.org/project/ganzoo/) demo of [{model_ref}]({_model_url(repo_id)}) "
              f"({about}): the same page `ganzoo demo {model_ref}` serves on your own machine.\n{token_note}")
    return {"app.py": app.encode(), "requirements.txt": ("\n".join(requirements(config)) + "\n").encode(),
            "README.md": readme.encode()}


def _model_url(repo_id: str) -> str:
    from . import hub

    return f"{hub.endpoint()}/{repo_id}"

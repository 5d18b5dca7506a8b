"""Helpers that build real plugin distributions on disk: a dist-info folder with METADATA and
entry_points.txt next to the plugin's modules, exactly what ``pip install`` leaves behind."""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_dist(site: Path, dist: str, version: str, entry_points: dict[str, str],
              modules: dict[str, str]) -> Path:
    """Write distribution ``dist`` into the folder ``site`` (put it on PYTHONPATH to "install" it).

    ``entry_points`` maps entry-point names (group ``ganzoo``) to module names; ``modules`` maps
    file names (``toy_plugin.py``) to their source.
    """
    site.mkdir(parents=True, exist_ok=True)
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = ["[ganzoo]"] + [f"{name} = {module}" for name, module in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for filename, source in modules.items():
        (site / filename).write_text(textwrap.dedent(source), encoding="utf-8")
    return site


def model_plugin_source(name: str, description: str = "a toy model") -> str:
    """A plugin module registering one model ``name`` (reusing the built-in MLP classifier)."""
    return f'''
        from ganzoo import hookimpl
        from ganzoo.specs import ModelSpec, Param

        @hookimpl
        def register_models(register):
            register(ModelSpec(
                name={name!r},
                builder="ganzoo_plugins.classifier.model:MLPClassifier",
                description={description!r},
                task="classification",
                default_loss="cross-entropy",
                params={{"hidden": Param("int", 8, "hidden width")}},
            ))
    '''

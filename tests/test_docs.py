"""The docs stay true: the CLI reference is regenerated from the CLI, the plugin guide names
every hook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_cli_reference_is_up_to_date():
    generated = subprocess.run([sys.executable, "-m", "ganzoo.cli.docgen"], capture_output=True,
                               text=True, check=True, env={"COLUMNS": "40", "PATH": ""}).stdout
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == generated, (
        "docs/cli.md is stale: run `python -m ganzoo.cli.docgen > docs/cli.md`"
    )


def test_cli_reference_covers_every_command():
    from ganzoo.cli import cli

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"## `ganzoo {name}`" in text, name


def test_plugin_guide_documents_every_hook():
    from ganzoo import hookspecs

    guide = (DOCS / "plugins.md").read_text(encoding="utf-8")
    hooks = [n for n in dir(hookspecs) if n.startswith("register_")]
    assert hooks
    for hook in hooks:
        assert f"`{hook}(register)`" in guide, hook
    for name in ("GANZOO_PLUGINS", "ganzoo-example", "builder", "Param"):
        assert name in guide

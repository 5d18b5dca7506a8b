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


def _flags_by_verb() -> dict[str, set[str]]:
    """Every flag of every verb, read from docs/cli.md (itself checked against the CLI above)."""
    import re

    out: dict[str, set[str]] = {}
    verb = None
    for line in (DOCS / "cli.md").read_text(encoding="utf-8").splitlines():
        head = re.match(r"## `ganzoo (\S+)`", line)
        if head:
            verb = head.group(1)
            out[verb] = {"--help"}
        elif verb is not None:
            out[verb].update(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", line))
    return out


def _documented_commands() -> list[tuple[str, str, str]]:
    """(file, verb, command text) for every `ganzoo VERB ...` in README.md and docs/*.md.

    Inline code spans are read whole; code blocks line by line, without shell comments.
    """
    import re

    files = [DOCS.parent / "README.md", *sorted(p for p in DOCS.glob("*.md") if p.name != "cli.md")]
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        pieces: list[str] = []
        for i, block in enumerate(re.split(r"^```.*$", text, flags=re.M)):
            if i % 2:  # inside a fenced block
                pieces += [line.split(" # ")[0] for line in block.splitlines()]
            else:
                pieces += re.findall(r"`([^`\n]+)`", block)
        for piece in pieces:
            for match in re.finditer(r"(?<!from )(?<!import )\bganzoo ([a-z][\w-]*)((?:(?!\bganzoo ).)*)", piece):
                found.append((path.name, match.group(1), match.group(2)))
    return found


def test_every_documented_flag_exists():
    """README.md and docs/*.md show no `ganzoo VERB --flag` that `ganzoo VERB --help` lacks."""
    import re

    flags = _flags_by_verb()
    commands = _documented_commands()
    assert len(commands) > 50  # the scan reads the docs (guards the regexes)
    wrong = []
    for name, verb, rest in commands:
        if verb not in flags:
            wrong.append(f"{name}: ganzoo {verb} (no such command)")
            continue
        for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", rest):
            if flag not in flags[verb]:
                wrong.append(f"{name}: ganzoo {verb} ... {flag}")
    assert not wrong, "documented but missing:\n" + "\n".join(sorted(set(wrong)))

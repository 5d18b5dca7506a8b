"""Generate the CLI reference (docs/cli.md) from the registered click commands.

``python -m ganzoo.cli.docgen > docs/cli.md``. It walks whatever commands are registered, so a
new command module is documented with no change here; a test fails when docs/cli.md is stale.
"""

from __future__ import annotations

import click

HEADER = """# CLI reference

Generated from the command tree by `python -m ganzoo.cli.docgen > docs/cli.md`; do not edit by
hand (`tests/test_docs.py` fails when this file is stale).

Every error is one line on stderr, `ganzoo: error: ...`, with exit code 2 (3 when training
diverges); never a traceback.
"""


def _walk(command: click.Command, ctx: click.Context) -> list[tuple[str, click.Context]]:
    """Every command with the context it runs in (so usage lines and -h come out as typed)."""
    out = [(ctx.command_path, ctx)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            sub = command.commands[name]
            out += _walk(sub, click.Context(sub, info_name=name, parent=ctx))
    return out


def render() -> str:
    """The whole reference as Markdown: one section per command, its ``--help`` verbatim."""
    from . import cli

    root = click.Context(cli, info_name="ganzoo", terminal_width=100, **cli.context_settings)
    parts = [HEADER]
    for title, ctx in _walk(cli, root):
        parts.append(f"## `{title}`\n\n```text\n{ctx.get_help().rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    click.echo(render(), nl=False)

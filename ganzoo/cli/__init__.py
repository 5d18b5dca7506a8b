"""The ``ganzoo`` command. Thin: parse, call the API, print.

Every :class:`~ganzoo.errors.GanzooError` and every usage mistake becomes one line on stderr and
exit code 2 (3 for a diverged training run), never a traceback. Command modules import no torch
at module level, so ``ganzoo --help`` and ``ganzoo list`` stay fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from .._version import __version__
from ..errors import GanzooError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="ganzoo")
def cli() -> None:
    """ganzoo: a plugin-based model zoo for PyTorch GANs and classic models.

    \b
    ganzoo list                     every model, dataset and loss installed
    ganzoo info dcgan               hyperparameters, shapes, task, default loss
    ganzoo summary dcgan            torchinfo summary of each network
    ganzoo train dcgan digits       train on the embedded digits data
    """


def _register_commands() -> None:
    from . import catalog

    for module in (catalog,):
        for command in module.COMMANDS:
            cli.add_command(command)
    for optional in ("train", "weights", "evaluate"):
        try:
            module = __import__(f"ganzoo.cli.{optional}", fromlist=["COMMANDS"])
        except ModuleNotFoundError as exc:
            if exc.name != f"ganzoo.cli.{optional}":
                raise
            continue
        for command in module.COMMANDS:
            cli.add_command(command)


_register_commands()


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"ganzoo: error: {message}", err=True)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run the CLI, mapping errors to one line and an exit code."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="ganzoo",
                        standalone_mode=False)
    except GanzooError as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exc.exit_code)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "ganzoo"
        _fail(f"{exc.format_message()} (see: {where} --help)", 2)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    if isinstance(code, int) and code:
        sys.exit(code)

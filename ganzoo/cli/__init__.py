"""The ``ganzoo`` command. Thin: parse, call the API, print.

Every :class:`~ganzoo.errors.GanzooError` and every usage mistake becomes one line on stderr and
exit code 2 (3 for a diverged training run), never a traceback; ``--debug`` (or
``GANZOO_DEBUG=1``) prints the traceback behind the line. Library warnings (logging) go to
stderr as ``warning: ...``. Command modules import no torch at module level, so ``ganzoo
--help`` and ``ganzoo list`` stay fast.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence

import click

from .._version import __version__
from ..errors import GanzooError
from . import catalog, demo, evaluate, export, train, weights

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
DEBUG_ENV = "GANZOO_DEBUG"

_debug = False


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="ganzoo")
@click.option("--debug", is_flag=True, help=f"Show the full traceback behind an error (or set {DEBUG_ENV}=1).")
def cli(debug: bool) -> None:
    """ganzoo: a plugin-based model zoo for PyTorch GANs and classic models.

    \b
    ganzoo list                     every model, dataset, loss and task installed
    ganzoo info dcgan               hyperparameters, shapes, task, default loss
    ganzoo summary dcgan            torchinfo summary of each network
    ganzoo train dcgan digits       train on the embedded digits data
    """
    global _debug
    _debug = _debug or debug
    if _debug:
        logging.getLogger("ganzoo").setLevel(logging.DEBUG)


for _module in (catalog, train, weights, evaluate, export, demo):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


class _Format(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        return text if record.levelno < logging.WARNING else f"{record.levelname.lower()}: {text}"


def _setup_logging() -> None:
    log = logging.getLogger("ganzoo")
    if not any(getattr(h, "_ganzoo", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_Format())
        handler._ganzoo = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.DEBUG if _debug else logging.WARNING)


def _fail(message: str, code: int = 2) -> None:
    if _debug:
        traceback.print_exc()
    click.echo(f"ganzoo: error: {message}", err=True)
    sys.exit(code)


def _os_error(exc: OSError) -> str:
    """One line for an OSError that reached the top: the file, the reason, what to do."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{reason} (check the path, its permissions and the free disk space)"


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run the CLI, mapping errors to one line and an exit code."""
    global _debug
    _debug = os.environ.get(DEBUG_ENV, "") not in ("", "0")
    _setup_logging()
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
    except OSError as exc:  # a file the command writes or reads: full disk, read-only, too long
        _fail(_os_error(exc), 2)
    if isinstance(code, int) and code:
        sys.exit(code)

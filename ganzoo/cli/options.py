"""Click parameters derived from the option table (:mod:`ganzoo.options`), and shared options.

A command built with :class:`TableCommand` gets one click option per declared option of its
verb, the task plugins' included, the first time click asks for its parameters: ``ganzoo
--help`` and ``ganzoo list`` never load the table. Defaults are shown from the table, but the
command sees only what the user typed (:func:`given`), so the recipe and the table apply their
defaults in one place.
"""

from __future__ import annotations

from typing import Any

import click

from ..specs import Option

set_option = click.option(
    "--set", "settings", multiple=True, metavar="KEY=VALUE",
    help="Override a hyperparameter or dataset setting (repeatable), e.g. --set nz=128.",
)

_TYPES = {"int": click.INT, "float": click.FLOAT, "str": click.STRING, "pair": click.STRING}


def click_option(opt: Option) -> click.Option:
    """The click flag of one declared option."""
    help_text = opt.help
    if opt.tasks is not None:
        help_text += f" [{'/'.join(opt.tasks)} models]"
    if opt.type == "bool":
        decls = ([f"{opt.flag_name}/--no-{opt.flag_name[2:]}"] if opt.flag == "switch"
                 else [opt.flag_name])
        return click.Option(decls + [opt.name], is_flag=True, default=opt.default,
                            show_default=True, help=help_text)
    if opt.type == "list":  # repeatable: --logger csv --logger tensorboard
        return click.Option([opt.flag_name, opt.name], type=click.STRING, multiple=True,
                            metavar=opt.metavar, help=help_text)
    kind: Any = click.Path() if opt.type == "path" else _TYPES[opt.type]
    metavar = opt.metavar or ("[" + "|".join(map(str, opt.choices)) + "]" if opt.choices else None)
    default = ",".join(map(str, opt.default)) if isinstance(opt.default, tuple) else opt.default
    # A recipe option's help says "default: the model's recipe"; its table default is a fallback.
    shown = opt.default not in (None, "") and not opt.recipe
    return click.Option([opt.flag_name, opt.name], type=kind, default=default, metavar=metavar,
                        show_default=shown, help=help_text)


def given(ctx: click.Context, names: Any) -> dict[str, Any]:
    """The options among ``names`` the user typed (not click's defaults)."""
    out = {}
    for name in names:
        source = ctx.get_parameter_source(name)
        if source is not None and source != click.core.ParameterSource.DEFAULT:
            out[name] = ctx.params[name]
    return out


class TableCommand(click.Command):
    """A command whose options include the option table of ``verb`` (filled in lazily).

    ``at`` is where the table's options go among the static parameters (after the arguments).
    """

    def __init__(self, *args: Any, verb: str, at: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.verb, self.at = verb, at
        self._filled = False

    def table_names(self) -> list[str]:
        from .. import options

        return list(options.table(self.verb))

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        if not self._filled:
            from .. import options

            self._filled = True
            self.params[self.at:self.at] = [click_option(o) for o in options.table(self.verb).values()]
        return super().get_params(ctx)


def table_command(name: str, verb: str, at: int = 0) -> Any:
    """``@click.command`` for a :class:`TableCommand`."""
    return click.command(name, cls=TableCommand, verb=verb, at=at)

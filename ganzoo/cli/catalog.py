"""``ganzoo list``, ``ganzoo info`` and ``ganzoo summary``: what is installed and what it looks like."""

from __future__ import annotations

import json
from typing import Any

import click

from .. import config, plugins, registry
from ..specs import VERBS
from .options import set_option

_KIND_CHOICES = click.Choice(list(registry.KINDS))


def _plugin_label(spec: Any) -> str:
    dist = getattr(spec, "distribution", "") or getattr(spec, "plugin", "")
    version = getattr(spec, "version", "")
    return f"{dist} {version}".strip()


def _row(spec: Any) -> dict[str, Any]:
    return {
        "name": spec.name,
        "kind": spec.kind,
        "plugin": getattr(spec, "plugin", ""),
        "distribution": getattr(spec, "distribution", ""),
        "version": getattr(spec, "version", ""),
        "description": spec.description,
    }


@click.command("list")
@click.argument("pattern", default="*", required=False)
@click.option("--kind", type=_KIND_CHOICES, help="Only this kind.")
@click.option("--pretrained", is_flag=True, help="Only pretrained weights (same as --kind pretrained).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(pattern: str, kind: str | None, pretrained: bool, as_json: bool) -> None:
    """List installed models, datasets, losses, tasks, pretrained weights and loggers.

    PATTERN is a glob, e.g. ganzoo list 'dc*'. Broken plugins are listed with their error.
    """
    if pretrained:
        kind = "pretrained"
    specs = registry.find(pattern, kind)
    broken = [i for i in plugins.infos().values() if i.error]
    if as_json:
        payload = {
            "items": [_row(s) for s in specs],
            "broken": [{"plugin": b.name, "distribution": b.distribution, "error": b.error}
                       for b in broken],
        }
        click.echo(json.dumps(payload, indent=2))
        return
    if not specs:
        click.echo(f"nothing matches {pattern!r}" + (f" (kind {kind})" if kind else ""))
    elif click.get_text_stream("stdout").isatty():
        _print_table(specs)
    else:  # piped: one unwrapped line per item, so grep and cut work
        rows = [(s.name, s.kind, _plugin_label(s), s.description) for s in specs]
        widths = [max(len(r[i]) for r in rows + [("NAME", "KIND", "PLUGIN", "")])
                  for i in range(3)]
        for row in [("NAME", "KIND", "PLUGIN", "DESCRIPTION"), *rows]:
            click.echo("  ".join(f"{c:<{w}}" for c, w in zip(row, widths)) + "  " + row[3])
    for b in broken:
        label = f"{b.distribution} {b.version}".strip() or b.name
        click.echo(f"broken plugin '{b.name}' ({label}): {b.error}")


def _print_table(specs: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("NAME", "KIND", "PLUGIN", "DESCRIPTION"):
        table.add_column(col, overflow="fold")
    for spec in specs:
        table.add_row(spec.name, spec.kind, _plugin_label(spec), spec.description)
    Console(soft_wrap=False).print(table)


def _flat(recipe: dict[str, Any]) -> dict[str, Any]:
    """A per-dataset recipe with its nested model / loss settings inlined."""
    out = {k: v for k, v in recipe.items() if k not in ("hparams", "loss_settings")}
    return {**out, **recipe.get("hparams", {}), **recipe.get("loss_settings", {})}


def _recipe_text(recipe: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in recipe.items())


def _params_table(params: dict[str, Any]) -> list[str]:
    if not params:
        return ["  (none)"]
    width = max(len(k) for k in params)
    lines = []
    for key, p in params.items():
        default = "derived from data" if p.default is None else repr(p.default)
        choices = f" one of {', '.join(map(str, p.choices))};" if p.choices else ""
        if not p.choices and (p.min is not None or p.max is not None):
            choices = f" {config.bounds_text(p)};"
        lines.append(f"  {key:<{width}}  {p.type:<5}  default {default};{choices} {p.help}")
    return lines


@click.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info_cmd(name: str, as_json: bool) -> None:
    """Show a model's hyperparameters, shapes, task and default loss (or a dataset's, loss's,
    task's or pretrained model's facts)."""
    if as_json:
        click.echo(json.dumps(registry.describe(name), indent=2))
        return
    spec = registry.lookup(name)
    lines = [f"{spec.name}  ({spec.kind}, from {_plugin_label(spec) or 'unknown plugin'})",
             f"  {spec.description}"]
    if spec.kind == "model":
        pretrained = [w.name for w in registry.find(f"{spec.name}.*", "pretrained")]
        lines += [
            f"task:            {spec.task}",
            f"default loss:    {spec.default_loss}",
            f"default dataset: {spec.default_dataset}",
            f"input:           {spec.inputs}",
            f"output:          {spec.outputs}",
            "recipe:          " + _recipe_text({k: v for k, v in spec.recipe.items()
                                                 if k != "datasets"}),
            *(f"  on {name + ':':<13}{_recipe_text(_flat(over))}"
              for name, over in spec.recipe.get("datasets", {}).items()),
            f"pretrained:      {', '.join(pretrained) if pretrained else '(none)'}",
        ]
    elif spec.kind == "dataset":
        shape = ("x".join(map(str, spec.shape)) if spec.shape
                 else "follows the model (resized or windowed when loaded)")
        lines += [
            f"modality:        {spec.modality}",
            f"shape:           {shape}",
            f"labelled:        {'yes' if spec.labelled else 'no'}",
            f"splits:          {', '.join(spec.splits)}",
            f"value range:     {list(spec.value_range)}",
            f"source:          {spec.source}",
        ]
        if spec.class_names:
            lines.append(f"classes:         {', '.join(spec.class_names)}")
    elif spec.kind == "loss":
        lines.append(f"tasks:           {', '.join(spec.tasks)}")
    elif spec.kind == "logger":
        from ..loggers import missing

        absent = missing(spec)
        lines += [f"turn on with:    ganzoo train ... --logger {spec.name}",
                  f"needs:           {', '.join(spec.requires) or '-'}"
                  + (f" (not installed: {spec.install or 'pip install ' + ' '.join(absent)})" if absent else "")]
    elif spec.kind == "exporter":
        from ..exporting import missing

        absent = missing(spec)
        lines += [f"use with:        ganzoo export REF --format {spec.name} --out FILE{spec.suffix or ''}",
                  f"needs:           {', '.join(spec.requires) or 'torch only'}"
                  + (f" (not installed: {spec.install or 'pip install ' + ' '.join(absent)})" if absent else "")]
    elif spec.kind == "task":
        lines += _task_lines(spec)
    elif spec.kind == "pretrained":
        lines += [f"model:           {spec.model}", f"dataset:         {spec.dataset}",
                  f"path:            {spec.path}"]
        lines += [f"{k + ':':<17} {text}" if len(k) >= 16 else f"{k + ':':<17}{text}"
                  for k, text in _headline(spec)]
    if spec.kind not in ("pretrained", "task", "logger", "exporter"):
        lines.append("settings (--set KEY=VALUE):")
        lines += _params_table(spec.params)
    click.echo("\n".join(lines))


def _headline(spec: Any) -> list[tuple[str, str]]:
    """A pretrained model's metrics its task leads with (all of them for an unknown task), for
    people: 4 significant digits, and the task's note where a value looks wrong but is not."""
    from .. import display

    cat = registry.catalog()
    model = cat.specs["model"].get(spec.model)
    task = cat.specs["task"].get(model.task) if model is not None else None
    data = cat.specs["dataset"].get(spec.dataset)
    shown = dict(spec.metrics) if task is None or not task.metrics else \
        {k: spec.metrics[k] for k in task.metrics if k in spec.metrics}
    return display.metrics(shown, data.modality if data is not None else None, task)


def _task_lines(spec: Any) -> list[str]:
    from .. import options

    models = [m.name for m in registry.find("*", "model") if m.task == spec.name]
    losses = [x.name for x in registry.find("*", "loss") if options.trains(x, spec)]
    lines = [
        f"models:          {', '.join(models) or '(none installed)'}",
        f"losses:          {', '.join(losses) or '(none installed)'}",
        f"pipeline tag:    {spec.pipeline_tag or '-'}",
        f"verbs:           train, eval{''.join(', ' + v for v in spec.verbs)}",
        f"eval metrics:    {', '.join(spec.metrics) or '-'}",
    ]
    lines += [f"  target {k}: {v}" for k, v in spec.targets.items()]
    for verb in VERBS:
        own = [o for o in options.table(verb).values() if o.tasks and spec.name in o.tasks]
        if own:
            lines.append(f"{verb} options (ganzoo {verb} --help):")
            width = max(len(o.flag_name) for o in own)
            lines += [f"  {o.flag_name:<{width}}  {o.help}" for o in own]
    return lines


@click.command("summary")
@click.argument("model", metavar="MODEL|REF")
@click.argument("dataset", required=False)
@set_option
@click.option("--data-root", type=click.Path(), default=None, metavar="DIR",
              help="Folder (or file) of a file-based DATASET, as for ganzoo train.")
@click.option("--batch-size", type=click.IntRange(min=1), default=1, show_default=True,
              help="Batch size of the example input.")
@click.option("--depth", type=click.IntRange(min=0), default=3, show_default=True,
              help="Nesting depth shown by torchinfo.")
def summary_cmd(model: str, dataset: str | None, settings: tuple[str, ...], data_root: str | None,
                batch_size: int, depth: int) -> None:
    """torchinfo summary of every network of a model (generator and discriminator for a GAN).

    \b
    ganzoo summary dcgan                 the architecture with its default settings
    ganzoo summary dcgan digits          what `ganzoo train dcgan digits` builds (the
                                         model's recipe for that dataset, the data's shape)
    ganzoo summary dcgan.digits          a saved model: a pretrained name, a weights or run
                                         folder, or a Hub repo id
    """
    from ..summary import summarize

    result = summarize(model, dataset, settings=config.parse_set(settings), data_root=data_root,
                       batch_size=batch_size, depth=depth)
    click.echo(result.text(), nl=False)


COMMANDS = [list_cmd, info_cmd, summary_cmd]

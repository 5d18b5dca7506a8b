"""Name -> spec for each kind, built once from the plugins' register hooks.

Each plugin's hook is called on its own, so the registry knows which plugin gave which spec,
names both plugins on a collision, and can mark one plugin broken without losing the others.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from dataclasses import dataclass, field
from typing import Any

from . import plugins
from .errors import DuplicateName, UnknownName
from .specs import DatasetSpec, ExporterSpec, LoggerSpec, LossSpec, ModelSpec, TaskSpec, WeightsSpec

KINDS = ("model", "dataset", "loss", "task", "pretrained", "logger", "exporter")
_HOOKS = {
    "model": ("register_models", ModelSpec),
    "dataset": ("register_datasets", DatasetSpec),
    "loss": ("register_losses", LossSpec),
    "task": ("register_tasks", TaskSpec),
    "pretrained": ("register_weights", WeightsSpec),
    "logger": ("register_loggers", LoggerSpec),
    "exporter": ("register_exporters", ExporterSpec),
}


@dataclass
class Catalog:
    """Everything registered, by kind, plus the duplicates found while building it."""

    specs: dict[str, dict[str, Any]] = field(default_factory=lambda: {k: {} for k in KINDS})
    duplicates: list[DuplicateName] = field(default_factory=list)


_cache: Catalog | None = None


def _build() -> Catalog:
    plugins.load()
    catalog = Catalog()
    infos = plugins.infos()
    for kind, (hook_name, spec_type) in _HOOKS.items():
        hook = getattr(plugins.pm.hook, hook_name)
        for impl in hook.get_hookimpls():  # registration order
            plugin_name = impl.plugin_name
            info = infos.get(plugin_name) or plugins.PluginInfo(plugin_name)
            collected: list[Any] = []

            def register(spec: Any, _into: list[Any] = collected, spec_type: type = spec_type,
                         hook_name: str = hook_name) -> None:
                if not isinstance(spec, spec_type):
                    raise TypeError(f"{hook_name} expects {spec_type.__name__}, got {type(spec).__name__}")
                _into.append(spec)

            try:
                impl.function(register=register)
            except Exception as exc:  # noqa: BLE001 - plugin code may fail in any way
                plugins.mark_broken(plugin_name, f"{hook_name}: {type(exc).__name__}: {exc}")
                continue
            table = catalog.specs[kind]
            for spec in collected:
                spec = dataclasses.replace(
                    spec, plugin=plugin_name, distribution=info.distribution, version=info.version
                )
                existing = table.get(spec.name)
                if existing is not None:
                    first = getattr(existing, "plugin", "") or "?"
                    catalog.duplicates.append(DuplicateName(kind, spec.name, first, plugin_name))
                    continue
                table[spec.name] = spec
    return catalog


def catalog() -> Catalog:
    """The cached catalog; raises :class:`DuplicateName` if two plugins claim one name."""
    global _cache
    if _cache is None:
        _cache = _build()
    if _cache.duplicates:
        raise _cache.duplicates[0]
    return _cache


def names(kind: str) -> list[str]:
    return sorted(catalog().specs[kind])


def get(kind: str, name: str) -> Any:
    """The spec registered as ``name``; unknown names raise with close matches."""
    table = catalog().specs[kind]
    try:
        return table[name]
    except KeyError:
        raise UnknownName(kind, name, table) from None


def get_model(name: str) -> ModelSpec:
    return get("model", name)


def get_dataset(name: str) -> DatasetSpec:
    return get("dataset", name)


def get_loss(name: str) -> LossSpec:
    return get("loss", name)


def get_task(name: str) -> TaskSpec:
    return get("task", name)


def find(pattern: str = "*", kind: str | None = None) -> list[Any]:
    """Specs whose name matches a glob pattern, sorted by kind then name."""
    kinds = [kind] if kind else list(KINDS)
    out = []
    for k in kinds:
        for name in sorted(catalog().specs[k]):
            if fnmatch.fnmatchcase(name, pattern):
                out.append(catalog().specs[k][name])
    return out


def lookup(name: str) -> Any:
    """The spec registered as ``name``, whatever its kind; an unknown name raises naming the kind
    the user most likely meant (``unknown model 'dcgna'``)."""
    cat = catalog()
    for kind in KINDS:
        if name in cat.specs[kind]:
            return cat.specs[kind][name]
    everything = {n: kind for kind in KINDS for n in cat.specs[kind]}
    error = UnknownName("name", name, everything)
    if error.matches:
        error = UnknownName(everything[error.matches[0]], name, everything)
    raise error


def describe(name: str) -> dict[str, Any]:
    """Everything registered about ``name`` as plain JSON data: what ``ganzoo info NAME --json`` prints.

    An option's ``check`` function is shown by its name, anything else JSON has no type for as
    its ``str()``.
    """
    import json

    return json.loads(json.dumps(_jsonable(dataclasses.asdict(lookup(name))), default=str))


def _jsonable(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: (getattr(v, "__qualname__", str(v)) if k == "check" and v is not None else _jsonable(v))
                for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_jsonable(v) for v in data]
    return data

"""The plugin manager: entry points of group ``ganzoo``, loaded once and lazily.

A plugin whose import fails is recorded as broken, with its error, and the rest load. The
environment variable ``GANZOO_PLUGINS`` restricts which entry points load: unset loads all, a
comma-separated list loads only those names, an empty string loads none (tests then register
their own plugin objects with :func:`register_plugin`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import metadata

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "ganzoo"
ENV_RESTRICT = "GANZOO_PLUGINS"

pm = pluggy.PluginManager("ganzoo")
pm.add_hookspecs(hookspecs)


@dataclass(frozen=True)
class PluginInfo:
    """Where a plugin came from: entry point name, distribution and version, and any error."""

    name: str
    distribution: str = ""
    version: str = ""
    error: str | None = None


_loaded = False
_infos: dict[str, PluginInfo] = {}


def _allowed() -> set[str] | None:
    raw = os.environ.get(ENV_RESTRICT)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def load() -> None:
    """Import every allowed entry point once; never raises for a broken plugin."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    allowed = _allowed()
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and ep.name not in allowed:
            continue
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else ""
        dist_version = dist.version if dist is not None else ""
        name = ep.name
        seen = _infos.get(name)
        if seen is not None:
            if seen.distribution == dist_name:
                continue  # the same distribution seen twice on sys.path
            name = f"{dist_name}:{ep.name}"  # two packages chose one entry-point name: keep both
        try:
            module = ep.load()
            if pm.get_plugin(name) is None and not pm.is_registered(module):
                pm.register(module, name=name)  # validates hook names and signatures
        except Exception as exc:  # noqa: BLE001 - a plugin may fail in any way
            error = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line
            _infos[name] = PluginInfo(name, dist_name, dist_version, error)
            continue
        _infos[name] = PluginInfo(name, dist_name, dist_version)


def register_plugin(obj: object, name: str, distribution: str = "", version: str = "") -> None:
    """Register a plugin object directly (tests, notebooks); the registry is rebuilt on next use."""
    load()
    pm.register(obj, name=name)
    _infos[name] = PluginInfo(name, distribution or name, version)
    _invalidate_registry()


def unregister_plugin(name: str) -> None:
    """Undo :func:`register_plugin`."""
    plugin = pm.get_plugin(name)
    if plugin is not None:
        pm.unregister(plugin)
    _infos.pop(name, None)
    _invalidate_registry()


def mark_broken(name: str, error: str) -> None:
    """Record that a plugin's hook raised; its partial registrations are discarded by the caller."""
    info = _infos.get(name, PluginInfo(name))
    _infos[name] = PluginInfo(info.name, info.distribution, info.version, error)


def infos() -> dict[str, PluginInfo]:
    """Every plugin seen, broken ones included."""
    load()
    return dict(_infos)


def reset() -> None:
    """Forget everything loaded (tests use it after changing ``GANZOO_PLUGINS``)."""
    global _loaded
    for _name, plugin in list(pm.list_name_plugin()):
        pm.unregister(plugin)
    _infos.clear()
    _loaded = False
    _invalidate_registry()


def _invalidate_registry() -> None:
    registry = sys.modules.get("ganzoo.registry")
    if registry is not None:
        registry._cache = None

"""The registry and the public getters, driven by plugin objects registered in-process.

``GANZOO_PLUGINS=""`` keeps the installed entry points out, so these tests see exactly the
plugins they register (as in simonw/llm's test plugins).
"""

from __future__ import annotations

import sys

import pytest

import ganzoo
from ganzoo import plugins, registry
from ganzoo.errors import ConfigError, DuplicateName, GanzooError, PluginLoadError, UnknownName
from ganzoo.specs import LossSpec, ModelSpec, Param

BUILDER_SOURCE = '''
class Toy:
    def __init__(self, width=4, scale=1.0, tag="a", flag=False):
        self.kwargs = dict(width=width, scale=scale, tag=tag, flag=flag)
'''


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """Only the plugins a test registers; a builder module ``toy_builder`` on sys.path."""
    (tmp_path / "toy_builder.py").write_text(BUILDER_SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("GANZOO_PLUGINS", "")
    plugins.reset()
    yield
    plugins.reset()  # the next test loads the real entry points again
    sys.modules.pop("toy_builder", None)


def toy_spec(name: str = "toy", **kw) -> ModelSpec:
    return ModelSpec(
        name=name,
        builder="toy_builder:Toy",
        description="a toy",
        task=kw.pop("task", "classification"),
        params={
            "width": Param("int", 4, "width"),
            "scale": Param("float", 1.0, "scale"),
            "tag": Param("str", "a", "tag", choices=("a", "b")),
            "flag": Param("bool", False, "flag"),
        },
        **kw,
    )


class ModelsPlugin:
    def __init__(self, *specs: ModelSpec) -> None:
        self.specs = specs

    @ganzoo.hookimpl
    def register_models(self, register):
        for spec in self.specs:
            register(spec)


class LossPlugin:
    @ganzoo.hookimpl
    def register_losses(self, register):
        register(LossSpec(name="toy-loss", builder="toy_builder:Toy", description="a loss",
                          tasks=("classification",)))


def test_nothing_registered_without_plugins(isolated):
    assert ganzoo.list_models() == []
    assert ganzoo.list_losses() == []
    assert plugins.infos() == {}


def test_registered_plugin_is_listed_with_provenance_and_removed_after(isolated):
    plugins.register_plugin(ModelsPlugin(toy_spec()), "toyplug", distribution="toy-dist",
                            version="1.2.3")
    assert ganzoo.list_models() == ["toy"]
    spec = registry.get_model("toy")
    assert (spec.plugin, spec.distribution, spec.version) == ("toyplug", "toy-dist", "1.2.3")
    plugins.unregister_plugin("toyplug")
    assert ganzoo.list_models() == []


def test_find_glob_and_kind(isolated):
    plugins.register_plugin(ModelsPlugin(toy_spec("toy-a"), toy_spec("toy-b"), toy_spec("other")),
                            "p1")
    plugins.register_plugin(LossPlugin(), "p2")
    assert ganzoo.list_models("toy-*") == ["toy-a", "toy-b"]
    assert [s.name for s in registry.find("*")] == ["other", "toy-a", "toy-b", "toy-loss"]
    assert [s.name for s in registry.find("toy*", "loss")] == ["toy-loss"]
    assert ganzoo.list_losses() == ["toy-loss"]
    assert registry.find("nothing*") == []


def test_unknown_name_suggests_close_matches(isolated):
    plugins.register_plugin(ModelsPlugin(toy_spec("dcgan")), "p1")
    with pytest.raises(UnknownName) as info:
        registry.get_model("dcgna")
    assert str(info.value) == "unknown model 'dcgna' — did you mean 'dcgan'? (see: ganzoo list)"
    assert not isinstance(info.value, KeyError)
    with pytest.raises(UnknownName) as info:
        registry.get_loss("zzz")
    assert str(info.value) == "unknown loss 'zzz' (see: ganzoo list)"


def test_duplicate_names_raise_naming_both_plugins(isolated):
    plugins.register_plugin(ModelsPlugin(toy_spec("twin")), "first-plugin")
    plugins.register_plugin(ModelsPlugin(toy_spec("twin")), "second-plugin")
    with pytest.raises(DuplicateName) as info:
        ganzoo.list_models()
    message = str(info.value)
    assert "model 'twin'" in message
    assert "'first-plugin'" in message and "'second-plugin'" in message
    assert isinstance(info.value, GanzooError)
    plugins.unregister_plugin("second-plugin")
    assert ganzoo.list_models() == ["twin"]


def test_same_name_in_different_kinds_is_not_a_duplicate(isolated):
    plugins.register_plugin(ModelsPlugin(toy_spec("toy-loss")), "p1")
    plugins.register_plugin(LossPlugin(), "p2")
    assert ganzoo.list_models() == ["toy-loss"] and ganzoo.list_losses() == ["toy-loss"]


def test_a_raising_hook_marks_its_plugin_broken_and_keeps_the_rest(isolated):
    class Raising:
        @ganzoo.hookimpl
        def register_models(self, register):
            register(toy_spec("half-done"))
            raise RuntimeError("boom\nsecond line")

    plugins.register_plugin(Raising(), "bad")
    plugins.register_plugin(ModelsPlugin(toy_spec("good")), "good")
    assert ganzoo.list_models() == ["good"]  # the broken plugin's partial work is dropped
    error = plugins.infos()["bad"].error
    assert error is not None and "RuntimeError: boom" in error and "register_models" in error
    assert plugins.infos()["good"].error is None


def test_registering_the_wrong_spec_type_marks_the_plugin_broken(isolated):
    class WrongType:
        @ganzoo.hookimpl
        def register_losses(self, register):
            register(toy_spec("not-a-loss"))

    plugins.register_plugin(WrongType(), "wrong")
    assert ganzoo.list_losses() == []
    assert "expects LossSpec, got ModelSpec" in plugins.infos()["wrong"].error


def test_create_model_coerces_and_validates_settings(isolated):
    plugins.register_plugin(ModelsPlugin(toy_spec()), "p1")
    built = ganzoo.create_model("toy", width="7", scale="0.5", tag="b", flag="yes")
    assert built.kwargs == {"width": 7, "scale": 0.5, "tag": "b", "flag": True}
    assert ganzoo.create_model("toy").kwargs == {"width": 4, "scale": 1.0, "tag": "a",
                                                 "flag": False}
    with pytest.raises(UnknownName, match=r"unknown setting 'widht' of model 'toy' — did you "
                                          r"mean 'width'\? \(see: ganzoo info toy\)"):
        ganzoo.create_model("toy", widht=3)
    with pytest.raises(ConfigError, match=r"setting 'width' must be an int, got '3.5'"):
        ganzoo.create_model("toy", width="3.5")
    with pytest.raises(ConfigError, match=r"setting 'tag' must be one of 'a', 'b', got 'c'"):
        ganzoo.create_model("toy", tag="c")
    with pytest.raises(ConfigError, match="must be a float"):
        ganzoo.create_model("toy", scale="nan")
    with pytest.raises(ConfigError, match="must be a bool"):
        ganzoo.create_model("toy", flag="maybe")


def test_builder_is_imported_only_on_create(isolated):
    plugins.register_plugin(ModelsPlugin(toy_spec("lazy", ), ModelSpec(
        name="missing", builder="no_such_module_xyz:Thing", description="d", task="classification")), "p1")
    assert ganzoo.list_models() == ["lazy", "missing"]
    assert "toy_builder" not in sys.modules
    ganzoo.create_model("lazy")
    assert "toy_builder" in sys.modules
    with pytest.raises(PluginLoadError, match=r"model 'missing': cannot import 'no_such_module_xyz'"):
        ganzoo.create_model("missing")
    bad_attr = ModelSpec(name="x", builder="toy_builder:Nope", description="d", task="classification")
    with pytest.raises(PluginLoadError, match="has no attribute 'Nope'"):
        bad_attr.load_builder()
    with pytest.raises(PluginLoadError, match="not of the form 'module:attr'"):
        ModelSpec(name="x", builder="toy_builder.Toy", description="d", task="t").load_builder()


def test_spec_validation(isolated):
    with pytest.raises(ValueError, match="ModelSpec needs task="):
        ModelSpec(name="x", builder="m:a", description="d")
    # A task no plugin provides is refused when the model is used, naming the task.
    plugins.register_plugin(ModelsPlugin(toy_spec("seg", task="segmentation")), "p1")
    with pytest.raises(ConfigError, match="needs task 'segmentation', which no installed plugin provides"):
        ganzoo.train("seg", "digits")
    with pytest.raises(ValueError, match="Param type must be one of"):
        Param("tensor", None)


def test_parse_set():
    from ganzoo.config import parse_set

    assert parse_set(["nz=128", " lr = 0.1 ", "name=a=b"]) == {"nz": "128", "lr": "0.1",
                                                            "name": "a=b"}
    for bad in ("nz", "=3"):
        with pytest.raises(ConfigError, match="--set expects key=value"):
            parse_set([bad])

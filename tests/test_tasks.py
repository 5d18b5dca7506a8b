"""Registry-driven task tests: every registered task is built, its facts checked, and one of its
models trained, evaluated, saved and loaded, so a new task plugin is tested with no new test code.

And the core stays generic: no string constant in ``ganzoo/`` names a registered task, model,
dataset, loss, pretrained model or metric, and the core never imports the built-in plugins.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo import registry, tasks
from ganzoo.evaluate import evaluate
from ganzoo.options import trains
from ganzoo.specs import VERBS

REPO = Path(__file__).resolve().parent.parent
TASKS = ganzoo.list_tasks()
#: Small settings per built-in family so one training step per task stays cheap.
SMALL = {"dcgan": {"ngf": "8", "ndf": "8"}, "mlp-gan": {}, "classifier": {"hidden": "32"},
         "lstm-regressor": {}}


def test_the_built_in_tasks_are_registered_like_plugins():
    assert {"adversarial", "classification", "regression"} <= set(TASKS)
    for name in ("adversarial", "classification", "regression"):
        assert registry.get_task(name).plugin == "tasks"  # the entry point, like a third party's


@pytest.mark.parametrize("name", TASKS)
def test_task_spec_is_consistent(name):
    spec = registry.get_task(name)
    task = tasks.get(name)
    assert isinstance(task, tasks.Task) and task.name == name
    assert spec.description and spec.pipeline_tag
    assert set(spec.targets) <= set(spec.metrics)
    for text in spec.targets.values():
        op, threshold = text.split()[:2]
        assert op in ("<=", ">=") and float(threshold) == float(threshold)
    assert set(spec.verbs) <= set(VERBS) and set(spec.options) <= set(VERBS)
    models = [m for m in registry.find("*", "model") if m.task == name]
    assert models, f"task {name} has no model"
    assert any(trains(loss, spec) for loss in registry.find("*", "loss")), f"no loss trains {name}"


def _first_model(task: str) -> str:
    names = [m.name for m in registry.find("*", "model") if m.task == task]
    return next((n for n in names if n in SMALL), names[0])


@pytest.mark.slow
@pytest.mark.parametrize("name", TASKS)
def test_each_task_trains_evaluates_saves_and_loads_a_model(name, tmp_path):
    model = _first_model(name)
    result = ganzoo.train(model, max_steps=2, epochs=1, out=tmp_path / "run", progress=False,
                          settings=SMALL.get(model, {}))
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["task"] == name and config["train"]["steps_done"] == 2
    for picture in result.files:
        assert (tmp_path / "run" / picture).stat().st_size > 0
    eval_options = {o.name for o in registry.get_task(name).options.get("eval", ())}
    options = {"n": 60} if "n" in eval_options else {}
    ev = evaluate(tmp_path / "run", **options)
    spec = registry.get_task(name)
    assert set(spec.metrics) <= set(ev.metrics), (spec.metrics, ev.metrics)
    assert set(ev.targets()) == set(spec.targets)
    assert all(v == v for v in ev.metrics.values())  # no NaN
    loaded = ganzoo.load(tmp_path / "run")
    assert loaded.task == name
    for role, net in result.model.networks().items():
        mine = loaded.networks()[role].state_dict()
        if role != loaded.primary and not (tmp_path / "run" / f"{role}.safetensors").is_file():
            continue
        assert all(torch.equal(v, mine[k]) for k, v in net.state_dict().items()), role


def test_a_config_records_only_its_own_task_s_options(tmp_path):
    result = ganzoo.train("classifier", "digits", max_steps=1, epochs=1, out=tmp_path / "run",
                          progress=False, settings={"hidden": "8"})
    train = result.config["train"]
    assert "lr_decay" in train and "augment" not in train and "ema" not in train


def test_task_options_are_checked_for_models_built_in_python_too():
    from ganzoo.errors import ConfigError, UnknownName
    from ganzoo.sample import sample

    model = ganzoo.create_model("mlp-gan", image_size=8)
    with pytest.raises(UnknownName, match="unknown option 'bogus'"):
        sample(model, 2, bogus=1)
    with pytest.raises(ConfigError, match="--truncation must be a number"):
        sample(model, 2, truncation="abc")
    assert sample(model, 2, seed=0, truncation=0.5).images.shape == (2, 1, 8, 8)


def test_a_task_option_may_not_take_a_name_the_verb_uses(monkeypatch):
    from ganzoo import options, plugins
    from ganzoo.errors import DuplicateName
    from ganzoo.specs import Option, TaskSpec

    class Plugin:
        @staticmethod
        @ganzoo.hookimpl
        def register_tasks(register):
            register(TaskSpec(name="greedy", builder="x:y", description="d",
                              options={"train": (Option("resume", "str", None, "clash"),)}))

    plugins.register_plugin(Plugin(), "greedy")
    try:
        with pytest.raises(DuplicateName, match="train option '--resume' is registered by two plugins"):
            options.table("train")
    finally:
        plugins.unregister_plugin("greedy")


def _constants(tree: ast.AST) -> list[ast.Constant]:
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr)}
    return [c for c in ast.walk(tree) if isinstance(c, ast.Constant) and isinstance(c.value, str)
            and id(c) not in docs]


def concrete_names() -> set[str]:
    """Every registered name, every metric a task declares, every metric the shipped zoo records."""
    cat = registry.catalog()
    out = {name for table in cat.specs.values() for name in table}
    for spec in cat.specs["task"].values():
        out |= set(spec.metrics) | set(spec.targets)
    for config in (REPO / "weights").glob("*/config.json"):
        data = json.loads(config.read_text())
        out |= set(data.get("metrics", {})) | set((data.get("evaluation") or {}).get("metrics", {}))
    return out - {"epoch", "step", "steps_done", "images_per_sec"}  # the loop's own bookkeeping


def test_the_core_names_no_concrete_task_model_dataset_or_metric():
    names = concrete_names()
    assert {"adversarial", "dcgan", "digits", "Loss_D", "test_accuracy", "fid"} <= names
    found = []
    for path in sorted((REPO / "ganzoo").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(REPO)}:{c.lineno} {c.value!r}" for c in _constants(tree)
                  if c.value in names]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ganzoo_plugins"):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} imports {node.module}")
            if isinstance(node, ast.Import) and any(a.name.startswith("ganzoo_plugins") for a in node.names):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} imports ganzoo_plugins")
    assert found == []

"""Plugin discovery through real entry points: dist-info folders on a subprocess's PYTHONPATH.

Each test builds the distributions it needs in ``tmp_path`` and runs the real CLI, so what is
checked is what a user sees after ``pip install some-ganzoo-plugin``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from plugin_helpers import make_dist, model_plugin_source

BUILTIN_MODELS = {"classifier", "classifier-cnn", "dcgan", "lstm-regressor", "mlp-gan"}


def listing(run_cli, site, *args, **env):
    result = run_cli("list", "--json", *args, env={"PYTHONPATH": str(site), **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def names(payload, kind="model"):
    return {row["name"] for row in payload["items"] if row["kind"] == kind}


def test_third_party_plugin_is_listed_with_its_distribution(run_cli, tmp_path):
    site = make_dist(tmp_path / "site", "ganzoo-toy", "0.3.1", {"toy": "toy_plugin"},
                     {"toy_plugin.py": model_plugin_source("toy-net", "a toy network")})
    payload = listing(run_cli, site)
    assert BUILTIN_MODELS | {"toy-net"} <= names(payload)
    row = next(r for r in payload["items"] if r["name"] == "toy-net")
    assert row == {"name": "toy-net", "kind": "model", "plugin": "toy",
                   "distribution": "ganzoo-toy", "version": "0.3.1",
                   "description": "a toy network"}
    dcgan = next(r for r in payload["items"] if r["name"] == "dcgan")
    assert (dcgan["plugin"], dcgan["distribution"]) == ("dcgan", "ganzoo")
    text = run_cli("list", "toy*", env={"PYTHONPATH": str(site)})
    assert "toy-net" in text.stdout and "ganzoo-toy 0.3.1" in text.stdout


def test_plugin_that_raises_on_import_is_shown_broken_and_the_rest_works(run_cli, tmp_path):
    site = make_dist(tmp_path / "site", "ganzoo-broken", "0.0.1", {"broken": "broken_plugin"},
                     {"broken_plugin.py": "raise RuntimeError('cannot find libfoo.so')\n"})
    payload = listing(run_cli, site)
    assert BUILTIN_MODELS <= names(payload)
    assert payload["broken"] == [{"plugin": "broken", "distribution": "ganzoo-broken",
                                  "error": "RuntimeError: cannot find libfoo.so"}]
    text = run_cli("list", env={"PYTHONPATH": str(site)})
    assert text.returncode == 0, text.stderr
    assert "dcgan" in text.stdout
    assert ("broken plugin 'broken' (ganzoo-broken 0.0.1): RuntimeError: cannot find libfoo.so"
            in text.stdout)
    info = run_cli("info", "dcgan", env={"PYTHONPATH": str(site)})
    assert info.returncode == 0 and "nz" in info.stdout


def test_plugin_with_a_misspelled_hook_argument_is_broken_not_fatal(run_cli, tmp_path):
    source = """
        from ganzoo import hookimpl

        @hookimpl
        def register_models(reg):
            pass
    """
    site = make_dist(tmp_path / "site", "ganzoo-typo", "1.0", {"typo": "typo_plugin"},
                     {"typo_plugin.py": source})
    payload = listing(run_cli, site)
    assert BUILTIN_MODELS <= names(payload)
    [broken] = payload["broken"]
    assert broken["plugin"] == "typo" and "PluginValidationError" in broken["error"]
    assert "\n" not in broken["error"]


def test_two_plugins_registering_one_name_is_an_error_naming_both(run_cli, tmp_path):
    site = tmp_path / "site"
    make_dist(site, "ganzoo-one", "1.0", {"one": "one_plugin"},
              {"one_plugin.py": model_plugin_source("twin")})
    make_dist(site, "ganzoo-two", "1.0", {"two": "two_plugin"},
              {"two_plugin.py": model_plugin_source("twin")})
    result = run_cli("list", env={"PYTHONPATH": str(site)})
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("ganzoo: error: model 'twin' is registered by two plugins")
    assert "'one'" in lines[0] and "'two'" in lines[0]
    # Restricting which plugins load is the way out.
    payload = listing(run_cli, site, GANZOO_PLUGINS="one,dcgan")
    assert names(payload) == {"twin", "dcgan"}


def test_same_entry_point_name_in_two_distributions_loads_both(run_cli, tmp_path):
    site = tmp_path / "site"
    make_dist(site, "ganzoo-aaa", "1.0", {"dcgan": "aaa_plugin"},
              {"aaa_plugin.py": model_plugin_source("aaa-net")})
    payload = listing(run_cli, site)
    assert BUILTIN_MODELS | {"aaa-net"} <= names(payload)
    assert payload["broken"] == []
    owners = {r["name"]: r["distribution"] for r in payload["items"]}
    assert owners["aaa-net"] == "ganzoo-aaa" and owners["dcgan"] == "ganzoo"


def test_ganzoo_plugins_restricts_loading(run_cli, tmp_path):
    site = make_dist(tmp_path / "site", "ganzoo-broken", "0.0.1", {"broken": "broken_plugin"},
                     {"broken_plugin.py": "raise ImportError('nope')\n"})
    payload = listing(run_cli, site, GANZOO_PLUGINS="dcgan, losses")
    assert names(payload) == {"dcgan"}
    assert "bce" in names(payload, "loss")
    assert payload["broken"] == []  # not loaded at all, so not reported
    assert listing(run_cli, site, GANZOO_PLUGINS="")["items"] == []
    assert listing(run_cli, site, GANZOO_PLUGINS="broken")["broken"][0]["plugin"] == "broken"


def test_plugins_load_lazily_and_exactly_once(tmp_path):
    marker = tmp_path / "imports.log"
    source = model_plugin_source("counted") + f"""
        with open({str(marker)!r}, "a") as fh:
            fh.write("imported\\n")
    """
    site = make_dist(tmp_path / "site", "ganzoo-counted", "1.0", {"counted": "counted_plugin"},
                     {"counted_plugin.py": source})
    script = (
        "import pathlib, ganzoo\n"
        f"log = pathlib.Path({str(marker)!r})\n"
        "print(log.exists())\n"
        "ganzoo.list_models(); ganzoo.list_losses(); ganzoo.list_datasets()\n"
        "print('counted' in ganzoo.list_models('c*'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == ["False", "True"]
    assert marker.read_text().splitlines() == ["imported"]


@pytest.mark.parametrize("hook", ["register_models", "register_datasets", "register_losses", "register_tasks",
                                  "register_weights", "register_exporters"])
def test_every_hook_is_documented_and_reaches_the_registry(hook):
    from ganzoo import hookspecs, plugins, registry

    spec_fn = getattr(hookspecs, hook)
    assert spec_fn.__doc__ and "register(" in spec_fn.__doc__
    assert hook in {h for h, _ in registry._HOOKS.values()}
    assert hasattr(plugins.pm.hook, hook)

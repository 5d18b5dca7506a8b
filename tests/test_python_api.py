"""The Python API: every CLI verb is a ``ganzoo`` function that returns what the command shows.

docs/python.md runs as a doctest, and each function is checked against its command run as a
real subprocess: the same data, the same images for the same seed, the same text.
"""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.errors import ConfigError, DataError, GanzooError, UnknownName

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_python_md_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing the examples write lands in the repository
    result = doctest.testfile(str(DOCS / "python.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 25
    assert result.failed == 0, "docs/python.md: an example fails (the doctest report is above)"


def test_python_md_lists_every_public_function():
    text = (DOCS / "python.md").read_text(encoding="utf-8")
    for name in ganzoo.__all__:
        if callable(getattr(ganzoo, name)) and name not in ("hookimpl", "GanzooError"):
            assert f"ganzoo.{name}(" in text or f"`{name}`" in text, f"docs/python.md does not show ganzoo.{name}"


def test_verbs_are_functions_whatever_was_imported_first():
    """``import ganzoo.sample`` (the submodule) must not turn ``ganzoo.sample`` into a module,
    and ``import ganzoo`` still imports no torch."""
    code = ("import sys, ganzoo; assert 'torch' not in sys.modules, 'import ganzoo imported torch'\n"
            "import ganzoo.sample, ganzoo.evaluate, ganzoo.summary\n"
            "from ganzoo.sample import count\n"
            "from ganzoo import sample, evaluate, summary\n"
            "assert all(callable(f) and f.__module__ == 'ganzoo.verbs' for f in "
            "(ganzoo.sample, ganzoo.evaluate, ganzoo.summary, sample, evaluate, summary))\n"
            "assert sys.modules['ganzoo.sample'].count is count\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name", ["dcgan", "digits", "mlp-gan.digits"])
def test_info_is_the_cli_json(run_cli, name):
    result = run_cli("info", name, "--json")
    assert result.returncode == 0, result.stderr
    assert ganzoo.info(name) == json.loads(result.stdout)


def test_info_unknown_name_raises_as_the_cli_says(run_cli):
    with pytest.raises(UnknownName) as caught:
        ganzoo.info("dcgna")
    result = run_cli("info", "dcgna")
    assert result.returncode == 2
    assert result.stderr.strip() == f"ganzoo: error: {caught.value}"


def test_sample_is_what_the_cli_wrote(run_cli, tmp_path):
    result = run_cli("sample", "mlp-gan.digits", "--n", "6", "--seed", "7", "--out-dir", "out")
    assert result.returncode == 0, result.stderr
    written = [np.asarray(Image.open(p).convert("L")) for p in sorted((tmp_path / "out").glob("*.png"))]
    images = ganzoo.sample("mlp-gan.digits", 6, seed=7).images
    assert len(written) == len(images) == 6
    # save_image's conversion to 8 bits: x * 255 + 0.5, clamped
    ours = images.mul(255).add(0.5).clamp(0, 255).to(torch.uint8)[:, 0].numpy()
    assert np.array_equal(np.stack(written), ours)
    other = ganzoo.sample(ganzoo.load("mlp-gan.digits"), 6, seed=8).images
    assert not torch.equal(other, images)  # the seed matters, so the match above is not vacuous


def test_predict_lines_are_the_cli_output(run_cli, tmp_path):
    paths = []
    for i, image in enumerate(ganzoo.sample("mlp-gan.digits", 2, seed=1).images):
        paths.append(tmp_path / f"in{i}.png")
        Image.fromarray(image[0].mul(255).byte().numpy()).save(paths[-1])
    result = run_cli("predict", "classifier.digits", *map(str, paths))
    assert result.returncode == 0, result.stderr
    lines = ganzoo.predict("classifier.digits", paths)
    assert len(lines) == 2 and lines == result.stdout.splitlines()


def test_summary_text_is_the_cli_output(run_cli):
    result = run_cli("summary", "mlp-gan", "--set", "latent_dim=8", "--depth", "1")
    assert result.returncode == 0, result.stderr
    summary = ganzoo.summary("mlp-gan", settings={"latent_dim": 8}, depth=1)
    assert summary.text() == result.stdout
    assert set(summary.networks) == {"generator", "discriminator"}
    model = ganzoo.create_model("mlp-gan", latent_dim=8)
    assert summary.networks["generator"].total_params == sum(p.numel() for p in model.generator.parameters())


def test_summary_of_a_loaded_model():
    model = ganzoo.load("lstm-regressor.sine")
    summary = ganzoo.summary(model)
    assert summary.head.startswith("lstm-regressor: ")
    assert list(summary.networks) == list(model.networks())


@pytest.mark.slow
def test_evaluate_is_the_cli_json(run_cli):
    result = run_cli("eval", "lstm-regressor.sine", "--json")
    assert result.returncode == 0, result.stderr
    cli = json.loads(result.stdout)
    ours = ganzoo.evaluate("lstm-regressor.sine").to_dict()
    assert ours["metrics"] == cli["metrics"] and ours["targets"] == cli["targets"]


def test_convert_writes_the_folder_the_cli_writes(run_cli, tmp_path):
    g = ganzoo.load("mlp-gan.digits")
    torch.save(g.generator.state_dict(), tmp_path / "g.pt")
    result = run_cli("convert", "g.pt", "mlp-gan", "--out", "by-cli")
    assert result.returncode == 0, result.stderr
    folder = ganzoo.convert(tmp_path / "g.pt", "mlp-gan", tmp_path / "by-api")
    assert folder == tmp_path / "by-api"
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in (tmp_path / "by-cli").iterdir())
    assert torch.equal(ganzoo.sample(folder, 3, seed=0).images,
                       ganzoo.sample(tmp_path / "by-cli", 3, seed=0).images)


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: ganzoo.sample("mlp-gan.digits", 0), ConfigError, "n must be an integer from 1"),
    (lambda: ganzoo.sample("mlp-gan.digits", 2, seed=-1), ConfigError, "seed must be an integer"),
    (lambda: ganzoo.predict("classifier.digits", ["no-such.png"]), DataError, "no-such.png: no such image file"),
    (lambda: ganzoo.summary(42), ConfigError, "expected a model name"),
    (lambda: ganzoo.summary("mlp-gan.digits", "digits"), ConfigError, "a saved model has its own settings"),
    (lambda: ganzoo.evaluate("mlp-gan.digits", seed=-1), ConfigError, "--seed must be an integer"),
    (lambda: ganzoo.convert("no-such.pt", "mlp-gn", "out"), UnknownName, "mlp-gan"),
])
def test_bad_input_raises_a_ganzoo_error(call, error, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, GanzooError) and words in str(caught.value)
    assert "\n" not in str(caught.value)

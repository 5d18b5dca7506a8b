"""Class-conditional generation (the ``conditional`` task plugin, ``cgan`` and ``cdcgan``):
labels in, the asked classes out, through the Python API and the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

import ganzoo
from ganzoo.errors import ConfigError
from ganzoo_plugins.tasks.conditional import resolve_labels

TINY = {"image_size": "16", "ngf": "4", "ndf": "4", "nz": "8"}
TINY_CGAN = {"image_size": "8", "latent_dim": "8"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A few steps of cdcgan on digits (labels 0-9), saved as a run folder."""
    out = tmp_path_factory.mktemp("cond") / "run"
    ganzoo.train("cdcgan", "digits", max_steps=4, epochs=1, out=out, settings=TINY, progress=False)
    return out


def test_labels_are_indices_or_names_one_for_all_or_one_per_image():
    model = ganzoo.create_model("cdcgan", image_size=16, ngf=4, ndf=4, nz=8, num_classes=3)
    model.zoo_config = {"dataset": {"class_names": ["cat", "dog", "owl"]}}
    assert resolve_labels(model, "dog", 3).tolist() == [1, 1, 1]
    assert resolve_labels(model, [0, "owl", "1"], 3).tolist() == [0, 2, 1]
    assert resolve_labels(model, torch.tensor([2, 0]), 2).tolist() == [2, 0]
    with pytest.raises(ConfigError, match=r"unknown label 'cow'; the classes are cat, dog, owl"):
        resolve_labels(model, "cow", 1)
    with pytest.raises(ConfigError, match=r"label 5 is out of range: the model has 3 classes, indices 0-2"):
        resolve_labels(model, 5, 1)
    with pytest.raises(ConfigError, match="give one label or 4"):
        resolve_labels(model, [0, 1], 4)


@pytest.mark.parametrize("g_cond", ["concat", "cbn"])
def test_sampling_draws_the_asked_classes_deterministically(g_cond):
    model = ganzoo.create_model("cdcgan", image_size=16, ngf=4, ndf=4, nz=8, num_classes=3,
                                g_cond=g_cond).eval()
    if g_cond == "cbn":  # untrained, every class has gain 1 and bias 0
        torch.manual_seed(0)
        for norm in model.generator.norms:
            torch.nn.init.normal_(norm.bias.weight)
    a = model.sample(6, seed=1, labels=[0, 1, 2, 0, 1, 2])
    assert a.shape == (6, 3, 16, 16) and 0 <= float(a.min()) and float(a.max()) <= 1
    assert torch.equal(a, model.sample(6, seed=1, labels=[0, 1, 2, 0, 1, 2]))
    # Same noise, another class: another image (the label reaches the generator).
    assert not torch.equal(a, model.sample(6, seed=1, labels=2))
    uniform = model.sample(6, seed=1)
    assert uniform.shape == a.shape
    # Class weights blend: a one-hot weight is exactly its class.
    z = torch.randn(2, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        hard = model.generator(z, torch.tensor([1, 2]))
        soft = model.generator(z, torch.nn.functional.one_hot(torch.tensor([1, 2]), 3).float())
    assert torch.allclose(hard, soft, atol=1e-6)


def test_a_walk_loops_through_its_points():
    model = ganzoo.create_model("cdcgan", image_size=16, ngf=4, ndf=4, nz=8, num_classes=3).eval()
    frames = model.walk(4, steps=5, seed=3, labels=[0, 1, 2, 0])
    assert frames.shape == (20, 3, 16, 16)
    again = model.walk(4, steps=5, seed=3, labels=[0, 1, 2, 0])
    assert torch.equal(frames, again)
    gan = ganzoo.create_model("dcgan", image_size=16, ngf=4, ndf=4, nz=8).eval()
    assert gan.walk(3, steps=4, seed=0).shape == (12, 3, 16, 16)


def test_unlabelled_data_is_refused_with_one_line(run_cli, tmp_path):
    res = run_cli("train", "cdcgan", "sine", "--max-steps", "1", "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_train_draws_the_class_grid_and_sample_takes_labels(run, run_cli, tmp_path):
    config = json.loads((run / "config.json").read_text())
    assert config["task"] == "conditional" and config["hparams"]["num_classes"] == 10
    with Image.open(run / "samples.png") as grid:  # 10 rows of 8, labels to the left
        assert grid.height > grid.width * 10 / 8 * 0.9
    pairs = run_cli("sample", str(run), "--labels", "3,7", "--n", "8", "--out", str(tmp_path / "p.png"),
                    "--seed", "0")
    assert pairs.returncode == 0, pairs.stderr
    assert pairs.stdout.strip() == f"wrote 8 images to {tmp_path / 'p.png'}"
    every = run_cli("sample", str(run), "--labels", "all", "--n", "20", "--out", str(tmp_path / "a.png"))
    assert every.returncode == 0 and "wrote 20 images" in every.stdout
    with Image.open(tmp_path / "p.png") as p, Image.open(tmp_path / "a.png") as a:
        assert p.height < a.height  # 2 rows of 4 vs 10 rows of 2
    walk = run_cli("sample", str(run), "--interpolate", "4", "--out", str(tmp_path / "w.png"))
    assert walk.returncode == 0, walk.stderr
    assert "32-frame animation" in walk.stdout  # 4 legs of 8 frames, looping back to the first point
    with Image.open(tmp_path / "w.gif") as gif:  # PIL merges identical frames, adding their times
        total = 0
        for i in range(gif.n_frames):
            gif.seek(i)
            total += gif.info["duration"]
    assert total == 32 * 120
    trunc = run_cli("sample", str(run), "--truncation", "0.7", "--labels", "5", "--out", str(tmp_path / "t.png"))
    assert trunc.returncode == 0, trunc.stderr
    bad = run_cli("sample", str(run), "--labels", "12")
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("ganzoo: error: label 12 is out of range: the model has 10 classes, "
                                  "indices 0-9 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)")
    gan = run_cli("sample", "dcgan.digits", "--labels", "3")
    assert gan.returncode == 2 and "--labels applies to conditional models" in gan.stderr


@pytest.mark.slow
def test_eval_reports_label_agreement_and_intra_class_fid(run):
    from ganzoo.evaluate import evaluate

    ev = evaluate(run, n=40)
    assert ev.n == 40 and ev.details["per_class"] == 4
    for key in ("label_agreement", "min_class_agreement", "mean_confidence", "fid", "fid_floor",
                "fid_ratio", "fid_class", "fid_class_floor", "fid_class_ratio"):
        assert key in ev.metrics and ev.metrics[key] == ev.metrics[key], key
    assert set(ev.details["class_agreement"]) == {str(i) for i in range(10)}
    assert 0 <= ev.metrics["min_class_agreement"] <= ev.metrics["label_agreement"] <= 1
    assert set(ev.targets()) == {"label_agreement", "min_class_agreement", "mean_confidence", "fid_ratio"}
    assert any("agreement per class" in line for line in ev.lines())


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["bce", "mse", "hinge", "wgan-gp"])
def test_cgan_trains_with_every_gan_loss(loss, tmp_path):
    settings = {**TINY_CGAN, **({"n_critic": "2"} if loss == "wgan-gp" else {})}
    result = ganzoo.train("cgan", "digits", loss=loss, max_steps=3, batch_size=16, out=tmp_path / "r",
                          settings=settings, progress=False, log_every=1)
    assert result.config["loss"]["name"] == loss
    assert all(v == v for v in result.metrics.values() if isinstance(v, float))


@pytest.mark.slow
def test_stopped_and_resumed_with_augment_and_ema_is_bit_identical(tmp_path):
    kw = {"settings": TINY, "epochs": 2, "batch_size": 64, "augment": "translation,cutout,color",
          "ema": 0.9, "lr_decay": 0.5, "progress": False, "checkpoint_every": 5}
    straight = ganzoo.train("cdcgan", "digits", out=tmp_path / "straight", max_steps=30, **kw)
    ganzoo.train("cdcgan", "digits", out=tmp_path / "run", max_steps=13, **kw)
    ganzoo.train(resume=tmp_path / "run", max_steps=30, progress=False)
    for name in ("model.safetensors", "discriminator.safetensors"):
        a, b = load_file(str(straight.out / name)), load_file(str(tmp_path / "run" / name))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name

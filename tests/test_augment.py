"""DiffAugment (ganzoo_plugins/tasks/augment.py) and the ``--augment`` knob that turns it on."""

from __future__ import annotations

import pytest
import torch

import ganzoo
from ganzoo.errors import ConfigError
from ganzoo_plugins.tasks import AUGMENT_POLICIES, augment

TINY = {"image_size": "16", "ngf": "8", "ndf": "8", "channels": "1", "size": "48"}


def _images(n: int = 8, side: int = 32) -> torch.Tensor:
    return torch.rand(n, 1, side, side, generator=torch.Generator().manual_seed(3)) * 2 - 1


def test_the_cli_and_the_implementation_know_the_same_policies():
    assert tuple(augment.POLICIES) == AUGMENT_POLICIES


def test_each_policy_keeps_the_shape_and_passes_gradients_to_the_images():
    for policy in (*AUGMENT_POLICIES, "translation,cutout,color"):
        x = _images().requires_grad_(True)
        y = augment.DiffAugment(policy, torch.Generator().manual_seed(0))(x)
        assert y.shape == x.shape
        y.square().sum().backward()
        assert x.grad is not None and x.grad.abs().sum() > 0, policy


def test_the_same_generator_state_gives_the_same_augmentation_and_another_differs():
    x = _images()
    a = augment.DiffAugment("translation,cutout,color", torch.Generator().manual_seed(1))(x)
    b = augment.DiffAugment("translation,cutout,color", torch.Generator().manual_seed(1))(x)
    c = augment.DiffAugment("translation,cutout,color", torch.Generator().manual_seed(2))(x)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_cutout_zeroes_one_square_of_half_the_side_per_image():
    x = torch.ones(16, 1, 32, 32)
    y = augment.cutout(x, torch.Generator().manual_seed(0))
    zeros = (y == 0).flatten(1).sum(1)
    assert ((zeros > 0) & (zeros <= 16 * 16)).all()  # clipped at the border, never more
    assert (zeros == 256).any()
    assert set(y.unique().tolist()) <= {0.0, 1.0}


def test_translation_moves_content_by_at_most_an_eighth_and_pads_with_zero():
    x = torch.zeros(64, 1, 32, 32)
    x[:, :, 16, 16] = 1.0
    y = augment.translation(x, torch.Generator().manual_seed(0))
    rows, cols = [], []
    for img in y[:, 0]:
        r, c = (img == 1).nonzero()[0].tolist()
        rows.append(r - 16)
        cols.append(c - 16)
        assert img.sum() == 1.0
    assert max(map(abs, rows + cols)) == 4  # 32 / 8
    assert len(set(zip(rows, cols))) > 10


def test_empty_and_none_policies_are_the_identity():
    x = _images()
    for policy in (None, "", "none"):
        aug = augment.DiffAugment(policy)
        assert not aug
        assert aug(x) is x


def test_a_run_with_augment_records_it_and_its_command_reproduces_it(tmp_path):
    result = ganzoo.train("dcgan", "fake", max_steps=2, batch_size=8, settings=TINY,
                          augment="cutout, translation", out=tmp_path / "run", progress=False,
                          device="cpu")
    assert result.config["train"]["augment"] == "cutout,translation"
    assert "--augment cutout,translation" in result.config["train"]["command"]
    plain = ganzoo.train("dcgan", "fake", max_steps=2, batch_size=8, settings=TINY,
                         out=tmp_path / "plain", progress=False, device="cpu")
    assert plain.config["train"]["augment"] == ""
    changed = [not torch.equal(p, q) for p, q in zip(result.model.generator.parameters(),
                                                      plain.model.generator.parameters())]
    assert any(changed)  # D saw other images, so G got other gradients


def test_augmented_runs_are_deterministic(tmp_path):
    runs = [ganzoo.train("mlp-gan", "fake", max_steps=3, batch_size=8, settings={"size": "32"},
                         augment="translation,cutout,color", out=tmp_path / str(i), progress=False,
                         device="cpu", seed=5) for i in range(2)]
    for p, q in zip(runs[0].model.parameters(), runs[1].model.parameters()):
        assert torch.equal(p, q)


def test_api_rejects_unknown_policies_and_non_gan_models_before_writing(tmp_path):
    with pytest.raises(ConfigError, match="did you mean 'cutout'"):
        ganzoo.train("dcgan", "fake", max_steps=1, augment="cutuot", out=tmp_path / "a")
    with pytest.raises(ConfigError, match="--augment applies to adversarial or conditional models; 'classifier' is a "
                                          "classification model"):
        ganzoo.train("classifier", "digits", max_steps=1, augment="translation", out=tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_cli_rejects_a_bad_policy_in_one_line(run_cli, tmp_path):
    res = run_cli("train", "mlp-gan", "fake", "--max-steps", "1", "--augment", "flip",
                  "--out", str(tmp_path / "x"))
    assert res.returncode == 2
    assert "--augment" in res.stderr and "flip" in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()

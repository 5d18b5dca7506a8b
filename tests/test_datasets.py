"""The file-free datasets (digits, fake, sine) and load_dataset's contract."""

from __future__ import annotations

import pytest
import torch

from ganzoo.data import DataBundle, DataRequest, load_dataset, to_float
from ganzoo.errors import ConfigError, DataError, UnknownName


def test_digits_defaults_to_28x28_gray_with_fixed_split():
    b = load_dataset("digits")
    assert isinstance(b, DataBundle) and b.modality == "image"
    assert b.sample_shape == (1, 28, 28)
    assert b.train.x.dtype == torch.uint8 and b.train.y.dtype == torch.int64
    assert len(b.train) + len(b.test) == 1797
    assert len(b.test) == 360
    assert b.class_names == [str(i) for i in range(10)] and b.num_classes == 10
    assert set(b.test.y.tolist()) == set(range(10))  # stratified
    assert b.train.x.max() == 255 and b.train.x.min() == 0
    f = to_float(b.train.x[:8])
    assert f.min() >= -1 and f.max() <= 1
    again = load_dataset("digits", DataRequest("digits", seed=123))
    assert torch.equal(again.test.y, b.test.y)  # split independent of the run's seed


def test_shipped_digits_are_scikit_learns_images_and_split_bit_for_bit():
    """The copy in digits.npz replaced reading scikit-learn at run time: same pixels, same
    labels, same stratified split as ``load_digits`` + ``train_test_split(random_state=0)``."""
    import subprocess
    import sys

    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    raw = load_digits()
    tr, te = train_test_split(np.arange(1797), test_size=0.2, random_state=0, stratify=raw.target)
    images = torch.from_numpy(np.rint(raw.images * (255.0 / 16.0)).astype(np.uint8)).unsqueeze(1)
    b = load_dataset("digits", DataRequest("digits", image_size=8, channels=1))
    assert torch.equal(b.train.x, images[torch.from_numpy(tr)])
    assert torch.equal(b.test.x, images[torch.from_numpy(te)])
    assert b.train.y.tolist() == raw.target[tr].tolist() and b.test.y.tolist() == raw.target[te].tolist()
    # ... and reading it imports no scikit-learn (0.85 s of every digits run's start-up)
    code = ("import sys; from ganzoo.data import load_dataset; load_dataset('digits'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_digits_follows_model_defaults_and_explicit_values():
    dc = load_dataset("digits", DataRequest("digits", default_image_size=64, default_channels=3))
    assert dc.sample_shape == (3, 64, 64)
    assert torch.equal(dc.train.x[:, 0], dc.train.x[:, 2])  # gray repeated into RGB
    explicit = load_dataset("digits", DataRequest("digits", image_size=16, channels=1,
                                                  default_image_size=64, default_channels=3))
    assert explicit.sample_shape == (1, 16, 16)


def test_fake_takes_the_models_default_shape():
    assert load_dataset("fake", DataRequest("fake", default_image_size=64,
                                            default_channels=3)).sample_shape == (3, 64, 64)
    assert load_dataset("fake", DataRequest("fake", default_image_size=28,
                                            default_channels=1)).sample_shape == (1, 28, 28)
    b = load_dataset("fake", DataRequest("fake", shape=(3, 8, 12)), size=10, test_size=2)
    assert b.sample_shape == (3, 8, 12) and len(b.train) == 10 and len(b.test) == 2
    s = load_dataset("fake", DataRequest("fake", default_seq_len=16))
    assert s.modality == "series" and s.sample_shape == (16,)
    assert torch.equal(s.train.x[:, 1:], s.train.y[:, :-1])


def test_fake_is_seeded():
    a = load_dataset("fake", DataRequest("fake", seed=1), size=4)
    b = load_dataset("fake", DataRequest("fake", seed=1), size=4)
    c = load_dataset("fake", DataRequest("fake", seed=2), size=4)
    assert torch.equal(a.train.x, b.train.x) and not torch.equal(a.train.x, c.train.x)


def test_sine_windows_are_next_step_targets():
    b = load_dataset("sine", DataRequest("sine", default_seq_len=32, seed=0))
    assert b.modality == "series" and b.sample_shape == (32,)
    assert b.train.x.dtype == torch.float32 and b.train.y.dtype == torch.float32
    assert torch.equal(b.train.x[:, 1:], b.train.y[:, :-1])
    assert torch.equal(b.train.x[1, :-1], b.train.x[0, 1:])
    assert 0 < b.info["naive_test_mse"] < 1
    assert load_dataset("sine", DataRequest("sine", seq_len=8), points=500).sample_shape == (8,)


def test_settings_are_type_checked():
    with pytest.raises(ConfigError, match="points"):
        load_dataset("sine", points="many")
    with pytest.raises(UnknownName, match="setting 'pionts'.*did you mean 'points'"):
        load_dataset("sine", pionts=10)
    with pytest.raises(DataError, match="too short"):
        load_dataset("sine", points=20)


def test_request_options_are_not_mutated():
    req = DataRequest("sine", default_seq_len=8)
    load_dataset("sine", req, points=400)
    assert req.options == {}


def test_info_digits_offline(run_cli):
    r = run_cli("info", "digits")
    assert r.returncode == 0, r.stderr
    assert "scikit-learn" in r.stdout and "classes" in r.stdout
    r = run_cli("list", "--kind", "dataset")
    for name in ("digits", "mnist", "fashion-mnist", "cifar10", "celeba", "imagefolder", "sine",
                 "csv", "fake"):
        assert name in r.stdout

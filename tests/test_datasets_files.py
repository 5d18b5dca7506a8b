"""Datasets read from real on-disk formats written by tests/formats.py, through the real loaders."""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from ganzoo.data import DataRequest, load_dataset
from ganzoo.errors import DataError

from formats import truncate, write_cifar10, write_jpegs, write_mnist, zip_folder


def req(name: str, root: Path, **kw) -> DataRequest:
    """A request for every image (file-based sets hold out no test split unless a test asks)."""
    if name in ("celeba", "imagefolder"):
        kw.setdefault("options", {"test_split": 0.0})
    return DataRequest(name, root=root, progress=False, **kw)


@pytest.mark.parametrize("name,folder", [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")])
def test_idx_gzip_files_load_through_torchvision(tmp_path, name, folder):
    x, y = write_mnist(tmp_path, folder, n_train=20, n_test=10)
    b = load_dataset(name, req(name, tmp_path, default_image_size=64, default_channels=3))
    assert b.sample_shape == (1, 28, 28)  # native shape wins over model defaults
    assert len(b.train) == 20 and len(b.test) == 10
    assert torch.equal(b.train.x[:, 0], torch.from_numpy(x))
    assert torch.equal(b.train.y, torch.from_numpy(y.astype(np.int64)))
    assert b.num_classes == 10
    rgb = load_dataset(name, req(name, tmp_path, image_size=32, channels=3))
    assert rgb.sample_shape == (3, 32, 32)


def test_mnist_missing_files_say_where_and_how(tmp_path):
    with pytest.raises(DataError, match=r"MNIST/raw.*train-images-idx3-ubyte.*--download"):
        load_dataset("mnist", req("mnist", tmp_path))


def test_cifar10_pickle_batches(tmp_path, caplog):
    data, labels = write_cifar10(tmp_path, per_batch=4)
    with caplog.at_level(logging.WARNING):
        b = load_dataset("cifar10", req("cifar10", tmp_path))
    assert "md5" in caplog.text
    assert b.sample_shape == (3, 32, 32) and len(b.train) == 20 and len(b.test) == 4
    assert torch.equal(b.train.x[:4], torch.from_numpy(data.reshape(-1, 3, 32, 32)))
    assert b.train.y[:4].tolist() == labels
    assert b.class_names[0] == "airplane" and b.num_classes == 10
    gray = load_dataset("cifar10", req("cifar10", tmp_path, channels=1))
    assert gray.sample_shape == (1, 32, 32)
    # luminance, not the red channel
    expect = (b.train.x[0].float() * torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)).sum(0)
    assert (gray.train.x[0, 0].float() - expect).abs().max() <= 1


def test_cifar10_missing_batches(tmp_path):
    write_cifar10(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(DataError, match="data_batch_3.*--download"):
        load_dataset("cifar10", req("cifar10", tmp_path))


def test_celeba_folder_and_zip_give_the_same_images(tmp_path):
    folder = tmp_path / "celeba" / "img_align_celeba"
    write_jpegs(folder, 6)
    zroot = tmp_path / "zipped"
    zroot.mkdir()
    zip_folder(folder, zroot / "img_align_celeba.zip")
    a = load_dataset("celeba", req("celeba", tmp_path / "celeba", default_image_size=64,
                                   default_channels=3))
    b = load_dataset("celeba", req("celeba", zroot, default_image_size=64, default_channels=3))
    assert a.sample_shape == (3, 64, 64) and len(a.train) == 6 and a.train.y is None
    assert torch.equal(a.train.x, b.train.x)
    assert a.test is None and a.class_names is None


def test_celeba_matches_the_tutorial_transform(tmp_path):
    import torchvision.transforms as T
    from PIL import Image

    folder = tmp_path / "img_align_celeba"
    paths = write_jpegs(folder, 2)
    b = load_dataset("celeba", req("celeba", tmp_path, image_size=64))
    ref = T.Compose([T.Resize(64), T.CenterCrop(64), T.PILToTensor()])
    with Image.open(paths[1]) as img:
        expect = ref(img.convert("RGB"))
    assert torch.equal(b.train.x[1], expect)


def test_celeba_missing_root(tmp_path):
    with pytest.raises(DataError, match="img_align_celeba.zip"):
        load_dataset("celeba", req("celeba", tmp_path / "nope"))
    (tmp_path / "img_align_celeba").mkdir()
    with pytest.raises(DataError, match="no .jpg images"):
        load_dataset("celeba", req("celeba", tmp_path))


def test_imagefolder_labels_corrupt_files_and_grayscale(tmp_path, caplog):
    write_jpegs(tmp_path / "cats", 3, size=(40, 30), seed=1)
    write_jpegs(tmp_path / "dogs", 2, size=(30, 40), seed=2, mode="L", fmt="PNG", suffix=".png")
    bad = truncate(tmp_path / "cats" / "000002.jpg")
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    (tmp_path / "dogs" / "fake.png").write_text("not a png either")
    with caplog.at_level(logging.WARNING):
        b = load_dataset("imagefolder", req("imagefolder", tmp_path, image_size=16, channels=3))
    assert b.class_names == ["cats", "dogs"]
    assert len(b.train) == 4  # 5 good-looking names, one truncated jpg, one fake png
    assert b.info["skipped"] == 2 and b.info["first_skipped"] == str(bad)
    assert "skipped 2" in caplog.text and str(bad) in caplog.text
    assert b.train.y.tolist() == [0, 0, 1, 1]
    assert b.sample_shape == (3, 16, 16)
    dog = b.train.x[-1]
    assert torch.equal(dog[0], dog[1]) and torch.equal(dog[1], dog[2])  # gray -> RGB


def test_imagefolder_unlabelled_and_bad_roots(tmp_path):
    write_jpegs(tmp_path / "flat", 3, size=(20, 20), fmt="PNG", suffix=".png")
    b = load_dataset("imagefolder", req("imagefolder", tmp_path / "flat", default_image_size=8,
                                        default_channels=1))
    assert b.class_names is None and b.train.y is None and b.sample_shape == (1, 8, 8)
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("imagefolder", req("imagefolder", tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images"):
        load_dataset("imagefolder", req("imagefolder", tmp_path / "empty"))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.jpg").write_bytes(b"garbage")
    with pytest.raises(DataError, match="none of the images"):
        load_dataset("imagefolder", req("imagefolder", broken))


def test_cache_is_reused_and_rebuilt_when_a_file_changes(tmp_path):
    folder = tmp_path / "img_align_celeba"
    paths = write_jpegs(folder, 4, size=(30, 40))
    cache = tmp_path / "cache"
    r = req("celeba", tmp_path, image_size=16, cache_dir=cache)
    first = load_dataset("celeba", r)
    assert first.info["cached"] and not first.info["cache_hit"]
    entry = Path(first.info["cache_path"])
    assert (entry / "images.npy").is_file() and (entry / "meta.json").is_file()
    again = load_dataset("celeba", r)
    assert again.info["cache_hit"] and torch.equal(again.train.x, first.train.x)
    # a different size is a different entry
    assert not load_dataset("celeba", req("celeba", tmp_path, image_size=8,
                                          cache_dir=cache)).info["cache_hit"]
    write_jpegs(tmp_path / "other", 1, size=(30, 40), seed=9)
    os.replace(tmp_path / "other" / "000001.jpg", paths[0])
    changed = load_dataset("celeba", r)
    assert not changed.info["cache_hit"]
    assert not torch.equal(changed.train.x[0], first.train.x[0])
    assert torch.equal(changed.train.x[1:], first.train.x[1:])


def test_half_built_cache_is_not_trusted(tmp_path):
    write_jpegs(tmp_path / "img_align_celeba", 3, size=(30, 40))
    cache = tmp_path / "cache"
    r = req("celeba", tmp_path, image_size=16, cache_dir=cache)
    good = load_dataset("celeba", r)
    entry = Path(good.info["cache_path"])
    expect = good.train.x.clone()  # the memory map would see the in-place overwrite below
    # a build killed before its meta.json was written: the images file alone is ignored
    (entry / "meta.json").unlink()
    np.save(entry / "images.npy", np.zeros((3, 3, 16, 16), np.uint8))
    rebuilt = load_dataset("celeba", r)
    assert not rebuilt.info["cache_hit"] and torch.equal(rebuilt.train.x, expect)
    # a corrupted images file next to a valid meta.json is rebuilt too
    (entry / "images.npy").write_bytes(b"\x93NUMPY garbage")
    again = load_dataset("celeba", r)
    assert not again.info["cache_hit"] and torch.equal(again.train.x, expect)


def test_no_cache_builds_in_memory(tmp_path):
    write_jpegs(tmp_path / "img_align_celeba", 2, size=(30, 40))
    cache = tmp_path / "cache"
    b = load_dataset("celeba", req("celeba", tmp_path, image_size=16, cache_dir=cache,
                                   use_cache=False))
    assert len(b.train) == 2 and not b.info["cached"] and not cache.exists()


def test_default_cache_dir_follows_xdg(tmp_path):
    write_jpegs(tmp_path / "img_align_celeba", 2, size=(30, 40))
    b = load_dataset("celeba", req("celeba", tmp_path, image_size=16))
    assert Path(b.info["cache_path"]).is_relative_to(Path(os.environ["XDG_CACHE_HOME"]) / "ganzoo")


def test_celeba_bad_zip(tmp_path):
    (tmp_path / "img_align_celeba.zip").write_bytes(b"PK not really")
    with pytest.raises(DataError, match="not a readable zip"):
        load_dataset("celeba", req("celeba", tmp_path))
    with zipfile.ZipFile(tmp_path / "img_align_celeba.zip", "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(DataError, match="no .jpg images inside"):
        load_dataset("celeba", req("celeba", tmp_path))


def test_csv_series(tmp_path):
    p = tmp_path / "prices.csv"
    t = np.arange(300)
    rows = ["date,price,volume"] + [f"d{i},{np.sin(i / 5) * 10 + 50:.4f},{i}" for i in t]
    p.write_text("\n".join(rows) + "\n")
    b = load_dataset("csv", DataRequest("csv", root=p, default_seq_len=16), column="price")
    assert b.modality == "series" and b.sample_shape == (16,)
    assert torch.equal(b.train.x[:, 1:], b.train.y[:, :-1])
    assert abs(b.info["mean"] - 50) < 1 and b.info["column"] == "price"
    with pytest.raises(DataError, match="2 numeric columns.*--set column=NAME"):
        load_dataset("csv", DataRequest("csv", root=p))
    with pytest.raises(DataError, match="no column 'cost'.*date, price, volume"):
        load_dataset("csv", DataRequest("csv", root=p), column="cost")
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("csv", DataRequest("csv"), path=str(tmp_path / "nope.csv"))


def test_file_based_sets_hold_out_the_last_files_of_each_class(tmp_path):
    for i, name in enumerate(("a", "b", "c")):
        write_jpegs(tmp_path / "imgs" / name, 10 + 5 * i, size=(8, 8), seed=i)
    whole = load_dataset("imagefolder", req("imagefolder", tmp_path / "imgs", default_image_size=8))
    split = load_dataset("imagefolder", req("imagefolder", tmp_path / "imgs", default_image_size=8,
                                            options={"test_split": 0.2}))
    assert len(whole.train) == 45 and whole.test is None
    assert (len(split.train), len(split.test)) == (36, 9)  # 2, 3 and 4 of the three classes
    assert split.test.y.tolist() == [0] * 2 + [1] * 3 + [2] * 4
    # The held-out images are each class's last files, and training keeps the rest, in order.
    ends = [8, 22, 41]  # first held-out index of each class in the whole set
    for k, (label, start) in enumerate(zip((0, 1, 2), ends)):
        n = (2, 3, 4)[k]
        got = split.test.x[split.test.y == label]
        assert torch.equal(got, whole.train.x[start:start + n])
    celeba = tmp_path / "celeba" / "img_align_celeba"
    write_jpegs(celeba, 20, size=(8, 8))
    faces = load_dataset("celeba", DataRequest("celeba", root=tmp_path / "celeba", progress=False,
                                               default_image_size=8, cache_dir=tmp_path / "c"))
    assert (len(faces.train), len(faces.test)) == (19, 1)  # the default 5 %: the last file
    from ganzoo.errors import ConfigError

    with pytest.raises(ConfigError, match="'test_split' must be from 0 to 0.99"):
        load_dataset("celeba", req("celeba", tmp_path / "celeba", options={"test_split": 1.0}))

"""``ganzoo train``'s data options through the real CLI: --download, --cache-dir, --no-cache,
and --data-root pointing at a dataset's file (CelebA's zip, a CSV) instead of a folder."""

from __future__ import annotations

import socket
from pathlib import Path

from formats import write_jpegs, zip_folder

SMALL_DCGAN = ["--set", "image_size=16", "--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8",
               "--set", "channels=1", "--max-steps", "1", "--batch-size", "4"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_without_a_network_is_one_line(run_cli, tmp_path: Path) -> None:
    # A proxy nobody listens on: torchvision's urllib fails at once, network or not.
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = {"http_proxy": proxy, "https_proxy": proxy, "HTTP_PROXY": proxy, "HTTPS_PROXY": proxy}
    for model, dataset in (("mlp-gan", "mnist"), ("dcgan-cifar", "cifar10")):
        res = run_cli("train", model, dataset, "--data-root", "dl", "--download", "--max-steps", "1",
                      "--out", f"run-{dataset}", env=env)
        assert res.returncode == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
        assert f"dataset '{dataset}': --download into dl failed (" in lines[0]
        assert "Connection refused" in lines[0] or "Errno" in lines[0], lines[0]
        assert not (tmp_path / f"run-{dataset}").exists()


def test_cache_dir_and_no_cache(run_cli, tmp_path: Path) -> None:
    write_jpegs(tmp_path / "faces" / "img_align_celeba", 6, size=(20, 24))
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    res = run_cli("train", "dcgan", "celeba", "--data-root", "faces", "--cache-dir", "mycache",
                  *SMALL_DCGAN, "--out", "a", env=env)
    assert res.returncode == 0, res.stderr
    entries = list((tmp_path / "mycache" / "datasets").iterdir())
    assert len(entries) == 1 and entries[0].name.startswith("celeba-")
    assert not (tmp_path / "xdg" / "ganzoo").exists()
    res = run_cli("train", "dcgan", "celeba", "--data-root", "faces", "--no-cache", *SMALL_DCGAN,
                  "--out", "b", env=env)
    assert res.returncode == 0, res.stderr
    assert not (tmp_path / "xdg" / "ganzoo").exists()  # nothing written anywhere
    assert list((tmp_path / "mycache" / "datasets").iterdir()) == entries
    # Neither is part of what the run computes: the recorded commands do not carry them.
    import json

    for run in ("a", "b"):
        command = json.loads((tmp_path / run / "config.json").read_text())["train"]["command"]
        assert "cache" not in command, command


def test_data_root_may_be_the_dataset_file(run_cli, tmp_path: Path) -> None:
    write_jpegs(tmp_path / "faces" / "img_align_celeba", 6, size=(20, 24))
    (tmp_path / "dl").mkdir()
    zip_folder(tmp_path / "faces" / "img_align_celeba", tmp_path / "dl" / "img_align_celeba.zip")
    res = run_cli("train", "dcgan", "celeba", "--data-root", "dl/img_align_celeba.zip", "--no-cache",
                  *SMALL_DCGAN, "--out", "z")
    assert res.returncode == 0, res.stderr
    (tmp_path / "prices.csv").write_text("day,price\n" + "".join(f"{i},{i % 7}\n" for i in range(200)))
    res = run_cli("train", "lstm-regressor", "csv", "--data-root", "prices.csv", "--set", "column=price",
                  "--max-steps", "1", "--out", "c")
    assert res.returncode == 0, res.stderr


def test_celeba_without_data_root_names_the_default_and_both_layouts(run_cli, tmp_path: Path) -> None:
    res = run_cli("train", "dcgan", "celeba", "--max-steps", "1")
    assert res.returncode == 2
    line = res.stderr.strip()
    assert "no --data-root, so the default ./data does not exist" in line
    assert "data/img_align_celeba/*.jpg" in line and "data/img_align_celeba.zip" in line


def test_an_imagefolder_run_holds_out_a_test_split_and_eval_finds_moved_files(run_cli, tmp_path: Path) -> None:
    """Sub-folders are classes; the last 10 % of each class is the test split (said in the
    first line), so the classifier gets an accuracy, and ``eval --data-root`` scores the run
    after its images moved."""
    import json
    import shutil

    for i, name in enumerate(("cat", "dog")):
        write_jpegs(tmp_path / "imgs" / name, 20, size=(12, 12), seed=i)
    res = run_cli("train", "classifier", "imagefolder", "--data-root", "imgs", "--no-cache",
                  "--max-steps", "2", "--batch-size", "8", "--out", "run")
    assert res.returncode == 0, res.stderr
    assert "(36 train / 4 test items" in res.stdout.splitlines()[0]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (config["dataset"]["num_train"], config["dataset"]["num_test"]) == (36, 4)
    assert "test_accuracy" in config["metrics"]
    shutil.move(tmp_path / "imgs", tmp_path / "moved")
    res = run_cli("eval", "run")
    assert res.returncode == 2 and "imgs" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = run_cli("eval", "run", "--data-root", "moved", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["metrics"]["test_accuracy"] == config["metrics"]["test_accuracy"]
    res = run_cli("train", "classifier", "imagefolder", "--data-root", "moved", "--no-cache",
                  "--set", "test_split=0", "--max-steps", "1", "--batch-size", "8", "--out", "all")
    assert res.returncode == 0 and "(40 train items" in res.stdout.splitlines()[0], res.stdout

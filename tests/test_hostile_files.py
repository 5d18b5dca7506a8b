"""Hostile files given to push, predict and convert are one line (or a pushed rebuilt card), exit 2.

Real files in their real formats, through the real CLI: a weights folder whose README.md is not
UTF-8 (pushed to the real local Hub of tests/hub_server.py), valid PNGs over PIL's
decompression-bomb limits (a 1-bit PNG compresses 400 million pixels into 50 kB), and text,
random bytes and broken pickles handed to ``convert`` (``KeyError`` / ``IndexError`` tracebacks
from the unpickler before the fix).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.weights import save_folder

from formats import png_1bit
from hub_server import HubServer, one_line

TOKEN = "hf_alice_secret_token"
SMALL = {"channels": 1, "image_size": 16, "nz": 8, "ngf": 4, "ndf": 4}


# --------------------------------------------------------------------------------------------
# push: a README.md that is not UTF-8


def test_push_with_a_non_utf8_readme_publishes_a_rebuilt_card(run_cli, tmp_path):
    torch.manual_seed(0)
    folder = save_folder(ganzoo.create_model("dcgan", **SMALL), tmp_path / "w",
                         {"model": "dcgan", "dataset": {"name": "digits"}})
    latin1 = "# Modèle entraîné à Zürich\n".encode("latin-1") + b"\xff\xfe\x80 not utf-8\n"
    (folder / "README.md").write_bytes(latin1)
    with HubServer(tmp_path / "hub-storage", {TOKEN: "alice"}) as hub:
        env = {"HF_ENDPOINT": hub.endpoint, "HF_HUB_DISABLE_XET": "1", "HF_TOKEN": TOKEN,
               "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HOME": str(tmp_path / "hf")}
        res = run_cli("push", str(folder), "alice/x", env=env)
        assert res.returncode == 0, res.stderr
        assert res.stderr == ""
        repo = hub.state.repos["alice/x"]
        card = hub.state.blob(repo.commits[repo.refs["main"]]["README.md"]["sha256"]).read_bytes()
    text = card.decode("utf-8")  # the card is rebuilt from config.json, never the local bytes
    assert 'ganzoo.load("alice/x")' in text and "library_name: ganzoo" in text
    assert (folder / "README.md").read_bytes() == latin1  # and the folder is only read


# --------------------------------------------------------------------------------------------
# predict: decompression bombs


def test_predict_refuses_a_decompression_bomb(run_cli, tmp_path):
    from PIL import Image

    bomb = png_1bit(tmp_path / "bomb.png", 20_000, 20_000)  # 400 M pixels > 2 x MAX_IMAGE_PIXELS
    assert bomb.stat().st_size < 100_000 and 20_000 * 20_000 > 2 * Image.MAX_IMAGE_PIXELS
    ok = png_1bit(tmp_path / "ok.png", 28, 28)
    res = run_cli("predict", "classifier.digits", str(ok), str(bomb))
    one_line(res, f"{bomb}: refused, too many pixels to decode safely", "400000000 pixels",
              "shrink the image first (the model reads it at 28x28)")
    assert res.stdout == ""


def test_predict_reads_an_image_just_over_the_limit_with_one_warning(run_cli, tmp_path):
    from PIL import Image

    big = png_1bit(tmp_path / "big.png", 9_500, 9_500)  # 90.25 M pixels: over the limit, under twice it
    assert Image.MAX_IMAGE_PIXELS < 9_500 ** 2 < 2 * Image.MAX_IMAGE_PIXELS
    res = run_cli("predict", "classifier.digits", str(big))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"{big}\t")
    bomb_lines = [line for line in res.stderr.splitlines() if "decompression bomb" in line]
    assert bomb_lines == [f"warning: {big}: Image size (90250000 pixels) exceeds limit of "
                          f"{Image.MAX_IMAGE_PIXELS} pixels, could be decompression bomb DOS attack; reading "
                          "it anyway (predict shrinks it to 28x28)"]
    assert "DecompressionBombWarning" not in res.stderr


# --------------------------------------------------------------------------------------------
# convert: files that are not checkpoints


def _garbage(tmp_path: Path) -> dict[str, Path]:
    files = {"text": tmp_path / "notes.txt", "random": tmp_path / "random.pth",
             "broken-pickle": tmp_path / "broken.pth", "stack-pickle": tmp_path / "stack.pth"}
    files["text"].write_text("these are my notes, not weights\n")
    files["random"].write_bytes(hashlib.sha256(b"seed").digest() * 8)
    files["broken-pickle"].write_bytes(b"\x80\x04K\x01K\x02h\x05")  # protocol 4, memo lookup of nothing
    files["stack-pickle"].write_bytes(b"\x80\x02\x85.")  # TUPLE1 on an empty stack
    return files


@pytest.mark.parametrize("kind", ["text", "random", "broken-pickle", "stack-pickle", "passwd"])
def test_convert_refuses_what_is_not_a_checkpoint(run_cli, tmp_path, kind):
    source = Path("/etc/passwd") if kind == "passwd" else _garbage(tmp_path)[kind]
    if not source.is_file():
        pytest.skip("no /etc/passwd here")
    res = run_cli("convert", str(source), "classifier", "--out", "out")
    line = one_line(res, f"{source}: not a checkpoint of a known kind",
                     "pass the file of torch.save(model.state_dict())")
    assert "Traceback" not in res.stderr and "Warning" not in res.stderr
    assert "root:" not in line  # the file's content is never echoed
    assert not (tmp_path / "out").exists()

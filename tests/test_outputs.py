"""What people read and the files they get: numbers in `train`/`info`/cards, the KID note,
`sample`'s image formats and overwrites, and `predict`'s warning on unlike inputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo import display
from ganzoo.weights import save_folder

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = REPO / "weights"


def _config(name: str) -> dict:
    return json.loads((WEIGHTS / name / "config.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------ numbers for people


@pytest.mark.parametrize("value, shown", [
    (0.31234448606317694, "0.3123"),  # the 16 decimals the cards used to show
    (0.342, "0.3420"),                # trailing zero kept: every value 4 significant digits
    (1.0765861164439807, "1.077"),
    (26.311, "26.31"),
    (2486.2, "2,486"),
    (24386.7, "24,390"),
    (999.97, "1,000"),
    (-0.0905, "-0.09050"),
    (1.2e-05, "1.200e-05"),
    (0.0, "0"),
    (500, "500"),                     # ints (epoch, step) as they are
    (float("nan"), "nan"),
])
def test_number_has_four_significant_digits(value, shown):
    assert display.number(value) == shown


def test_rates_name_what_the_data_holds():
    assert display.rate(24386.7, "image") == "24,390 images/s"
    assert display.rate(405.3, "series") == "405 windows/s"
    assert display.rate(59.31, "image") == "59.3 images/s"
    assert display.rate(1000.0, None) == "1,000 samples/s"
    line = display.result_line({"epoch": 3, "D(G(z))_after": 0.342, "Loss_D": 1.0765861164439807,
                                "steps_done": 66, "images_per_sec": 24386.7}, "image")
    assert line == "D(G(z))_after 0.3420, Loss_D 1.077, 24,390 images/s"


def test_article():
    assert [display.article(w) for w in ("adversarial", "image", "regression", "")] == \
        ["an", "an", "a", "a"]


def _metrics_section(card: str) -> str:
    return card.split("## Metrics", 1)[1].split("\n## ", 1)[0]


def test_card_metrics_table_is_for_people_and_config_keeps_full_precision(tmp_path):
    from ganzoo.card import build_card

    metrics = {"epoch": 500, "D(x)": 0.5576960390264337, "Loss_D": 1.0765861164439807,
               "images_per_sec": 2486.2, "steps_done": 11000}
    config = {"model": "dcgan", "task": "adversarial", "metrics": metrics,
              "dataset": {"name": "digits", "modality": "image"}}
    table = _metrics_section(str(build_card(config)))
    assert "| D(x) | 0.5577 |" in table and "| Loss_D | 1.077 |" in table
    assert "| training speed | 2,486 images/s |" in table and "| epoch | 500 |" in table
    assert not re.search(r"\d\.\d{6,}", table)
    # the folder's config.json is written as given: full precision for machines
    model = ganzoo.create_model("dcgan", channels=1, image_size=16, nz=8, ngf=4, ndf=4)
    folder = save_folder(model, tmp_path / "run", config)
    assert json.loads((folder / "config.json").read_text())["metrics"] == metrics
    assert "| Loss_D | 1.077 |" in (folder / "README.md").read_text()


@pytest.mark.slow
def test_series_run_reports_windows_not_images(run_cli, tmp_path):
    """A regressor on `sine` trains on windows of a series: its speed says so, everywhere a
    person reads it, and every metric of the final line has the same precision."""
    res = run_cli("train", "lstm-regressor", "sine", "--max-steps", "24", "--log-every", "4",
                  "--out", "run", "--set", "points=600")
    assert res.returncode == 0, res.stderr
    last = res.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"saved run \((.*), ([\d,.]+) windows/s\)", last)
    assert m, last
    for part in m.group(1).split(", "):  # name, then a number with 4 significant digits
        name, value = part.rsplit(" ", 1)
        assert len(value.lstrip("-0.").replace(".", "").split("e")[0]) == 4, part
    assert "images" not in res.stdout
    card = (tmp_path / "run" / "README.md").read_text()
    assert re.search(r"^\| training speed \| [\d,.]+ windows/s \|$", _metrics_section(card), re.M)
    assert "images" not in _metrics_section(card)
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())["metrics"]
    assert recorded["test_mse"] == float(recorded["test_mse"])  # full precision kept in JSON


def test_info_prints_four_digits_and_explains_a_negative_kid(run_cli):
    ev = _config("dcgan.digits")["evaluation"]["metrics"]
    assert ev["kid"] < 0  # the shipped model's KID is below 0: the case to explain
    res = run_cli("info", "dcgan.digits")
    assert res.returncode == 0, res.stderr
    assert re.search(r"^fid:\s+26\.31$", res.stdout, re.M)
    kid = next(line for line in res.stdout.splitlines() if line.startswith("kid:"))
    assert kid.split()[1] == display.number(ev["kid"])
    assert "(KID is an unbiased estimate: slightly below 0 when the two sets are" in kid
    assert "unbiased" not in next(line for line in res.stdout.splitlines() if line.startswith("fid:"))
    long = run_cli("info", "cdcgan.digits").stdout  # a name longer than the column stays apart
    assert re.search(r"^min_class_agreement: \d", long, re.M)


def test_eval_report_and_card_explain_a_negative_kid():
    from ganzoo.evaluate import Evaluation, card_text

    config = _config("dcgan.digits")
    ev = {k: v for k, v in config["evaluation"].items() if k != "targets"}
    lines = Evaluation(**ev).lines()  # what `ganzoo eval` prints
    note = [line for line in lines if line.startswith("note: kid ")]
    assert note == [f"note: kid {display.number(ev['metrics']['kid'])}: KID is an unbiased estimate: "
                    "slightly below 0 when the two sets are indistinguishable at this N"]
    positive = Evaluation(**{**ev, "metrics": {**ev["metrics"], "kid": 0.01, "kid_floor": 0.0}}).lines()
    assert not any("unbiased" in line for line in positive)
    folder = WEIGHTS / "dcgan.digits"
    card = card_text(folder, config, ganzoo.load("dcgan.digits"), "dcgan.digits")
    section = card.split("## Evaluation", 1)[1].split("\n## ", 1)[0]
    assert "Note: kid -0.09050: KID is an unbiased estimate" in section
    assert "Units." not in card and "Total mult-adds (M)" in card


def test_wrong_loss_message_uses_the_right_article(run_cli):
    res = run_cli("train", "dcgan", "digits", "--loss", "cross-entropy")
    assert res.returncode == 2
    assert "but model 'dcgan' is an adversarial model; use --loss" in res.stderr


# ------------------------------------------------------------------------ ganzoo sample files


@pytest.fixture
def gan_dir(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    model = ganzoo.create_model("dcgan", channels=1, image_size=16, nz=8, ngf=4, ndf=4)
    return save_folder(model, tmp_path / "gan", {"model": "dcgan", "dataset": {"name": "digits"}})


@pytest.mark.slow
def test_sample_writes_the_format_the_suffix_names_and_says_when_it_replaces(run_cli, gan_dir, tmp_path):
    from PIL import Image

    magic = {"PNG": b"\x89PNG", "JPEG": b"\xff\xd8\xff", "WEBP": b"RIFF"}
    for name, fmt in (("g.png", "PNG"), ("g.jpg", "JPEG"), ("g.JPEG", "JPEG"), ("g.webp", "WEBP")):
        res = run_cli("sample", str(gan_dir), "--n", "4", "--seed", "0", "--out", name)
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() == f"wrote 4 images to {name}"
        assert (tmp_path / name).read_bytes().startswith(magic[fmt])
        with Image.open(tmp_path / name) as img:
            assert img.format == fmt and img.size == (2 * 18 + 2, 2 * 18 + 2)
    with Image.open(tmp_path / "g.png") as a, Image.open(tmp_path / "g.webp") as b:
        assert a.tobytes() == b.tobytes()  # lossless WebP: the same pixels as the PNG
    again = run_cli("sample", str(gan_dir), "--n", "4", "--seed", "1", "--out", "g.jpg")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "wrote 4 images to g.jpg (replaced the existing file)"

    first = run_cli("sample", str(gan_dir), "--n", "3", "--out-dir", "imgs")
    assert first.stdout.strip() == "wrote 3 images to imgs"
    second = run_cli("sample", str(gan_dir), "--n", "4", "--out-dir", "imgs")
    assert second.stdout.strip() == "wrote 4 images to imgs (replaced 3 existing files)"
    assert sorted(p.name for p in (tmp_path / "imgs").iterdir()) == [f"sample_{i:04d}.png" for i in range(4)]
    assert not [p for p in tmp_path.rglob(".*tmp*")]  # atomic writes leave no temporaries


@pytest.mark.parametrize("out, message", [
    ("grid.gif", "--out grid.gif: '.gif' is not an image format ganzoo writes; "
                 "use .png, .jpg, .jpeg or .webp"),
    ("grid", "--out grid: no suffix names the image format; use .png, .jpg, .jpeg or .webp"),
])
def test_sample_refuses_an_unknown_suffix_before_generating(run_cli, tmp_path, out, message):
    # the weights folder does not even exist: the suffix is checked before anything is loaded
    res = run_cli("sample", str(tmp_path / "missing"), "--out", out)
    assert res.returncode == 2
    assert res.stderr == f"ganzoo: error: {message}\n"
    assert not (tmp_path / out).exists()


def test_jpeg_has_no_alpha_so_it_is_dropped(tmp_path):
    from PIL import Image

    from ganzoo.sample import save_picture

    save_picture(Image.new("RGBA", (8, 8), (255, 0, 0, 128)), tmp_path / "a.jpg")
    save_picture(Image.new("LA", (8, 8), (200, 255)), tmp_path / "b.jpeg")
    with Image.open(tmp_path / "a.jpg") as a, Image.open(tmp_path / "b.jpeg") as b:
        assert (a.format, a.mode, b.format, b.mode) == ("JPEG", "RGB", "JPEG", "L")


# ------------------------------------------------------------------------ predict's warning


def _digit_pngs(folder: Path) -> tuple[Path, Path]:
    """A digit as the training data draws it (white on black) and the same digit inverted."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digit = (load_digits().images[1] * (255 / 16)).round().astype(np.uint8)
    white, black = folder / "white.png", folder / "black.png"
    Image.fromarray(digit).resize((28, 28), Image.BILINEAR).save(white)
    Image.fromarray(255 - digit).resize((28, 28), Image.BILINEAR).save(black)
    return white, black


@pytest.mark.slow
def test_predict_warns_once_per_input_unlike_the_training_images(run_cli, tmp_path):
    white, black = _digit_pngs(tmp_path)
    # the shipped weights were trained before any statistics were recorded: the reference is
    # measured on the embedded dataset config.json names
    assert "brightness" not in json.dumps(_config("classifier.digits")["dataset"])
    res = run_cli("predict", "classifier.digits", "white.png", "black.png", "black.png")
    assert res.returncode == 0, res.stderr
    assert [line.split("\t")[0] for line in res.stdout.splitlines()] == ["white.png", "black.png", "black.png"]
    assert res.stdout.splitlines()[0].split("\t")[1].split()[0] == "1"  # the drawn digit is a 1
    warnings = res.stderr.splitlines()
    assert len(warnings) == 2 and warnings[0] == warnings[1]
    assert re.fullmatch(r"warning: black\.png: mean brightness 0\.\d\d vs 0\.31 in training "
                        r"\(inverted colours\?\); the prediction may be meaningless", warnings[0])


def test_predict_is_silent_when_nothing_is_known_about_the_training_data(tmp_path):
    from ganzoo.sample import predict

    white, black = _digit_pngs(tmp_path)
    model = ganzoo.create_model("classifier", hidden=16, num_classes=10)
    for i, dataset in enumerate(({"name": "toy"}, {"name": "mnist"}, {})):  # unregistered, needs files, none
        folder = save_folder(model, tmp_path / f"clf-{i}", {"model": "classifier", "dataset": dataset})
        with _captured() as logged:
            lines = predict(ganzoo.load(folder), [str(black)])
        assert len(lines) == 1 and logged == []


class _captured:
    """The warnings of the ``ganzoo`` loggers, as a list of messages."""

    def __enter__(self) -> list[str]:
        import logging

        self.messages: list[str] = []
        self.handler = logging.Handler(logging.WARNING)
        self.handler.emit = lambda record: self.messages.append(record.getMessage())  # type: ignore[method-assign]
        self.logger = logging.getLogger("ganzoo")
        self.logger.addHandler(self.handler)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)

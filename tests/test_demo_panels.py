"""Every built-in task's demo panel, served for real in this process and called by ``gradio_client``.

A conditional GAN draws the class asked for (the shipped classifier agrees), a classifier names
the digits it is shown (uploaded, or drawn small in a corner of the sketchpad), a regressor's
forecast is the model's own ``forecast``; bad input comes back as the page's one-line error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.sample import preview

from demo_helpers import assert_not_blank, pixels

pytest.importorskip("gradio", reason="the demo extra (pip install 'ganzoo[demo]') is not installed")
from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from ganzoo.demo import build, serve  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def open_page():
    pages = []

    def open_(ref: str) -> Client:
        page = build(ref)
        pages.append(page)
        return Client(serve(page), verbose=False)

    yield open_
    for page in pages:
        page.close()


def _digit_images() -> tuple[np.ndarray, np.ndarray]:
    """The embedded digits (8x8, 0..16) as uint8 images and their labels."""
    from importlib.resources import files

    with np.load(files("ganzoo_plugins.datasets") / "digits.npz") as data:
        images, labels = data["images"], data["labels"]
    return (images.reshape(-1, 8, 8).astype(np.float32) / 16 * 255).round().astype(np.uint8), labels


# -- conditional GAN ---------------------------------------------------------------------------


def test_conditional_gan_draws_the_class_picked(open_page):
    client = open_page("cdcgan.digits")
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/generate", "/walk"} <= set(endpoints)
    page = pixels(client.predict(16, 5, 0.0, "7", api_name="/generate"))
    assert_not_blank(page)
    images = ganzoo.sample("cdcgan.digits", 16, seed=5, labels="7").images
    assert np.array_equal(page, np.asarray(preview(images, 16, ["7"]).convert("RGB")))
    judge = ganzoo.load("classifier.digits")
    side = int(judge.config["image_size"])
    shrunk = torch.nn.functional.interpolate(images, size=side, mode="bilinear", antialias=True)
    predicted, _ = judge.predict(shrunk)
    assert (predicted == 7).float().mean() >= 0.8, predicted


def test_conditional_gan_every_class_is_one_row_each(open_page):
    client = open_page("cdcgan.digits")
    grid = pixels(client.predict(20, 0, 0.0, "all (one row per class)", api_name="/generate"))
    one_row = pixels(client.predict(2, 0, 0.0, "3", api_name="/generate"))
    assert grid.shape[0] == pytest.approx(10 * one_row.shape[0], rel=0.05)


def test_conditional_walk_within_a_class(open_page):
    client = open_page("cdcgan.digits")
    with Image.open(client.predict(2, 3, 0, "4", api_name="/walk")) as gif:
        assert gif.n_frames == 6


def test_a_class_not_offered_is_refused(open_page):
    client = open_page("cdcgan.digits")
    with pytest.raises(AppError, match="12"):
        client.predict(4, 0, 0.0, "12", api_name="/generate")


# -- classifier --------------------------------------------------------------------------------


def test_classifier_names_uploaded_digits(open_page, tmp_path):
    client = open_page("classifier.digits")
    images, labels = _digit_images()
    right = 0
    for i in range(10):
        path = tmp_path / f"digit{i}.png"
        Image.fromarray(images[i]).resize((96, 96), Image.NEAREST).save(path)
        answer = client.predict(handle_file(str(path)), api_name="/classify")
        assert len(answer["confidences"]) == 5  # the top 5
        top = answer["confidences"][0]
        assert answer["label"] == top["label"]
        assert sum(c["confidence"] for c in answer["confidences"]) <= 1.0 + 1e-6
        right += answer["label"] == str(labels[i])
    assert right >= 9, right


def test_classifier_reads_a_drawing_made_small_in_a_corner(open_page, tmp_path):
    client = open_page("classifier.digits")
    images, labels = _digit_images()
    right = 0
    for i in range(10, 20):
        # What the sketchpad sends: a white background and a transparent layer with dark strokes,
        # here the digit at 1/4 of the canvas in its top-left corner.
        ink = np.asarray(Image.fromarray(images[i]).resize((70, 70), Image.BILINEAR))
        layer = np.zeros((280, 280, 4), dtype=np.uint8)
        layer[10:80, 10:80, 3] = ink
        Image.fromarray(layer, "RGBA").save(tmp_path / "layer.png")
        Image.new("RGBA", (280, 280), "white").save(tmp_path / "background.png")
        composite = Image.alpha_composite(Image.open(tmp_path / "background.png"), Image.fromarray(layer, "RGBA"))
        composite.save(tmp_path / "composite.png")
        sketch = {"background": handle_file(str(tmp_path / "background.png")),
                  "layers": [handle_file(str(tmp_path / "layer.png"))],
                  "composite": handle_file(str(tmp_path / "composite.png"))}
        answer = client.predict(sketch, api_name="/classify_drawing")
        right += answer["label"] == str(labels[i])
    assert right >= 8, right


def test_classifier_asks_for_an_image(open_page):
    client = open_page("classifier.digits")
    with pytest.raises(AppError, match="upload an image"):
        client.predict(None, api_name="/classify")


# -- regressor ---------------------------------------------------------------------------------


def test_regressor_forecast_is_the_models_own(open_page, tmp_path):
    client = open_page("lstm-regressor.sine")
    series = [math.sin(0.3 * i) for i in range(60)]
    plot, values = client.predict(", ".join(f"{v:.6f}" for v in series), None, 12, api_name="/forecast")
    shown = [float(v) for v in values.split(",")]
    model = ganzoo.load("lstm-regressor.sine")
    expected = model.forecast([float(f"{v:.6f}") for v in series], 12).tolist()
    assert shown == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert plot["type"] == "matplotlib" and plot["plot"].startswith("data:image/")
    # The same series as an uploaded CSV (with a header) gives the same forecast.
    csv = tmp_path / "series.csv"
    csv.write_text("t,value\n" + "".join(f"{i},{v:.6f}\n" for i, v in enumerate(series)))
    _, from_file = client.predict("", handle_file(str(csv)), 12, api_name="/forecast")
    assert from_file == values


def test_regressor_refuses_what_is_not_a_number(open_page):
    client = open_page("lstm-regressor.sine")
    with pytest.raises(AppError, match="value 3, 'abc', is not a number"):
        client.predict("0.1, 0.2, abc", None, 5, api_name="/forecast")

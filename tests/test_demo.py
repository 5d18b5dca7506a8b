"""``ganzoo demo`` as a user starts it: a real server process, called through ``gradio_client``.

The page is checked against the library: the Generate endpoint's picture is the grid
``ganzoo.sample`` draws for the same seed, pixel for pixel, and the latent walk is a GIF with
one frame per step. Starting, Ctrl-C, a taken port and a missing Gradio are each checked on
the real process.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo.sample import preview

from demo_helpers import assert_not_blank, free_port, ganzoo_demo, pixels
from hub_server import one_line

pytest.importorskip("gradio", reason="the demo extra (pip install 'ganzoo[demo]') is not installed")
from gradio_client import Client  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served():
    server = ganzoo_demo("dcgan.digits", "--port", str(free_port()))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(served):
    return Client(served.url, verbose=False)


def test_start_prints_the_url_and_serves_a_page(served):
    assert served.url.startswith("http://127.0.0.1:")
    assert f"ganzoo demo: dcgan.digits at {served.url}" in served.output
    assert "Ctrl-C to stop" in served.output
    import urllib.request

    with urllib.request.urlopen(served.url, timeout=30) as page:
        assert page.status == 200
        assert "dcgan.digits" in page.read().decode("utf-8", "replace")


def test_endpoints_are_named_for_gradio_client(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/generate", "/walk"} <= set(endpoints)


def test_generate_draws_what_ganzoo_sample_draws_for_the_seed(client):
    path = client.predict(16, 3, 0.0, api_name="/generate")
    page = pixels(path)
    assert_not_blank(page)
    expected = np.asarray(preview(ganzoo.sample("dcgan.digits", 16, seed=3).images).convert("RGB"))
    assert page.shape == expected.shape
    assert np.array_equal(page, expected)
    other = pixels(client.predict(16, 4, 0.0, api_name="/generate"))
    assert not np.array_equal(page, other)  # another seed, other digits


def test_truncation_changes_the_images(client):
    plain = pixels(client.predict(4, 7, 0.0, api_name="/generate"))
    truncated = pixels(client.predict(4, 7, 0.5, api_name="/generate"))
    assert plain.shape == truncated.shape and not np.array_equal(plain, truncated)


def test_latent_walk_is_a_looping_gif_of_every_frame(client):
    path = client.predict(3, 4, 1, api_name="/walk")
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 3 * 4
        assert gif.info.get("loop") == 0
        frames = []
        for i in range(gif.n_frames):
            gif.seek(i)
            frames.append(np.asarray(gif.convert("L")))
    assert_not_blank(frames[0])
    assert not np.array_equal(frames[0], frames[2])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_the_server_cleanly(sig):
    port = free_port()
    server = ganzoo_demo("dcgan.digits", "--port", str(port))
    code = server.stop(sig)
    assert code == 0, server.output
    assert "ganzoo demo: stopped" in server.output
    assert "Traceback" not in server.output
    with socket.socket() as s:  # the port is free again (a closed connection may linger: reuse)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()


def test_a_taken_port_is_one_line(served, run_cli):
    port = served.url.rsplit(":", 1)[1].strip("/")
    res = run_cli("demo", "dcgan.digits", "--port", port, timeout=120)
    one_line(res, f"port {port}", "--port")


def test_unknown_model_is_one_line(run_cli):
    one_line(run_cli("demo", "dcgan.nope"), "dcgan.nope")


def test_a_host_this_machine_has_not_is_one_line_and_quick(run_cli):
    res = run_cli("demo", "dcgan.digits", "--host", "192.0.2.1", timeout=120)  # TEST-NET-1: never local
    one_line(res, "cannot listen on 192.0.2.1", "--host 127.0.0.1")


def test_without_gradio_says_how_to_install_it(tmp_path):
    # Gradio made unimportable in this process only: what a user without the extra sees.
    code = ("import sys; sys.modules['gradio'] = None; from ganzoo.cli import main; "
            "main(['demo', 'dcgan.digits'])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    one_line(proc, "Gradio is not installed", "pip install 'ganzoo[demo]'")


def test_the_card_inlines_its_own_pictures_and_nothing_else(tmp_path):
    from ganzoo.demo import card_markdown

    folder = tmp_path / "w"
    folder.mkdir()
    Image.new("RGB", (4, 4), "red").save(folder / "samples.png")
    (tmp_path / "secret.png").write_bytes(b"not yours")
    (folder / "notes.txt").write_text("private notes")
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# Card\n![s](samples.png)\n![a](../secret.png)\n"
                                      "![b](notes.txt)\n![c](/etc/hostname)\n![d](missing.png)\n"
                                      "![e](https://example.com/x.png)\n")
    shown = card_markdown(folder)
    assert shown.startswith("# Card")  # the YAML header is not shown
    assert shown.count("data:image/png;base64,") == 1
    assert "secret" not in shown and "notes" not in shown and "hostname" not in shown
    assert "missing.png" not in shown
    assert "![e](https://example.com/x.png)" in shown  # a web picture is left for the browser

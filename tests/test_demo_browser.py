"""``ganzoo demo`` in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by Selenium clicks Generate and reads back the picture it shows.

Without Chromium the tests skip, unless ``GANZOO_REQUIRE_BROWSER=1`` (``.ci/run`` sets it after
installing the packages): then a missing browser fails, so CI never passes by skipping.
``GANZOO_SCREENSHOTS=DIR`` also saves the screenshots there (docs/img/ holds the ones the docs
show: ``GANZOO_SCREENSHOTS=docs/img python -m pytest -n 0 tests/test_demo_browser.py``).
"""

from __future__ import annotations

import io
import os
import shutil
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from demo_helpers import assert_not_blank, free_port, ganzoo_demo

pytestmark = pytest.mark.slow

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
REQUIRED = os.environ.get("GANZOO_REQUIRE_BROWSER", "") not in ("", "0")


def _need(condition: bool, why: str) -> None:
    if not condition:
        if REQUIRED:
            pytest.fail(f"{why} (GANZOO_REQUIRE_BROWSER is set)")
        pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    _need(Path(CHROMIUM).exists() and Path(DRIVER).exists(),
          "Chromium is not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _need(False, "selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # As root in a container, with no network but loopback: no sandbox, no background fetches.
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait(driver, find, timeout: float = 90):
    from selenium.common.exceptions import NoSuchElementException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, ignored_exceptions=(NoSuchElementException,)).until(find)


def _shown_picture(driver, selector: str, old_src: str | None = None) -> np.ndarray:
    """The picture the page shows in ``selector``, fetched from the URL the browser got."""
    from selenium.webdriver.common.by import By

    def ready(d):
        src = d.find_element(By.CSS_SELECTOR, f"{selector} img").get_attribute("src")
        return src if src and src != old_src else None

    src = _wait(driver, ready)
    with urllib.request.urlopen(src, timeout=30) as answer:
        return np.asarray(Image.open(io.BytesIO(answer.read())).convert("RGB")), src


def _screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    assert_not_blank(np.asarray(Image.open(path).convert("RGB")))
    keep = os.environ.get("GANZOO_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    return path


def test_generate_in_the_browser_draws_digits(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    server = ganzoo_demo("dcgan.digits", "--port", str(free_port()))
    try:
        browser.get(server.url)
        button = _wait(browser, lambda d: d.find_element(By.ID, "generate"))
        assert "dcgan.digits" in browser.title
        button.click()
        first, src = _shown_picture(browser, "#samples")
        assert_not_blank(first)
        assert first.shape[0] > 200 and first.shape[1] > 200  # a 4x4 grid of upscaled digits
        # The model card is on the page, its picture inlined.
        card = browser.find_element(By.ID, "model-card")
        assert "Use it" in card.text
        assert card.find_elements(By.CSS_SELECTOR, "img[src^='data:image/png']")
        _screenshot(browser, tmp_path, "demo.png")
        # Another seed, another picture.
        seed = browser.find_element(By.CSS_SELECTOR, "#seed input")
        seed.send_keys(Keys.CONTROL, "a")
        seed.send_keys("5", Keys.TAB)
        button.click()
        second, _ = _shown_picture(browser, "#samples", old_src=src)
        assert second.shape == first.shape and not np.array_equal(first, second)
    finally:
        server.stop()
    assert "Traceback" not in server.output


def test_conditional_demo_lets_one_pick_the_class(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    server = ganzoo_demo("cdcgan.digits", "--port", str(free_port()))
    try:
        browser.get(server.url)
        button = _wait(browser, lambda d: d.find_element(By.ID, "generate"))
        picker = browser.find_element(By.CSS_SELECTOR, "#class input")
        picker.click()
        picker.send_keys(Keys.CONTROL, "a")
        picker.send_keys("all (one row per class)")
        picker.send_keys(Keys.ENTER)
        n = browser.find_element(By.CSS_SELECTOR, "#n input[type=number]")
        n.send_keys(Keys.CONTROL, "a")
        n.send_keys("40", Keys.TAB)
        button.click()
        grid, _ = _shown_picture(browser, "#samples")
        assert_not_blank(grid)
        # Exactly what was asked in the browser: 40 images, every class one row (of 4), seed 0.
        import ganzoo
        from ganzoo.sample import preview

        drawn = ganzoo.sample("cdcgan.digits", 40, seed=0, labels="all")
        expected = np.asarray(preview(drawn.images, drawn.nrow, drawn.row_labels).convert("RGB"))
        assert np.array_equal(grid, expected)
        _screenshot(browser, tmp_path, "demo-conditional.png")
    finally:
        server.stop()

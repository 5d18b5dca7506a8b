"""ganzoo.pictures: the grid every GAN run draws, without importing torchvision."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from ganzoo import pictures


@pytest.mark.parametrize("n,c,nrow", [(1, 1, 8), (1, 3, 8), (7, 1, 3), (64, 1, 8), (10, 3, 4), (5, 3, 8)])
def test_make_grid_is_torchvisions_value_for_value(n, c, nrow):
    from torchvision.utils import make_grid

    x = torch.randn(n, c, 6, 5, generator=torch.Generator().manual_seed(n * 10 + c)) * 1.5  # some out of [-1, 1]
    ours = pictures.make_grid(x, nrow=nrow)
    theirs = make_grid(x, nrow=nrow, padding=2, normalize=True, value_range=(-1, 1), pad_value=1.0)
    assert ours.shape == theirs.shape
    assert torch.equal(ours, theirs)


def test_drawing_a_grid_and_a_plot_imports_neither_torchvision_nor_pyplot(tmp_path):
    code = (f"import sys, torch; from pathlib import Path; from ganzoo import pictures; "
            f"im = pictures.grid_image(torch.zeros(4, 1, 8, 8), scale=2); "
            f"pictures.save_image(im, Path({str(tmp_path / 'g.png')!r})); "
            f"pictures.line_plot([1, 2], {{'G': [1.0, 0.5]}}, Path({str(tmp_path / 'l.png')!r}), 'loss'); "
            f"print(im.size, sorted(m for m in sys.modules if m in ('torchvision', 'matplotlib.pyplot', "
            f"'torch._dynamo')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(44, 44) []"  # 2 x (2 cells of 8 + 3 pads of 2)
    from PIL import Image

    with Image.open(tmp_path / "l.png") as im:
        assert im.size == (1000, 500)

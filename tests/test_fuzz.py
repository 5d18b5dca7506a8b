"""Random and mutated bytes as weights, config and checkpoint files: only GanzooError comes out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ganzoo
from ganzoo.errors import GanzooError
from ganzoo.training import checkpoint
from ganzoo.weights import save_folder

SMALL = {"channels": 1, "image_size": 16, "nz": 8, "ngf": 4, "ndf": 4}
FUZZ = settings(max_examples=40, deadline=2000, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("good") / "w"
    save_folder(ganzoo.create_model("dcgan", **SMALL), folder, {"model": "dcgan"})
    run = tmp_path_factory.mktemp("good") / "run"
    checkpoint.save(run, 1, {"options": {"model": "mlp-gan", "dataset": "digits", "max_steps": 1},
                             "step": 1}, {"w": torch.zeros(3)})
    return folder.parent, run


def mutate(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    buf = bytearray(data)
    for pos, value in edits:
        if buf:
            buf[pos % len(buf)] = value
    return bytes(buf[:cut] if cut is not None else buf)


MUTATION = st.tuples(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
                     st.one_of(st.none(), st.integers(0, 4000)))


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


@FUZZ
@given(name=st.sampled_from(["model.safetensors", "config.json"]), mutation=MUTATION,
       random_bytes=st.one_of(st.none(), st.binary(max_size=300)))
def test_load_raises_only_ganzoo_errors(good, tmp_path, name, mutation, random_bytes):
    folder = _copy(good[0] / "w", tmp_path / "w")
    target = folder / name
    data = random_bytes if random_bytes is not None else mutate(target.read_bytes(), *mutation)
    target.write_bytes(data)
    try:
        ganzoo.load(folder)
    except GanzooError:
        pass


@FUZZ
@given(name=st.sampled_from(["state.json", "tensors.safetensors", "latest"]), mutation=MUTATION,
       random_bytes=st.one_of(st.none(), st.binary(max_size=300)))
def test_resume_raises_only_ganzoo_errors(good, tmp_path, name, mutation, random_bytes):
    run = _copy(good[1], tmp_path / "run")
    base = run / "checkpoints"
    target = base / name if name == "latest" else base / "step-000001" / name
    data = random_bytes if random_bytes is not None else mutate(target.read_bytes(), *mutation)
    target.write_bytes(data)
    try:
        checkpoint.resume_options(run)
    except GanzooError:
        pass


@FUZZ
@given(options=st.dictionaries(st.sampled_from(["model", "dataset", "epochs", "lr", "betas", "settings",
                                                "max_steps", "seed", "device", "bogus"]),
                               st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=8),
                                         st.lists(st.floats(allow_nan=True), max_size=3),
                                         st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2))))
def test_resume_with_arbitrary_saved_settings_raises_only_ganzoo_errors(tmp_path_factory, options):
    run = tmp_path_factory.mktemp("fuzz") / "run"
    checkpoint.save(run, 1, {"options": json.loads(json.dumps(options))}, {"w": torch.zeros(1)})
    try:
        checkpoint.resume_options(run)
    except GanzooError:
        pass

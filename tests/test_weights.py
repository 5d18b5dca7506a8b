"""The weights folder: save, strict load, bad input, the model card, convert (real files, real CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from torch import nn

import ganzoo
from ganzoo.api import load
from ganzoo.errors import UnknownName, WeightsError
from ganzoo.weights import convert, save_folder

from seed_nets import dcgan_tutorial

SMALL = {"channels": 1, "image_size": 16, "nz": 8, "ngf": 4, "ndf": 4}
CONFIG = {"model": "dcgan",
          "dataset": {"name": "digits", "value_range": [-1.0, 1.0], "shape": [1, 16, 16]},
          "train": {"command": "ganzoo train dcgan digits --set nz=8 --max-steps 2"},
          "metrics": {"Loss_G": 0.9}}


def _perturb(model: nn.Module) -> None:
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)


@pytest.fixture
def gan_dir(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    model = ganzoo.create_model("dcgan", **SMALL)
    _perturb(model)
    return save_folder(model, tmp_path / "run", CONFIG)


def test_load_samples_are_reproducible_and_match_the_saved_model(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = ganzoo.create_model("dcgan", **SMALL)
    _perturb(model)
    folder = save_folder(model, tmp_path / "run", CONFIG)
    loaded = ganzoo.load(folder)
    assert not loaded.training
    a, b = loaded.sample(8, seed=0), loaded.sample(8, seed=0)
    assert a.shape == (8, 1, 16, 16) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert 0.0 <= float(a.min()) and float(a.max()) <= 1.0
    assert torch.equal(a, model.sample(8, seed=0))
    assert not torch.equal(a, loaded.sample(8, seed=1))
    assert loaded.zoo_config["dataset"]["name"] == "digits"
    assert loaded.zoo_config["hparams"]["nz"] == 8
    for k, v in model.discriminator.state_dict().items():
        assert torch.equal(v, loaded.discriminator.state_dict()[k])


def test_truncation_keeps_latents_inside_and_interpolate_ends_at_the_endpoints(gan_dir: Path) -> None:
    from ganzoo_plugins.tasks.adversarial import generate, latents

    model = load(gan_dir)
    z = latents(model, 64, seed=3, truncation=0.5)
    assert float(z.abs().max()) <= 0.5
    path = model.interpolate(5, seed=2)
    pair = latents(model, 2, seed=2)
    ends = generate(model, pair)
    assert path.shape == (5, 1, 16, 16)
    assert torch.allclose(path[0], ends[0], atol=1e-5) and torch.allclose(path[-1], ends[1], atol=1e-5)


def test_model_card_has_metadata_command_and_summary(gan_dir: Path) -> None:
    from huggingface_hub import ModelCard

    card = ModelCard.load(gan_dir / "README.md")
    assert card.data.library_name == "ganzoo"
    assert "dcgan" in card.data.tags and card.data.datasets == ["digits"]
    assert CONFIG["train"]["command"] in card.text
    assert "Total params" in card.text  # the torchinfo summary
    assert 'ganzoo.load(' in card.text
    # A run's training metrics (losses, speeds) are not evaluation results: no model-index.
    assert card.data.pipeline_tag == "unconditional-image-generation" and card.data.license == "apache-2.0"
    assert card.data.eval_results is None and "model-index" not in card.content
    assert card.data.metrics is None


#: The Hub's pipeline types (huggingface.js, packages/tasks/src/pipelines.ts): the Hub refuses a
#: card whose pipeline_tag is not one of them.
HUB_PIPELINE_TAGS = {
    "text-classification", "token-classification", "table-question-answering", "question-answering",
    "zero-shot-classification", "translation", "summarization", "feature-extraction", "text-generation",
    "text2text-generation", "fill-mask", "sentence-similarity", "text-to-speech", "text-to-audio",
    "automatic-speech-recognition", "audio-to-audio", "audio-classification", "audio-text-to-text",
    "voice-activity-detection", "depth-estimation", "image-classification", "object-detection",
    "image-segmentation", "text-to-image", "image-to-text", "image-to-image", "image-to-video",
    "unconditional-image-generation", "video-classification", "reinforcement-learning", "robotics",
    "tabular-classification", "tabular-regression", "tabular-to-text", "table-to-text", "multiple-choice",
    "text-ranking", "text-retrieval", "time-series-forecasting", "text-to-video", "image-text-to-text",
    "visual-question-answering", "document-question-answering", "zero-shot-image-classification",
    "graph-ml", "mask-generation", "zero-shot-object-detection", "text-to-3d", "image-to-3d",
    "image-feature-extraction", "video-text-to-text", "keypoint-detection", "visual-document-retrieval",
    "any-to-any", "other",
}
SHIPPED = sorted(p for p in (Path(__file__).resolve().parent.parent / "weights").iterdir()
                 if (p / "config.json").is_file())


def test_every_built_in_task_names_a_hub_pipeline_tag() -> None:
    from ganzoo import registry

    tags = {spec.name: spec.pipeline_tag for spec in registry.find(kind="task") if spec.plugin == "tasks"}
    assert tags == {"adversarial": "unconditional-image-generation", "conditional": "unconditional-image-generation",
                    "classification": "image-classification", "regression": "time-series-forecasting"}
    assert set(tags.values()) <= HUB_PIPELINE_TAGS


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_shipped_cards_read_back_with_hub_metadata_and_are_current(folder: Path) -> None:
    """ModelCard.load gives back what the Hub indexes, and the card is what the code builds now."""
    from huggingface_hub import ModelCard

    from ganzoo import registry
    from ganzoo.card import build_card
    from ganzoo.weights import load_folder, read_config

    config = read_config(folder)
    data = ModelCard.load(folder / "README.md").data
    assert data.library_name == "ganzoo" and data.license == "apache-2.0"
    assert data.pipeline_tag == registry.get_task(config["task"]).pipeline_tag
    assert data.datasets == [config["dataset"]["name"]]
    assert {"ganzoo", "pytorch", config["model"]} <= set(data.tags)
    assert data.model_name == folder.name
    measured = config["evaluation"]["metrics"]
    assert {r.metric_type: r.metric_value for r in data.eval_results} == measured
    assert {(r.task_type, r.dataset_name, r.dataset_split) for r in data.eval_results} == \
        {(data.pipeline_tag, config["evaluation"]["dataset"], "test")}
    assert data.metrics == sorted(measured)
    built = str(build_card(config, load_folder(folder), folder, ref=folder.name))
    assert (folder / "README.md").read_text(encoding="utf-8") == built, \
        "stale card: python benchmarks/reproduce.py --cards"


def test_card_of_a_run_lists_the_tasks_test_metrics_and_its_own_license(tmp_path: Path) -> None:
    """Without ``ganzoo eval --write``, the task's headline metrics measured on the test split during
    training are the model-index; config.json's license wins over the default."""
    from huggingface_hub import ModelCard

    model = ganzoo.create_model("classifier", channels=1, image_size=8, num_classes=3, hidden=4)
    config = {"model": "classifier", "dataset": {"name": "digits"}, "license": "mit",
              "metrics": {"train_loss": 0.2, "test_loss": 0.3, "test_accuracy": 0.91, "images_per_sec": 1e4}}
    folder = save_folder(model, tmp_path / "clf", config)
    card = ModelCard.load(folder / "README.md")
    assert card.data.license == "mit" and card.data.pipeline_tag == "image-classification"
    assert [(r.metric_type, r.metric_value, r.dataset_name, r.dataset_split) for r in card.data.eval_results] == \
        [("test_accuracy", 0.91, "digits", "test")]
    assert card.data.model_name == "clf" and card.data.metrics == ["test_accuracy"]


@pytest.mark.parametrize("prefix", ["module.", "_orig_mod.", "_orig_mod.module."])
def test_wrapper_prefixes_are_stripped(gan_dir: Path, prefix: str) -> None:
    path = gan_dir / "model.safetensors"
    state = load_file(path)
    save_file({prefix + k: v for k, v in state.items()}, path)
    model = load(gan_dir)
    assert torch.equal(model.generator.state_dict()["0.weight"], state["0.weight"])


def _error(fn, *args) -> str:
    with pytest.raises((WeightsError, UnknownName)) as info:
        fn(*args)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_folder_and_missing_config(tmp_path: Path) -> None:
    assert "no such weights folder" in _error(load, str(tmp_path / "nope" / "run"))
    (tmp_path / "empty").mkdir()
    msg = _error(load, tmp_path / "empty")
    assert "config.json" in msg and str(tmp_path / "empty") in msg


def test_unknown_pretrained_name_suggests_how_to_list() -> None:
    with pytest.raises(UnknownName) as info:
        load("dcgan.nonexistent-tag")
    assert "pretrained" in str(info.value) and "ganzoo list" in str(info.value)


def test_invalid_config_json(gan_dir: Path) -> None:
    (gan_dir / "config.json").write_text("{not json", encoding="utf-8")
    assert "invalid JSON" in _error(load, gan_dir)


def test_unknown_model_in_config(gan_dir: Path) -> None:
    data = json.loads((gan_dir / "config.json").read_text())
    data["model"] = "dcgann"
    (gan_dir / "config.json").write_text(json.dumps(data))
    msg = _error(load, gan_dir)
    assert "config.json" in msg and "dcgann" in msg and "'dcgan'" in msg


@pytest.mark.parametrize("hparams,needle", [({"nz": "eight"}, "'nz' must be an int"),
                                            ({"bogus": 1}, "unknown setting 'bogus'")])
def test_bad_hyperparameters_in_config(gan_dir: Path, hparams: dict, needle: str) -> None:
    data = json.loads((gan_dir / "config.json").read_text())
    data["hparams"].update(hparams)
    (gan_dir / "config.json").write_text(json.dumps(data))
    msg = _error(load, gan_dir)
    assert needle in msg and "config.json" in msg


def test_truncated_safetensors(gan_dir: Path) -> None:
    path = gan_dir / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    msg = _error(load, gan_dir)
    assert "model.safetensors" in msg and "corrupt or truncated" in msg


def test_garbage_safetensors(gan_dir: Path) -> None:
    (gan_dir / "model.safetensors").write_bytes(b"\xff" * 64)
    assert "corrupt or truncated" in _error(load, gan_dir)


def test_missing_and_unexpected_keys(gan_dir: Path) -> None:
    path = gan_dir / "model.safetensors"
    state = load_file(path)
    missing = dict(state)
    del missing["0.weight"]
    save_file(missing, path)
    assert "missing tensors '0.weight'" in _error(load, gan_dir)
    save_file({**state, "extra.weight": torch.zeros(1)}, path)
    assert "unexpected tensors 'extra.weight'" in _error(load, gan_dir)


def test_shape_mismatch_names_tensor_and_both_shapes(gan_dir: Path) -> None:
    data = json.loads((gan_dir / "config.json").read_text())
    data["hparams"]["nz"] = 9
    (gan_dir / "config.json").write_text(json.dumps(data))
    msg = _error(load, gan_dir)
    assert "'0.weight'" in msg and "(8, 8, 4, 4)" in msg and "(9, 8, 4, 4)" in msg


@pytest.mark.slow
def test_cli_sample_grid_and_out_dir(run_cli, gan_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    res = run_cli("sample", str(gan_dir), "--n", "64", "--seed", "1", "--out", "grid.png")
    assert res.returncode == 0, res.stderr
    with Image.open(tmp_path / "grid.png") as img:
        assert img.size == (8 * 18 + 2, 8 * 18 + 2)
    res = run_cli("sample", str(gan_dir), "--n", "3", "--out-dir", "imgs")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "imgs").iterdir()) == [
        "sample_0000.png", "sample_0001.png", "sample_0002.png"]


def test_cli_errors_are_one_line_exit_2(run_cli, gan_dir: Path) -> None:
    (gan_dir / "model.safetensors").write_bytes(b"garbage")
    res = run_cli("sample", str(gan_dir))
    assert res.returncode == 2
    assert res.stderr.startswith("ganzoo: error: ") and res.stderr.count("\n") == 1
    assert "Traceback" not in res.stderr and "model.safetensors" in res.stderr


# ------------------------------------------------------------------------ classifier, regressor


def test_classifier_predict_python_and_cli(run_cli, tmp_path: Path) -> None:
    from PIL import Image

    torch.manual_seed(0)
    model = ganzoo.create_model("classifier", hidden=16, num_classes=3)
    names = ["cat", "dog", "owl"]
    folder = save_folder(model, tmp_path / "clf", {
        "model": "classifier", "dataset": {"name": "toy", "class_names": names, "value_range": [-1, 1]}})
    loaded = load(folder)
    x = torch.rand(4, 1, 28, 28)
    idx, probs = loaded.predict(x)
    assert idx.shape == (4,) and probs.shape == (4, 3)
    assert torch.allclose(probs.sum(1), torch.ones(4))
    assert loaded.class_names == names
    assert torch.equal(idx, model.eval()(x * 2 - 1).argmax(1))

    arr = (x[0, 0] * 255).round().to(torch.uint8).numpy()
    Image.fromarray(arr, mode="L").save(tmp_path / "a.png")
    res = run_cli("predict", str(folder), "a.png")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("a.png\t") and res.stdout.split("\t")[1].split()[0] in names
    res = run_cli("predict", str(folder), "missing.png")
    assert res.returncode == 2 and "missing.png" in res.stderr


def test_regressor_forecast_python_and_cli(run_cli, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = ganzoo.create_model("lstm-regressor", seq_len=8)
    folder = save_folder(model, tmp_path / "reg", {"model": "lstm-regressor", "dataset": {"name": "sine"}})
    series = torch.sin(torch.linspace(0, 6, 20))
    future = load(folder).forecast(series, 5)
    assert future.shape == (5,) and torch.isfinite(future).all()
    assert torch.equal(future, load(folder).forecast(series, 5))
    (tmp_path / "s.csv").write_text("value\n" + "\n".join(f"{v:.6f}" for v in series.tolist()) + "\n")
    res = run_cli("predict", str(folder), "s.csv", "--steps", "3")
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.split("\t")[1].split()) == 3
    (tmp_path / "bad.csv").write_text("value\n1\nx\n")
    res = run_cli("predict", str(folder), "bad.csv")
    assert res.returncode == 2 and "bad.csv: line 3" in res.stderr


# ------------------------------------------------------------------------ convert


def test_convert_tutorial_dcgan_generator(run_cli, tmp_path: Path) -> None:
    seed_g = dcgan_tutorial(nz=10, ngf=4, ndf=4, nc=3)[0].eval()
    _perturb(seed_g)
    torch.save(seed_g.state_dict(), tmp_path / "netG.pth")
    res = run_cli("convert", "netG.pth", "dcgan", "--set", "nz=10", "--set", "ngf=4", "--set", "ndf=4",
                  "--out", "conv")
    assert res.returncode == 0, res.stderr
    model = load(tmp_path / "conv")
    z = torch.randn(2, 10, 1, 1)
    with torch.no_grad():
        assert torch.equal(model.generator(z), seed_g(z))
    assert model.zoo_config["converted_from"]["generator"]["file"] == "netG.pth"
    # the output folder is never overwritten
    res = run_cli("convert", "netG.pth", "dcgan", "--set", "nz=10", "--out", "conv")
    assert res.returncode == 2 and "already holds" in res.stderr
    # wrong settings: one line naming the file and the fix
    res = run_cli("convert", "netG.pth", "dcgan", "--out", "conv2")
    assert res.returncode == 2 and "netG.pth" in res.stderr and "--set" in res.stderr


def test_convert_fashion_mnist_classifier_by_position(tmp_path: Path) -> None:
    class NeuralNetwork(nn.Module):  # the FashionMNIST quickstart seed
        def __init__(self) -> None:
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear_relu_stack(self.flatten(x))

    seed = NeuralNetwork()
    torch.save({"module." + k: v for k, v in seed.state_dict().items()}, tmp_path / "model.pth")
    folder = convert(tmp_path / "model.pth", "classifier", tmp_path / "out")
    x = torch.randn(3, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(load(folder)(x), seed(x))


def test_convert_refuses_pickled_objects(tmp_path: Path) -> None:
    torch.save({"w": torch.zeros(1), "obj": Path("x")}, tmp_path / "evil.pth")
    msg = _error(convert, tmp_path / "evil.pth", "classifier", tmp_path / "out")
    assert "weights-only" in msg and "evil.pth" in msg
    assert not (tmp_path / "out").exists()

"""``ganzoo export``: every shipped model as ONNX (run in onnxruntime) and TorchScript (loaded back).

The files are run by their own runtimes here, independently of the check ``ganzoo export`` makes
itself: on a batch size other than the one traced, against the torch network's output. The
formats are exporter plugins, and what a file takes comes from the model, so a third-party task
and a third-party format work with no core edit. What cannot be exported is one line, and an
existing file at ``--out`` survives every failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch

import ganzoo
from ganzoo import hookimpl, plugins
from ganzoo.errors import ConfigError, UnknownName
from ganzoo.exporting import Exporter, export_model
from ganzoo.sample import value_range
from ganzoo.specs import ExporterSpec

from plugin_helpers import make_dist

WEIGHTS = Path(__file__).resolve().parent.parent / "weights"
SHIPPED = sorted(p.name for p in WEIGHTS.iterdir() if (p / "config.json").is_file())
#: Exporting an LSTM through torch.export takes 20-50 s on a shared 2-core CPU.
SLOW_ONNX = {"lstm-regressor.sine"}
PLUGINS = Path(__file__).resolve().parent / "plugins"


def _inputs(model: ganzoo.modeling.ZooModel, batch: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(1234)
    return model.export_signature(batch).inputs


def _torch_outputs(model, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    network = model.networks()[model.export_signature(1).network]
    with torch.no_grad():
        return network.float()(*inputs.values())


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_ONNX else n
                                  for n in SHIPPED])
def test_onnx_file_runs_in_onnxruntime_like_torch_at_any_batch_size(name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.onnx"
    result = export_model(name, "onnx", out)
    assert result.path == out and out.is_file() and result.max_abs_diff < 1e-4
    assert not [p for p in tmp_path.iterdir() if p != out]  # one file, weights inline, no temporaries

    model = ganzoo.load(name)
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    signature = model.export_signature(1)
    assert [i.name for i in session.get_inputs()] == list(signature.inputs)
    assert [o.name for o in session.get_outputs()] == list(signature.outputs)
    assert all(i.shape[0] == "batch" for i in session.get_inputs() + session.get_outputs())
    worst = 0.0
    for batch in (1, 7):  # neither is the batch size traced (2) nor the one checked (3)
        inputs = _inputs(model, batch)
        for key, axes in signature.axes.items():  # other varying dims (a series' time): a third of the size
            for dim in set(axes) - {0}:
                if key in inputs:
                    inputs[key] = inputs[key].narrow(dim, 0, max(1, inputs[key].shape[dim] // 3))
        (got,) = session.run(None, {k: v.numpy() for k, v in inputs.items()})
        want = _torch_outputs(model, inputs).numpy()
        assert got.shape == want.shape and got.dtype == np.float32
        worst = max(worst, float(np.abs(got - want).max()))
    print(f"{name}: onnxruntime vs torch, max abs difference {worst:.2e} (ganzoo's own check: "
          f"{result.max_abs_diff:.2e})")
    assert worst < 1e-4

    meta = session.get_modelmeta().custom_metadata_map
    assert meta["ganzoo_model"] == model.zoo_config["model"] and meta["network"] == signature.network
    assert json.loads(meta["value_range"]) == list(value_range(model))


@pytest.mark.slow  # ~20 s: the CLI process imports torch.onnx's exporter (torch._dynamo, onnxscript)
def test_cli_onnx_generator_gives_the_same_images_as_sample(run_cli, tmp_path: Path) -> None:
    """The issue's check: `ganzoo export dcgan.digits --format onnx --out g.onnx` runs in
    onnxruntime to the images `ganzoo sample` draws for the same latents."""
    from ganzoo.sample import to_unit
    from ganzoo_plugins.tasks.adversarial import latents

    res = run_cli("export", "dcgan.digits", "--format", "onnx", "--out", "g.onnx")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("wrote g.onnx (onnx: z[batch,100,1,1] -> images; onnxruntime matches torch to ")
    assert res.stderr == ""
    model = ganzoo.load("dcgan.digits")
    z = latents(model, 16, seed=0)
    session = onnxruntime.InferenceSession(str(tmp_path / "g.onnx"), providers=["CPUExecutionProvider"])
    (raw,) = session.run(["images"], {"z": z.numpy()})
    images = to_unit(model, torch.from_numpy(raw))
    diff = float((images - model.sample(16, seed=0)).abs().max())
    print(f"dcgan.digits: onnxruntime images vs ganzoo sample, max abs difference {diff:.2e}")
    assert diff < 1e-4


def test_cli_replaces_an_existing_file_and_says_so(run_cli, tmp_path: Path) -> None:
    (tmp_path / "g.pt").write_bytes(b"an older export")
    res = run_cli("export", "mlp-gan.digits", "--format", "torchscript", "--out", "g.pt")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("wrote g.pt, replacing the existing file (torchscript: z[batch,100] -> images; "
                                 "torch.jit.load matches torch to ")
    assert zipfile.is_zipfile(tmp_path / "g.pt") and sorted(p.name for p in tmp_path.iterdir()) == ["g.pt"]


def test_conditional_generator_takes_labels(tmp_path: Path) -> None:
    out = export_model("cgan.digits", "onnx", tmp_path / "c.onnx").path
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [(i.name, i.type) for i in session.get_inputs()] == [("z", "tensor(float)"), ("labels", "tensor(int64)")]
    model = ganzoo.load("cgan.digits")
    z = torch.randn(10, *model.latent_shape(1)[1:])
    labels = torch.arange(10)
    (raw,) = session.run(None, {"z": z.numpy(), "labels": labels.numpy()})
    with torch.no_grad():
        want = model.generator(z, labels)
    assert np.abs(raw - want.numpy()).max() < 1e-4
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["class_names"]) == [str(i) for i in range(10)]


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")
@pytest.mark.parametrize("name", SHIPPED)
def test_torchscript_loads_back_with_torch_jit_load(name: str, tmp_path: Path) -> None:
    out = ganzoo.export(name, "torchscript", tmp_path / f"{name}.pt")
    assert out == tmp_path / f"{name}.pt"
    model = ganzoo.load(name)
    extra = {"ganzoo.json": ""}
    module = torch.jit.load(str(out), map_location="cpu", _extra_files=extra)
    meta = json.loads(extra["ganzoo.json"])
    assert meta["ganzoo_model"] == model.zoo_config["model"]
    inputs = _inputs(model, 5)
    with torch.no_grad():
        diff = float((module(*inputs.values()) - _torch_outputs(model, inputs)).abs().max())
    print(f"{name}: torch.jit.load vs torch, max abs difference {diff:.2e}")
    assert diff < 1e-4
    assert zipfile.is_zipfile(out)


def _one_line(res) -> str:
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


def test_unknown_format_and_unwritable_out_fail_before_the_model_loads(run_cli, tmp_path: Path) -> None:
    line = _one_line(run_cli("export", "dcgan.digits", "--format", "onxx", "--out", "g.onnx"))
    assert line == ("ganzoo: error: unknown exporter 'onxx' — did you mean 'onnx'? "
                    "(see: ganzoo list --kind exporter)")
    (tmp_path / "taken").write_text("a file, not a folder")
    line = _one_line(run_cli("export", "dcgan.digits", "--format", "onnx", "--out", "taken/g.onnx"))
    assert line == ("ganzoo: error: export: cannot write the export file taken/g.onnx: taken is not a folder "
                    "(pick a writable --out FILE)")
    with pytest.raises(UnknownName):
        ganzoo.export("dcgan.digits", "tflite", tmp_path / "g.tflite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


BLOCKED = """
import sys
sys.modules["onnxruntime"] = None  # what a missing package looks like to `import onnxruntime`
from ganzoo.cli import main
main(["export", "dcgan.digits", "--format", "onnx", "--out", "g.onnx"])
"""


def test_missing_onnxruntime_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    (tmp_path / "g.onnx").write_bytes(b"an older export")
    proc = subprocess.run([sys.executable, "-c", BLOCKED], capture_output=True, text=True, cwd=tmp_path,
                          timeout=300)
    line = _one_line(proc)
    assert line == ("ganzoo: error: export: the onnx format needs onnxruntime, which is not installed; "
                    "pip install 'ganzoo[export]'")
    assert (tmp_path / "g.onnx").read_bytes() == b"an older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.onnx"]


# A plugin distribution with two models that cannot be exported: a generator whose forward
# branches on a tensor's value (torch.export cannot follow it), and a model that never says what
# its network takes. Its folders are written by a subprocess that has the plugin installed.
REGISTER = '''
from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param


@hookimpl
def register_models(register):
    register(ModelSpec(name="branchy-gan", builder="branchy_impl:BranchyGAN", task="adversarial",
                       description="An MLP GAN whose generator branches on its input's sign",
                       default_loss="bce", params={"latent_dim": Param("int", 8, "latent size")}))
    register(ModelSpec(name="mute", builder="branchy_impl:Mute", task="classification",
                       description="A classifier that never says what its network takes",
                       default_loss="cross-entropy", params={"width": Param("int", 4, "width")}))
'''

IMPL = '''
import torch
from torch import nn

from ganzoo.modeling import ZooModel
from ganzoo_plugins.tasks.adversarial import GenerativeModel


class _Branchy(nn.Module):
    def __init__(self, latent_dim):
        super().__init__()
        self.fc = nn.Linear(latent_dim, 64)

    def forward(self, z):
        x = self.fc(z)
        if x.sum() > 0:  # Python control flow on a tensor value
            return torch.tanh(x).view(-1, 1, 8, 8)
        return torch.sigmoid(x).view(-1, 1, 8, 8)


class BranchyGAN(GenerativeModel):
    def __init__(self, latent_dim=8):
        super().__init__(latent_dim=latent_dim)
        self.generator = _Branchy(latent_dim)
        self.discriminator = nn.Sequential(nn.Flatten(), nn.Linear(64, 1))

    @property
    def latent_dim(self):
        return int(self.config["latent_dim"])

    @property
    def image_shape(self):
        return (1, 8, 8)


class Mute(ZooModel):
    task = "classification"

    def __init__(self, width=4):
        super().__init__(width=width)
        self.net = nn.Linear(width, 2)

    def networks(self):
        return {"model": self.net}
'''

SAVE = """
import sys, torch, ganzoo
from ganzoo.weights import save_folder
torch.manual_seed(0)
for name, folder in (("branchy-gan", "branchy"), ("mute", "mute"), ("autoencoder", "recon")):
    save_folder(ganzoo.create_model(name), folder, {"model": name, "dataset": {"name": "digits"}})
"""


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> str:
    site = make_dist(tmp_path_factory.mktemp("site"), "ganzoo-branchy", "0.1.0", {"branchy": "branchy_plugin"},
                     {"branchy_plugin.py": REGISTER, "branchy_impl.py": IMPL})
    recon = make_dist(tmp_path_factory.mktemp("recon-site"), "ganzoo-recon", "0.2.0", {"recon": "ganzoo_recon"}, {})
    return os.pathsep.join([str(site), str(recon), str(PLUGINS)])


@pytest.fixture(scope="module")
def folders(plugin_site: str, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("plugin-folders")
    proc = subprocess.run([sys.executable, "-c", SAVE], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": plugin_site}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return root


def test_a_model_that_cannot_be_exported_gets_one_line_and_the_old_file_survives(run_cli, plugin_site, folders,
                                                                                   tmp_path: Path) -> None:
    env = {"PYTHONPATH": plugin_site}
    (tmp_path / "g.onnx").write_bytes(b"an older export")
    res = run_cli("export", str(folders / "branchy"), "--format", "onnx", "--out", "g.onnx", env=env)
    line = _one_line(res)
    assert line.startswith(f"ganzoo: error: export: {folders / 'branchy'} (branchy-gan) cannot be exported to "
                           "onnx: GuardOnDataDependentSymNode: Could not guard on data-dependent expression")
    assert line.endswith("(its generator's forward must be traceable: no Python branch on tensor values, "
                         "no NumPy)")
    assert (tmp_path / "g.onnx").read_bytes() == b"an older export"

    line = _one_line(run_cli("export", str(folders / "mute"), "--format", "torchscript", "--out", "m.pt", env=env))
    assert line == (f"ganzoo: error: export: {folders / 'mute'} (mute) cannot be exported: Mute does not say what "
                    "its network takes (its plugin implements neither example_input nor export_signature)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.onnx"]


def test_a_third_party_task_exports_with_no_core_edit(run_cli, plugin_site, folders, tmp_path: Path) -> None:
    """The test-only reconstruction task names no export inputs: the defaults apply."""
    res = run_cli("export", str(folders / "recon"), "--format", "onnx", "--out", "ae.onnx",
                  env={"PYTHONPATH": plugin_site})
    assert res.returncode == 0, res.stderr
    assert "(onnx: input[batch,1,16,16] -> output; onnxruntime matches torch to " in res.stdout
    session = onnxruntime.InferenceSession(str(tmp_path / "ae.onnx"), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": np.zeros((4, 1, 16, 16), np.float32)})
    assert out.shape == (4, 256)  # its network ends flat; the model's forward reshapes


# A third-party format: a whole pickled module, loaded back with torch.load.
class PickleExporter(Exporter):
    runtime = "torch.load"

    def write(self, network, signature, path, metadata):
        torch.save({"network": network, "metadata": metadata}, path)

    def run(self, path, signature, inputs):
        with torch.no_grad():
            return [torch.load(path, weights_only=False)["network"](*inputs.values())]


class FormatPlugin:
    @hookimpl
    def register_exporters(self, register):
        register(ExporterSpec(name="pickle", builder=f"{__name__}:PickleExporter",
                              description="a pickled module (test only)", suffix=".pkl"))
        register(ExporterSpec(name="needs-missing", builder=f"{__name__}:PickleExporter",
                              description="needs a module nobody has", requires=("ganzoo_no_such_module",),
                              install="pip install ganzoo-no-such-module"))


def test_exporters_are_plugins_listed_like_everything_else(tmp_path: Path) -> None:
    from ganzoo import registry

    builtin = {name: registry.get("exporter", name) for name in ("onnx", "torchscript")}
    assert {s.plugin for s in builtin.values()} == {"exporters"}
    assert builtin["onnx"].install == "pip install 'ganzoo[export]'"
    plugins.register_plugin(FormatPlugin(), "formats", distribution="ganzoo-formats", version="1.0")
    try:
        assert {"onnx", "torchscript", "pickle"} <= set(registry.names("exporter"))
        result = export_model("classifier.digits", "pickle", tmp_path / "c.pkl")
        assert result.runtime == "torch.load" and result.max_abs_diff == 0.0
        assert torch.load(tmp_path / "c.pkl", weights_only=False)["metadata"]["ganzoo_task"] == "classification"
        with pytest.raises(ConfigError, match="needs ganzoo_no_such_module, which is not installed; "
                                              "pip install ganzoo-no-such-module"):
            export_model("classifier.digits", "needs-missing", tmp_path / "c2.pkl")
    finally:
        plugins.unregister_plugin("formats")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pkl"]


def test_info_says_how_to_use_a_format_and_what_it_needs(run_cli) -> None:
    res = run_cli("info", "onnx")
    assert res.returncode == 0, res.stderr
    assert "use with:        ganzoo export REF --format onnx --out FILE.onnx" in res.stdout
    assert "needs:           onnx, onnxscript, onnxruntime\n" in res.stdout  # installed: nothing to add
    assert "settings" not in res.stdout

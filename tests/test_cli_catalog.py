"""``ganzoo list / info / summary`` through the real CLI in a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_list_shows_every_kind_with_plugin_and_description(run_cli):
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "PLUGIN", "DESCRIPTION"]
    dcgan = next(line for line in lines if line.startswith("dcgan "))
    assert re.match(r"dcgan\s+model\s+ganzoo \d+\.\d+\.\d+\s+Deep convolutional GAN", dcgan)
    kinds = {line.split()[1] for line in lines[1:] if not line.startswith("broken plugin")}
    assert {"model", "loss"} <= kinds


def test_list_glob_and_kind(run_cli):
    result = run_cli("list", "dc*")  # the glob matches the architecture and its pretrained tags
    rows = [line.split()[:2] for line in result.stdout.splitlines()[1:]]
    assert rows == [["dcgan", "model"], ["dcgan-cifar", "model"], ["dcgan.digits", "pretrained"]]
    models = run_cli("list", "dc*", "--kind", "model")
    assert [line.split()[0] for line in models.stdout.splitlines()[1:]] == ["dcgan", "dcgan-cifar"]
    losses = run_cli("list", "--kind", "loss", "--json")
    payload = json.loads(losses.stdout)
    assert {"bce", "hinge", "wgan-gp", "cross-entropy", "mse"} <= {r["name"] for r in payload["items"]}
    assert {r["kind"] for r in payload["items"]} == {"loss"}
    nothing = run_cli("list", "zz*")
    assert nothing.returncode == 0 and nothing.stdout.strip() == "nothing matches 'zz*'"


def test_list_json_schema(run_cli):
    payload = json.loads(run_cli("list", "--json", "--kind", "model").stdout)
    assert set(payload) == {"items", "broken"}
    names = [r["name"] for r in payload["items"]]
    assert names == sorted(names)
    assert {"classifier", "classifier-cnn", "dcgan", "lstm-regressor", "mlp-gan"} <= set(names)
    for row in payload["items"]:
        assert set(row) == {"name", "kind", "plugin", "distribution", "version", "description"}
        assert row["kind"] == "model" and row["distribution"] and row["version"]


def test_info_model(run_cli):
    result = run_cli("info", "dcgan")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("dcgan  (model, from ganzoo ")
    assert re.search(r"task:\s+adversarial", out)
    assert re.search(r"default loss:\s+bce", out)
    assert re.search(r"input:\s+z: \(N, nz, 1, 1\)", out)
    assert re.search(r"output:\s+images: \(N, channels, image_size, image_size\)", out)
    assert re.search(r"^\s+nz\s+int\s+default 100;", out, re.M)
    assert re.search(r"^\s+image_size\s+int\s+default 64; one of 16, 32, 64, 128, 256;", out, re.M)
    lstm = run_cli("info", "lstm-regressor").stdout
    assert re.search(r"task:\s+regression", lstm) and re.search(r"default loss:\s+mse", lstm)
    spec = json.loads(run_cli("info", "classifier", "--json").stdout)
    assert spec["task"] == "classification" and spec["params"]["hidden"]["default"] == 512


def test_info_loss(run_cli):
    result = run_cli("info", "wgan-gp")
    assert result.returncode == 0, result.stderr
    assert re.search(r"tasks:\s+adversarial", result.stdout)
    assert re.search(r"^\s+gp_weight\s+float\s+default 10.0;", result.stdout, re.M)


def total_params(stdout: str) -> dict[str, int]:
    """``{"generator": 3576704, ...}`` from the summary's headers and Total params lines."""
    out, role = {}, None
    for line in stdout.splitlines():
        if m := re.match(r"^\S+ / (\w+)$", line):
            role = m.group(1)
        elif m := re.match(r"^Total params: ([\d,]+)$", line):
            out[role] = int(m.group(1).replace(",", ""))
    return out


@pytest.mark.parametrize("model, expected", [
    ("dcgan", {"generator": 3_576_704, "discriminator": 2_765_568}),
    ("mlp-gan", {"generator": 1_510_032, "discriminator": 533_505}),
    ("classifier", {"model": 669_706}),
    ("lstm-regressor", {"model": 166}),
])
def test_summary_total_params(run_cli, model, expected):
    result = run_cli("summary", model)
    assert result.returncode == 0, result.stderr
    assert total_params(result.stdout) == expected
    assert "Input size (MB)" in result.stdout
    # torchinfo's unit enum is printed by its value, not its repr (Python 3.11 formats it so)
    assert "Units." not in result.stdout and "Total mult-adds (M): " in result.stdout
    assert result.stdout.startswith(f"{model} with its default settings: ")


DCGAN_DIGITS = {"generator": 369_600, "discriminator": 166_784}  # 1x32x32, ngf = ndf = 32


@pytest.mark.slow
def test_summary_with_a_dataset_shows_what_train_builds(run_cli):
    """`ganzoo summary dcgan` is the 3x64x64 default; with the dataset it is the network the
    recipe trains on digits, the same one the shipped dcgan.digits was trained as."""
    bare = run_cli("summary", "dcgan", "--depth", "0")
    assert "ganzoo summary dcgan digits" in bare.stdout  # the bare summary says where to look
    planned = run_cli("summary", "dcgan", "digits", "--depth", "0")
    assert planned.returncode == 0, planned.stderr
    head = planned.stdout.splitlines()[0]
    assert head.startswith("dcgan as `ganzoo train dcgan digits` builds it: ")
    assert "ngf=32" in head and "channels=1" in head and "image_size=32" in head
    assert total_params(planned.stdout) == DCGAN_DIGITS
    assert "[1, 1, 32, 32]" in planned.stdout and "Units." not in planned.stdout
    # what the trainer really built: the shipped weights, trained with that recipe
    shipped = run_cli("summary", "dcgan.digits", "--depth", "0")
    assert shipped.returncode == 0, shipped.stderr
    assert total_params(shipped.stdout) == DCGAN_DIGITS
    assert shipped.stdout.splitlines()[0].endswith(head.split(": ", 1)[1])  # same hparams
    # a dataset with a native shape is not loaded (cifar10's files are absent here) ...
    cifar = run_cli("summary", "dcgan", "cifar10", "--depth", "0")
    assert cifar.returncode == 0, cifar.stderr
    assert "[1, 3, 32, 32]" in cifar.stdout and "image_size=32" in cifar.stdout.splitlines()[0]
    # ... and an explicit size still wins over it, as in training (the data is resized)
    bigger = run_cli("summary", "classifier", "mnist", "--set", "image_size=32", "--depth", "0")
    assert bigger.returncode == 0, bigger.stderr
    assert "channels=1, image_size=32, num_classes=10" in bigger.stdout.splitlines()[0]


def test_summary_of_saved_weights_and_a_run_folder(run_cli, tmp_path):
    import ganzoo
    from ganzoo.weights import save_folder

    shipped = run_cli("summary", "dcgan.digits", "--depth", "0")
    assert shipped.returncode == 0, shipped.stderr
    out = shipped.stdout
    assert out.startswith("dcgan.digits: dcgan saved in ") and ", trained on digits: " in out
    # only the generator ships: the summary says the discriminator is not in the folder
    assert re.search(r"^dcgan.digits / discriminator\n\(not saved in dcgan.digits", out, re.M)
    assert not re.search(r"^dcgan.digits / generator\n\(not saved", out, re.M)

    model = ganzoo.create_model("classifier", hidden=16, num_classes=3)
    folder = save_folder(model, tmp_path / "run", {"model": "classifier", "dataset": {"name": "toy"}})
    result = run_cli("summary", str(folder), "--depth", "0")
    assert result.returncode == 0, result.stderr
    assert total_params(result.stdout) == {"model": 784 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3}
    assert "not saved" not in result.stdout


def test_summary_with_settings_shows_input_sizes(run_cli):
    result = run_cli("summary", "dcgan", "--set", "image_size=32", "--set", "channels=1",
                     "--batch-size", "4")
    assert result.returncode == 0, result.stderr
    assert total_params(result.stdout) == {"generator": 1_066_880, "discriminator": 661_248}
    assert "[4, 100, 1, 1]" in result.stdout and "[4, 1, 32, 32]" in result.stdout


@pytest.mark.parametrize("args, message", [
    (("info", "dcgna"), "unknown model 'dcgna' — did you mean 'dcgan', 'cdcgan', 'cgan'? (see: ganzoo list)"),
    (("summary", "dcgna"), "unknown model 'dcgna' — did you mean 'dcgan', 'cdcgan', 'cgan'? (see: ganzoo list)"),
    (("info", "cross-entropi"),
     "unknown loss 'cross-entropi' — did you mean 'cross-entropy'? (see: ganzoo list)"),
    (("info", "qqqq"), "unknown name 'qqqq' (see: ganzoo list)"),
    (("summary", "dcgan", "--set", "nzz=3"),
     "unknown setting 'nzz' of model 'dcgan' — did you mean 'nz'? (see: ganzoo info dcgan)"),
    (("summary", "dcgan", "--set", "nz=big"),
     "model 'dcgan': setting 'nz' must be an int, got 'big'"),
    (("summary", "dcgan", "--set", "image_size=48"),
     "model 'dcgan': setting 'image_size' must be one of 16, 32, 64, 128, 256, got 48"),
    (("summary", "dcgan", "--set", "nz"), "--set expects key=value, got 'nz' (example: --set nz=128)"),
    (("summary", "dcgan.digits", "digits"),
     "summary dcgan.digits: a saved model has its own settings and shapes; drop DATASET, --set and "
     "--data-root"),
    (("summary", "dcgan", "digitz"),
     "unknown dataset 'digitz' — did you mean 'digits'? (see: ganzoo list)"),
])
def test_bad_names_and_settings_are_one_line_exit_2(run_cli, args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr == f"ganzoo: error: {message}\n"
    assert result.stdout == ""
    no_traceback(result)


def test_usage_errors_are_one_line_exit_2(run_cli):
    for args in (("list", "--kind", "weights"), ("frobnicate",), ("info",)):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert result.stderr.startswith("ganzoo: error: ") and result.stderr.count("\n") == 1
        no_traceback(result)


@pytest.mark.parametrize("args", [["list"], ["--help"], ["list", "--json"], ["info", "dcgan"],
                                  ["info", "adversarial"], ["list", "--kind", "task"],
                                  ["train", "--help"], ["eval", "--help"]])
def test_listing_and_help_do_not_import_torch(args):
    script = (
        "import sys\n"
        "from ganzoo.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = sorted(m for m in ('torch', 'torchvision', 'torchinfo') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "HEAVY []"


def test_help_lists_the_catalog_verbs(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0
    for verb in ("list", "info", "summary"):
        assert re.search(rf"^\s+{verb}\s", result.stdout, re.M), verb
    assert run_cli("--version").stdout.startswith("ganzoo, version ")


def test_list_and_info_show_the_tasks(run_cli):
    payload = json.loads(run_cli("list", "--kind", "task", "--json").stdout)
    rows = {r["name"]: r for r in payload["items"]}
    assert {"adversarial", "classification", "regression"} <= set(rows)
    assert {r["kind"] for r in rows.values()} == {"task"}
    assert (rows["adversarial"]["plugin"], rows["adversarial"]["distribution"]) == ("tasks", "ganzoo")
    info = run_cli("info", "classification")
    assert info.returncode == 0, info.stderr
    assert "models:          classifier, classifier-cnn" in info.stdout
    assert "pipeline tag:    image-classification" in info.stdout
    assert "--top" in info.stdout and "target test_accuracy: >= 0.97" in info.stdout


def test_debug_shows_the_traceback_behind_the_one_line_error(run_cli):
    plain = run_cli("train", "dcgn", "digits")
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    for result in (run_cli("--debug", "train", "dcgn", "digits"),
                   run_cli("train", "dcgn", "digits", env={"GANZOO_DEBUG": "1"})):
        assert result.returncode == 2
        assert "Traceback (most recent call last)" in result.stderr and "UnknownName" in result.stderr
        assert result.stderr.strip().splitlines()[-1] == plain.stderr.strip()

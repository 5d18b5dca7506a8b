"""Multi-process training: real torchrun, 2 CPU processes over gloo, mlp-gan on digits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import ganzoo
from ganzoo.training import checkpoint, distributed

# Tiny: 2 ranks x 32 per process; digits has 1,437 training images -> 22 steps per epoch.
ARGS = ["train", "mlp-gan", "digits", "--batch-size", "32", "--log-every", "2", "--device", "cpu"]


def torchrun(args: list[str], cwd: Path, nproc: int = 2, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
           str(nproc), "-m", "ganzoo", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def config(run: Path) -> dict:
    return json.loads((run / "config.json").read_text())


def same_weights(a: Path, b: Path) -> bool:
    for name in ("model.safetensors", "discriminator.safetensors"):
        ta, tb = load_file(str(a / name)), load_file(str(b / name))
        if ta.keys() != tb.keys() or not all(torch.equal(ta[k], tb[k]) for k in ta):
            return False
    return True


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """2 processes, 6 steps in one go, run folder named by rank 0 under ./runs."""
    cwd = tmp_path_factory.mktemp("ddp")
    proc = torchrun([*ARGS, "--max-steps", "6"], cwd)
    runs = list((cwd / "runs").iterdir())
    assert len(runs) == 1, runs  # exactly one result folder, written by rank 0 alone
    return runs[0], proc


@pytest.mark.slow
def test_two_processes_train_one_folder_in_sync(straight):
    run, proc = straight
    assert proc.stdout.count("distributed: 2 processes (gloo), --batch-size 32 per process, "
                             "global batch 64") == 1
    assert proc.stdout.count("saved ") == 1  # rank 0 alone reports
    cfg = config(run)
    assert cfg["train"]["steps_done"] == 6
    assert (cfg["train"]["batch_size"], cfg["train"]["world_size"], cfg["train"]["global_batch_size"]) == (32, 2, 64)
    digests = cfg["distributed"]["params_digests"]
    assert len(digests) == 2 and digests[0] == digests[1] and cfg["distributed"]["params_identical"]
    # Logged throughput counts both ranks' images.
    logs = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logs if r["kind"] == "log"] == [2, 4, 6]
    # Weights and checkpoints hold the unwrapped networks: no DDP "module." prefix anywhere.
    for name in ("model.safetensors", "discriminator.safetensors"):
        assert not [k for k in load_file(str(run / name)) if "module." in k]
    tensors = load_file(str(checkpoint.latest(run) / checkpoint.TENSORS))
    assert not [k for k in tensors if "module." in k]
    assert "gen/noise@rank1" in tensors and "rng/torch@rank1" in tensors
    assert not torch.equal(tensors["gen/noise"], tensors["gen/noise@rank1"])  # own noise per rank
    # Loads in this (single) process, and the weights are the ones the digest describes.
    model = ganzoo.load(run)
    nets = model.networks()
    assert distributed.params_digest(nets) == digests[0]
    with torch.no_grad():
        assert model(model.sample_latent(4)).shape[0] == 4


@pytest.mark.slow
def test_resume_under_two_processes_is_exact(straight, tmp_path):
    """3 steps, then --resume to 6 under 2 processes: the same weights as 6 in one go."""
    run = tmp_path / "run"
    torchrun([*ARGS, "--max-steps", "3", "--out", str(run)], tmp_path)
    state, _ = checkpoint.load(checkpoint.latest(run))
    assert (state["step"], state["world_size"]) == (3, 2)
    torchrun(["train", "--resume", str(run), "--max-steps", "6"], tmp_path)
    assert config(run)["train"]["steps_done"] == 6
    assert config(run)["distributed"]["params_identical"]
    assert same_weights(run, straight[0])


@pytest.mark.slow
def test_ddp_checkpoint_resumes_in_one_process(straight, tmp_path, run_cli):
    run = tmp_path / "copy"
    import shutil

    shutil.copytree(straight[0], run)
    result = run_cli("train", "--resume", str(run), "--max-steps", "8")
    assert result.returncode == 0, result.stderr
    cfg = config(run)
    assert cfg["train"]["steps_done"] == 8 and cfg["train"]["world_size"] == 1
    assert "distributed" not in cfg
    ganzoo.load(run)


@pytest.mark.slow
def test_nproc_shortcut_launches_torchrun(run_cli, tmp_path):
    out = tmp_path / "run"
    result = run_cli(*ARGS, "--max-steps", "2", "--out", str(out), "--nproc", "2",
                     "--loss", "wgan-gp", env={"OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "launching: torchrun --standalone --nproc_per_node 2 -m ganzoo train mlp-gan" in result.stdout
    assert "--nproc" not in result.stdout.split("launching: ")[1].splitlines()[0].split("ganzoo")[1]
    cfg = config(out)
    # WGAN-GP's penalty pass is averaged by hand after DDP's synced passes: still in sync.
    assert cfg["distributed"]["params_identical"] and cfg["loss"]["name"] == "wgan-gp"


def test_bad_nproc_is_one_line_error(run_cli, tmp_path):
    result = run_cli(*ARGS, "--max-steps", "1", "--out", str(tmp_path / "r"), "--nproc", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == ("ganzoo: error: --nproc must be >= 1, got 0 "
                                     "(the number of processes on this machine)")
    assert not (tmp_path / "r").exists()


def test_shards_are_disjoint_equal_and_cover_the_order():
    order = torch.randperm(1437, generator=torch.Generator().manual_seed(0))
    shards = [distributed.shard(order, distributed.DistInfo(rank=r, world_size=3)) for r in range(3)]
    assert [len(s) for s in shards] == [479, 479, 479]  # the 0 left over is dropped equally
    joined = torch.cat(shards)
    assert len(set(joined.tolist())) == len(joined)  # no item on two ranks
    assert set(joined.tolist()) <= set(order.tolist())
    assert torch.equal(distributed.shard(order, distributed.SINGLE), order)
    assert distributed.shard_size(1437, distributed.DistInfo(rank=0, world_size=2)) == 718


def test_launcher_command_drops_nproc():
    cmd = distributed.torchrun_command(4, ["train", "dcgan", "--nproc", "4", "--nproc=4", "--epochs", "1"])
    assert cmd[1:] == ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "4",
                       "-m", "ganzoo", "train", "dcgan", "--epochs", "1"]


def test_single_process_helpers_are_pass_through():
    assert distributed.mean_over_ranks({"a": 1.5}, distributed.SINGLE, [True]) == ({"a": 1.5}, [True])
    assert distributed.rank_seed(7, 0) == 7 and distributed.rank_seed(7, 1) != 7
    assert distributed.wrap({"m": torch.nn.Linear(2, 2)}, torch.device("cpu"), distributed.SINGLE) == {}


@pytest.mark.slow
def test_a_conditional_gan_trains_in_two_processes_in_sync(tmp_path):
    """Labels travel through DDP too: D's (image, label) inputs, G's asked labels, the grid."""
    run = tmp_path / "cond"
    proc = torchrun(["train", "cdcgan", "digits", "--batch-size", "32", "--device", "cpu",
                     "--max-steps", "4", "--set", "ngf=4", "--set", "ndf=4", "--set", "nz=8",
                     "--set", "image_size=16", "--out", str(run)], tmp_path)
    assert proc.stdout.count("saved ") == 1
    cfg = config(run)
    assert cfg["task"] == "conditional" and cfg["train"]["augment"] == "translation,cutout,color"
    assert cfg["distributed"]["params_identical"] and cfg["train"]["global_batch_size"] == 64
    assert (run / "samples.png").is_file()

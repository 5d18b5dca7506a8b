"""Credentials inside ``HF_ENDPOINT`` (``http://user:password@proxy``) never reach the output.

Every command runs the real CLI in a subprocess (huggingface_hub reads HF_ENDPOINT when it is
imported): against a closed port, and against the real local Hub server of tests/hub_server.py,
which answers 404 / 401 (the URL's user and password replace the bearer token, so the server
sees an anonymous or an unknown caller).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.hub import redact
from ganzoo.weights import save_folder

from hub_server import HubServer

PASSWORD = "pa55-Secret-in-endpoint"
TOKEN = "hf_alice_secret_token"
SMALL = {"channels": 1, "image_size": 16, "nz": 8, "ngf": 4, "ndf": 4}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(endpoint: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"HF_ENDPOINT": endpoint, "HF_HUB_DISABLE_XET": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_HOME": str(tmp_path / "hf"), "HF_HUB_ETAG_TIMEOUT": "5",
            "HF_HUB_DOWNLOAD_TIMEOUT": "5", "HF_TOKEN": "", **extra}


def _with_password(url: str) -> str:
    return url.replace("http://", f"http://alice:{PASSWORD}@", 1)


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    return save_folder(ganzoo.create_model("dcgan", **SMALL), tmp_path / "w",
                       {"model": "dcgan", "dataset": {"name": "digits"}})


def _refused(res, shown_host: str) -> str:
    out = res.stdout + res.stderr
    assert res.returncode == 2, out
    assert PASSWORD not in out and "alice:" not in out, out
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), res.stderr
    assert f"http://***@{shown_host}" in lines[0], lines[0]
    return lines[0]


def test_unreachable_endpoint_with_password_on_sample_and_push(run_cli, tmp_path, weights):
    host = f"127.0.0.1:{_closed_port()}"
    env = _env(_with_password(f"http://{host}"), tmp_path)
    line = _refused(run_cli("sample", "user/x", env=env), host)
    assert "Hub unreachable at" in line
    line = _refused(run_cli("push", str(weights), "user/x", env={**env, "HF_TOKEN": TOKEN}), host)
    assert "Hub unreachable at" in line and "while trying to push" in line
    line = _refused(run_cli("push", str(weights), "user/x", env=env), host)  # no token at all
    assert "no Hub token" in line


def test_real_hub_errors_with_password_in_the_endpoint(run_cli, tmp_path, weights):
    with HubServer(tmp_path / "hub-storage", {TOKEN: "alice"}) as hub:
        host = hub.endpoint.removeprefix("http://")
        env = _env(_with_password(hub.endpoint), tmp_path, HF_TOKEN=TOKEN)
        line = _refused(run_cli("sample", "alice/missing", env=env), host)
        assert "repository not found on" in line
        line = _refused(run_cli("push", str(weights), "alice/x", env=env), host)
        assert "(401 Unauthorized)" in line
        assert hub.state.requests  # the server really was asked
        assert not hub.state.repos  # and nothing was created


@pytest.mark.parametrize("text,shown", [
    ("http://u:p@h:1/x", "http://***@h:1/x"),
    ("see 'https://user:p@ss@hub.example/api/models' now", "see 'https://***@hub.example/api/models' now"),
    ("http://only-user@h", "http://***@h"),
    ("http://h:1/x?to=a@b", "http://h:1/x?to=a@b"),
    ("mail a@b and http://h/p", "mail a@b and http://h/p"),
])
def test_redact(text, shown):
    assert redact(text) == shown


@pytest.mark.parametrize("token", ["hf_sécret", "hf_sec\tret\x07", "hf_\udcffsecret"])
def test_a_token_no_http_header_can_carry_is_one_line_and_never_sent(run_cli, tmp_path, weights, token):
    """A mis-encoded HF_TOKEN or --token failed inside the HTTP client with a traceback (exit 1)."""
    with HubServer(tmp_path / "hub-storage", {TOKEN: "alice"}) as hub:
        env = _env(hub.endpoint, tmp_path)
        for args, env_token, source in ((["push", str(weights), "alice/x", "--token", token], "", "--token"),
                                        (["push", str(weights), "alice/x"], token, "HF_TOKEN"),
                                        (["sample", "alice/x"], token, "HF_TOKEN")):
            res = run_cli(*args, env={**env, "HF_TOKEN": env_token})
            assert res.returncode == 2, res.stderr
            lines = res.stderr.strip().splitlines()
            assert len(lines) == 1 and f"the Hub token from {source}" in lines[0], res.stderr
            assert "secret" not in res.stdout + res.stderr and "sec\tret" not in res.stdout + res.stderr
        assert hub.state.requests == []

"""A small Hugging Face Hub-compatible server for tests (standard library only).

It speaks the part of the Hub protocol the real ``huggingface_hub`` client uses to create a repo,
upload a folder through the legacy LFS path (``HF_HUB_DISABLE_XET=1``) and download it again:

    POST /api/repos/create                         create (409 if it exists)
    POST /api/validate-yaml                        README metadata check
    POST /api/models/{repo}/preupload/{rev}        regular or LFS upload mode per file
    POST /{repo}.git/info/lfs/objects/batch        LFS batch: upload + verify actions
    PUT  /_lfs/{oid}?key=...                       the (pre-signed) LFS upload
    POST /_lfs_verify/{repo}                       LFS verify
    POST /api/models/{repo}/commit/{rev}           ndjson commit
    POST /api/models/{repo}/branch/{branch}        create a branch
    GET  /api/models/{repo}/revision/{rev}         repo info (sha, siblings)
    GET  /api/models/{repo}/tree/{rev}             file listing
    HEAD/GET /{repo}/resolve/{rev}/{path}          file metadata and content

Spaces are repos too (``create_repo(repo_type="space", space_sdk=...)``): the same routes under
``/api/spaces/{repo}/...`` and ``/spaces/{repo}/resolve/...``, kept apart from models under the
key ``spaces/{repo}``, so a model and its ``-demo`` Space are two repos as on the real Hub.

Auth is bearer tokens mapped to users; a user may write to its own namespace and to the
namespaces listed for it. Unknown tokens get 401, writes elsewhere 403, private or missing
repos 404 ``RepoNotFound`` (as on the real Hub). Storage is a folder: blobs by sha256,
repos as {ref: commit sha} plus {commit sha: {path: entry}}.

Faults, for tests of a Hub that dies mid-request: ``state.die_on`` lists ``(METHOD, regex)``
pairs; a request whose path matches gets no answer. With ``state.die_how = "close"`` the server
reads the request and closes the connection (the client sees "Server disconnected without
sending a response"); with ``"reset"`` it drops the connection unread with a TCP reset
("Connection reset by peer").

Run ``python tests/hub_server.py`` to try it by hand (prints the endpoint).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import socket
import struct
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".png", ".jpg", ".npz")


@dataclass
class Repo:
    private: bool
    sdk: str | None = None  # a Space's SDK (None: a model repo)
    refs: dict[str, str] = field(default_factory=dict)
    commits: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


class HubState:
    """Everything the server knows: users, repos and the blob store."""

    def __init__(self, root: Path, tokens: dict[str, str], extra_rights: dict[str, list[str]] | None = None):
        self.root = root
        self.blobs = root / "blobs"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.tokens = tokens  # token -> user
        self.extra_rights = extra_rights or {}
        self.repos: dict[str, Repo] = {}
        self.upload_keys: dict[str, str] = {}  # oid -> one-time key of the pre-signed PUT
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.die_on: list[tuple[str, str]] = []  # (method, path regex) of requests never answered
        self.die_how = "close"  # or "reset"

    def can_write(self, user: str | None, repo_id: str) -> bool:
        ns = repo_id.removeprefix("spaces/").split("/")[0]
        return user is not None and (ns == user or ns in self.extra_rights.get(user, []))

    def blob(self, sha256: str) -> Path:
        return self.blobs / sha256

    def new_commit(self, repo: Repo, files: dict[str, dict[str, Any]], message: str) -> str:
        sha = hashlib.sha1(f"{message}{secrets.token_hex(8)}".encode()).hexdigest()
        repo.commits[sha] = files
        return sha


class HubError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _not_found(what: str = "Repository not found") -> HubError:
    return HubError(404, what, {"X-Error-Code": "RepoNotFound"})


class Handler(BaseHTTPRequestHandler):
    server_version = "ganzoo-test-hub/1"
    protocol_version = "HTTP/1.1"
    state: HubState

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        pass

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> Any:
        raw = self._body()
        return json.loads(raw) if raw else {}

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              content_type: str = "application/json", head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), headers)

    def _user(self, required: bool) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            user = self.state.tokens.get(auth[len("Bearer "):].strip())
            if user is None:
                raise HubError(401, "Invalid credentials in Authorization header",
                               {"X-Error-Message": "Invalid credentials in Authorization header"})
            return user
        if required:
            raise HubError(401, "Invalid credentials in Authorization header",
                           {"X-Error-Message": "Invalid credentials in Authorization header"})
        return None

    def _repo(self, repo_id: str, write: bool) -> Repo:
        user = self._user(required=write)
        repo = self.state.repos.get(repo_id)
        if repo is None or (repo.private and not self.state.can_write(user, repo_id)):
            raise _not_found()
        if write and not self.state.can_write(user, repo_id):
            raise HubError(403, f"You don't have the rights to write to {repo_id}")
        return repo

    def _commit(self, repo: Repo, rev: str) -> str:
        rev = unquote(rev)
        if rev in repo.refs:
            return repo.refs[rev]
        if rev in repo.commits:
            return rev
        raise HubError(404, f"Invalid rev id: {rev}", {"X-Error-Code": "RevisionNotFound"})

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        query = parse_qs(url.query)
        self.state.requests.append((method, url.path))
        if any(m == method and re.search(rx, url.path) for m, rx in self.state.die_on):
            return self._die()
        try:
            with self.state.lock:
                self._route(method, parts, query)
        except HubError as exc:
            body = json.dumps({"error": exc.message}).encode()
            self._send(exc.status, body, exc.headers, head=method == "HEAD")

    def _die(self) -> None:
        """Drop the connection without an answer, as a crashing server or a cut line does."""
        self.close_connection = True
        if self.state.die_how == "reset":  # unread body + linger 0: close() sends a TCP RST
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            self._body()
            self.connection.shutdown(socket.SHUT_RDWR)
        self.rfile.close()  # the socket's files hold it open: close them, or close() is deferred
        self.wfile.close()  # until the server's own shutdown(SHUT_WR), a FIN before the RST
        self.wfile = io.BytesIO()  # what the server flushes after the handler
        self.connection.close()

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    # ------------------------------------------------------------------ routes
    def _route(self, method: str, p: list[str], query: dict[str, list[str]]) -> None:
        if method == "POST" and p == ["api", "repos", "create"]:
            return self.create_repo()
        if method == "POST" and p == ["api", "validate-yaml"]:
            self._body()
            return self._json(200, {"errors": [], "warnings": []})
        if method == "PUT" and len(p) == 2 and p[0] == "_lfs":
            return self.lfs_put(p[1], query.get("key", [""])[0])
        if method == "POST" and len(p) == 3 and p[0] == "_lfs_verify":
            return self.lfs_verify(f"{p[1]}/{p[2]}")
        if method == "POST" and len(p) == 6 and p[1].endswith(".git") and p[2:] == ["info", "lfs", "objects", "batch"]:
            return self.lfs_batch(f"{p[0]}/{p[1][:-4]}")
        if method == "POST" and len(p) == 7 and p[0] == "spaces" and p[2].endswith(".git") \
                and p[3:] == ["info", "lfs", "objects", "batch"]:
            return self.lfs_batch(f"spaces/{p[1]}/{p[2][:-4]}")
        if len(p) >= 6 and p[0] == "api" and p[1] in ("models", "spaces"):
            prefix = "spaces/" if p[1] == "spaces" else ""
            repo_id, action, rest = f"{prefix}{p[2]}/{p[3]}", p[4], p[5:]
            if method == "POST" and action == "preupload":
                return self.preupload(repo_id, rest[0])
            if method == "POST" and action == "commit":
                return self.commit(repo_id, rest[0])
            if method == "POST" and action == "branch":
                return self.branch(repo_id, rest[0])
            if method == "GET" and action == "revision":
                return self.revision(repo_id, "/".join(rest))
            if method == "GET" and action == "tree":
                return self.tree(repo_id, rest[0], "/".join(rest[1:]))
        if method in ("GET", "HEAD") and len(p) >= 6 and p[0] == "spaces" and p[3] == "resolve":
            return self.resolve(f"spaces/{p[1]}/{p[2]}", p[4], "/".join(p[5:]), head=method == "HEAD")
        if method in ("GET", "HEAD") and len(p) >= 5 and p[2] == "resolve":
            return self.resolve(f"{p[0]}/{p[1]}", p[3], "/".join(p[4:]), head=method == "HEAD")
        raise HubError(404, f"no route for {method} /{'/'.join(p)}")

    def create_repo(self) -> None:
        user = self._user(required=True)
        data = self._json_body()
        repo_id = f"{data.get('organization') or user}/{data['name']}"
        if not self.state.can_write(user, repo_id):
            raise HubError(403, f"You don't have the rights to create a repo under {repo_id.split('/')[0]}")
        kind = data.get("type") or "model"
        if kind == "space":
            if data.get("sdk") not in ("gradio", "docker", "static"):
                raise HubError(400, "Space SDK is required: one of gradio, docker, static")
            repo_id = f"spaces/{repo_id}"
        elif kind != "model":
            raise HubError(400, f"repo type {kind!r} is not served by this test Hub")
        url = f"{self.base}/{repo_id}"
        if repo_id in self.state.repos:
            return self._json(409, {"error": f"You already created this {kind} repo", "url": url})
        private = data.get("visibility") == "private" or bool(data.get("private"))
        repo = Repo(private=private, sdk=data.get("sdk"))
        repo.refs["main"] = self.state.new_commit(repo, {}, "initial commit")
        self.state.repos[repo_id] = repo
        self._json(200, {"url": url, "name": repo_id})

    def preupload(self, repo_id: str, rev: str) -> None:
        self._repo(repo_id, write=True)
        files = self._json_body()["files"]
        out = []
        for f in files:
            sample = base64.b64decode(f["sample"])
            lfs = f["path"].endswith(LFS_SUFFIXES) or b"\x00" in sample
            out.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False})
        self._json(200, {"files": out, "commitOid": None})

    def lfs_batch(self, repo_id: str) -> None:
        self._repo(repo_id, write=True)
        data = self._json_body()
        objects = []
        for obj in data["objects"]:
            oid, size = obj["oid"], int(obj["size"])
            if self.state.blob(oid).is_file():
                objects.append({"oid": oid, "size": size})
                continue
            key = self.state.upload_keys.setdefault(oid, secrets.token_urlsafe(16))
            objects.append({"oid": oid, "size": size, "authenticated": True, "actions": {
                "upload": {"href": f"{self.base}/_lfs/{oid}?key={key}", "header": {}},
                "verify": {"href": f"{self.base}/_lfs_verify/{repo_id}", "header": {}},
            }})
        self._send(200, json.dumps({"transfer": "basic", "objects": objects}).encode(),
                   content_type="application/vnd.git-lfs+json")

    def lfs_put(self, oid: str, key: str) -> None:
        if not key or self.state.upload_keys.get(oid) != key:
            raise HubError(403, "upload URL is not signed for this object")
        body = self._body()
        if hashlib.sha256(body).hexdigest() != oid:
            raise HubError(400, "content does not match the oid")
        self.state.blob(oid).write_bytes(body)
        self._send(200)

    def lfs_verify(self, repo_id: str) -> None:
        self._repo(repo_id, write=True)
        data = self._json_body()
        path = self.state.blob(data["oid"])
        if not path.is_file() or path.stat().st_size != int(data["size"]):
            raise HubError(404, f"object {data['oid']} not uploaded")
        self._json(200, {"success": True})

    def commit(self, repo_id: str, rev: str) -> None:
        repo = self._repo(repo_id, write=True)
        rev = unquote(rev)
        head = self._commit(repo, rev)
        files = dict(repo.commits[head])
        summary = ""
        for line in self._body().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                summary = value.get("summary", "")
                parent = value.get("parentCommit")
                if parent and parent != head:
                    raise HubError(412, "parent commit is not the head of the branch")
            elif key == "file":
                raw = base64.b64decode(value["content"]) if value.get("encoding") == "base64" \
                    else value["content"].encode()
                if repo.sdk and value["path"] == "README.md":
                    _check_space_card(raw)
                sha256 = hashlib.sha256(raw).hexdigest()
                self.state.blob(sha256).write_bytes(raw)
                files[value["path"]] = {"size": len(raw), "sha256": sha256, "lfs": False,
                                        "oid": _git_blob_oid(raw)}
            elif key == "lfsFile":
                blob = self.state.blob(value["oid"])
                if not blob.is_file():
                    raise HubError(400, f"LFS object {value['oid']} was never uploaded")
                files[value["path"]] = {"size": blob.stat().st_size, "sha256": value["oid"], "lfs": True,
                                        "oid": hashlib.sha1(value["oid"].encode()).hexdigest()}
            elif key == "deletedFile":
                files.pop(value["path"], None)
            elif key == "deletedFolder":
                prefix = value["path"].rstrip("/") + "/"
                files = {k: v for k, v in files.items() if not k.startswith(prefix)}
            else:
                raise HubError(400, f"unknown commit operation {key!r}")
        sha = self.state.new_commit(repo, files, summary)
        repo.refs[rev] = sha
        self._json(200, {"commitUrl": f"{self.base}/{repo_id}/commit/{sha}", "commitOid": sha,
                         "pullRequestUrl": None})

    def branch(self, repo_id: str, name: str) -> None:
        repo = self._repo(repo_id, write=True)
        start = self._json_body().get("startingPoint") or "main"
        if name in repo.refs:
            raise HubError(409, f"branch {name} already exists")
        repo.refs[name] = self._commit(repo, start)
        self._json(200, {})

    def revision(self, repo_id: str, rev: str) -> None:
        repo = self._repo(repo_id, write=False)
        sha = self._commit(repo, rev)
        siblings = [{"rfilename": path} for path in sorted(repo.commits[sha])]
        bare = repo_id.removeprefix("spaces/")
        info = {"id": bare, "sha": sha, "private": repo.private, "siblings": siblings, "tags": []}
        info.update({"sdk": repo.sdk} if repo.sdk else {"modelId": bare, "library_name": "ganzoo"})
        self._json(200, info)

    def tree(self, repo_id: str, rev: str, under: str) -> None:
        repo = self._repo(repo_id, write=False)
        sha = self._commit(repo, rev)
        out = []
        for path, entry in sorted(repo.commits[sha].items()):
            if under and not path.startswith(under.rstrip("/") + "/"):
                continue
            item: dict[str, Any] = {"type": "file", "oid": entry["oid"], "size": entry["size"], "path": path}
            if entry["lfs"]:
                item["lfs"] = {"oid": entry["sha256"], "size": entry["size"], "pointerSize": 134}
            out.append(item)
        self._json(200, out)

    def resolve(self, repo_id: str, rev: str, path: str, head: bool) -> None:
        repo = self._repo(repo_id, write=False)
        sha = self._commit(repo, rev)
        entry = repo.commits[sha].get(path)
        if entry is None:
            raise HubError(404, f"{path} not found", {"X-Error-Code": "EntryNotFound"})
        body = self.state.blob(entry["sha256"]).read_bytes()
        headers = {"X-Repo-Commit": sha, "ETag": f'"{entry["sha256"] if entry["lfs"] else entry["oid"]}"',
                   "Accept-Ranges": "bytes"}
        if entry["lfs"]:
            headers["X-Linked-Etag"] = f'"{entry["sha256"]}"'
            headers["X-Linked-Size"] = str(entry["size"])
        self._send(200, body, headers, content_type="application/octet-stream", head=head)


def _check_space_card(readme: bytes) -> None:
    """What the Hub checks of a Space's README metadata (the fields it refuses a commit for)."""
    match = re.match(rb"---\n(.*?)\n---\n", readme, re.S)
    if not match:
        raise HubError(400, "Space README has no YAML metadata")
    fields = dict(re.findall(r"^([A-Za-z_]+): *(.*)$", match.group(1).decode(), re.M))
    if len(fields.get("short_description", "").strip("'\"")) > 60:
        raise HubError(400, '"short_description" must be at most 60 characters')
    if fields.get("sdk") not in ("gradio", "docker", "static"):
        raise HubError(400, '"sdk" must be one of gradio, docker, static')


def _git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubServer:
    """The server on 127.0.0.1 in a background thread; ``endpoint`` is what HF_ENDPOINT gets."""

    def __init__(self, root: Path, tokens: dict[str, str], extra_rights: dict[str, list[str]] | None = None):
        self.state = HubState(root, tokens, extra_rights)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="hub-server", daemon=True)

    def __enter__(self) -> HubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":  # pragma: no cover - manual use
    with HubServer(Path(tempfile.mkdtemp()), {"hf_alice": "alice"}) as server:
        print(f"HF_ENDPOINT={server.endpoint} HF_TOKEN=hf_alice HF_HUB_DISABLE_XET=1")
        threading.Event().wait()


def one_line(res, *needles: str) -> str:
    """The CLI refused in one line (exit 2, ``ganzoo: error: ...``) holding each of ``needles``."""
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]

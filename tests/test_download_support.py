"""Helpers for the loader and download tests (no tests here).

``make_release`` writes a small release folder (Parquet + CSV + ``datapackage.json`` with
true bytes and sha256); ``ReleaseServer`` serves release folders over real HTTP on
loopback, with per-path behaviours: corrupt, truncate, fail with a status, sleep, stall.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DATASET = "south-caucasus"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(rows: int) -> dict[str, pa.Table]:
    ids = [f"sc-{i:04d}" for i in range(rows)]
    return {
        "events": pa.table(
            {
                "event_id": ids,
                "cameo_code": ["0874"] * rows,
                "goldstein": [10.0] * rows,
            }
        ),
        "evidence": pa.table({"event_id": ids, "quote": [f"quote {i}" for i in range(rows)]}),
        "sources": pa.table({"source_id": ["src-1"], "title": ["An article"]}),
    }


def make_release(folder: Path, version: str = "1.0.0", rows: int = 3) -> Path:
    """Write a release folder like ``coded-events build`` does; return it."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, table in _tables(rows).items():
        for file_format in ("parquet", "csv"):
            file = data / f"{name}.{file_format}"
            if file_format == "parquet":
                pq.write_table(table, file)
            else:
                pacsv.write_csv(table, file)
            resources.append(
                {
                    "name": name if file_format == "parquet" else f"{name}-csv",
                    "path": f"data/{name}.{file_format}",
                    "format": file_format,
                    "bytes": file.stat().st_size,
                    "hash": f"sha256:{sha256(file)}",
                }
            )
    manifest = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": DATASET,
        "title": "A test release",
        "version": version,
        "licenses": [{"name": "CC-BY-4.0"}],
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    (folder / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")


def registry_entry(folder: Path) -> dict[str, dict[str, Any]]:
    """{path: {"bytes", "sha256"}} for a release folder, as the registry stores it."""
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    paths = ["datapackage.json", *(resource["path"] for resource in manifest["resources"])]
    return {
        path: {"bytes": (folder / path).stat().st_size, "sha256": sha256(folder / path)}
        for path in sorted(paths)
    }


def files_in(folder: Path) -> list[str]:
    """Every file under ``folder`` (hidden ones too), relative, sorted."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        # The client may give up first (a timeout test): nothing to report then.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _answer(self) -> None:
        self.server.raw_paths.append(self.path)
        path = unquote(urlsplit(self.path).path).lstrip("/")  # a query is not the file's
        self.server.requests[path] += 1
        queue = self.server.behaviours.get(path) or []
        action = queue.pop(0) if queue else "serve"
        if isinstance(action, str) and action.endswith("!"):  # "truncate!" repeats forever
            queue.insert(0, action)
            action = action[:-1]
        file = self.server.root / path
        if isinstance(action, int):
            self.send_error(action)
            return
        if isinstance(action, tuple) and action[0] == "sleep":
            time.sleep(action[1])
            action = "serve"
        if isinstance(action, tuple) and action[0] == "redirect":
            self.send_response(action[2] if len(action) > 2 else 302)
            self.send_header("Location", action[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if isinstance(action, tuple) and action[0] == "drip-headers":
            for byte in b"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(action[1])
            return
        if isinstance(action, tuple) and action[0] == "flood":  # no length, bytes until n
            self.send_response(200)
            self.end_headers()
            sent, block = 0, b" " * (1 << 16)
            while sent < action[1]:
                self.wfile.write(block)
                sent += len(block)
            return
        if not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        if action == "corrupt":
            body = body[:-1] + bytes([body[-1] ^ 0xFF])
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        announced = len(body) + 1000 if action == "overlong" else len(body)
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        if action == "truncate":  # the true length announced, half of it sent
            self.wfile.write(body[: len(body) // 2])
            return
        if isinstance(action, tuple) and action[0] == "drip":  # one byte every action[1] s
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(action[1])
            return
        if isinstance(action, tuple) and action[0] == "stall":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(action[1])
            return
        time.sleep(self.server.delay)
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    root: Path
    requests: Counter[str]
    raw_paths: list[str]
    behaviours: dict[str, list[Any]]
    delay: float


class ReleaseServer:
    """A real HTTP server on 127.0.0.1 serving ``root/<dataset>/<version>/...``.

    ``behave(path, *actions)`` queues actions for successive GETs of ``path`` (relative to
    the root): an int status, ``"corrupt"``, ``"truncate"`` (the true Content-Length, half
    the body; ``"truncate!"`` for every request), ``"overlong"`` (a Content-Length 1000
    bytes too long), ``("sleep", s)`` before answering, ``("stall", s)`` after half the
    body, ``("drip", s)`` one byte every ``s`` seconds, ``("drip-headers", s)`` the status
    line and headers one byte at a time, ``("redirect", url[, status])``, ``("flood", n)``
    n bytes of spaces with no Content-Length. ``requests`` counts the decoded paths asked
    for (no query); ``raw_paths`` lists the request targets as sent.
    """

    def __init__(self, root: Path) -> None:
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.root = root
        self.httpd.requests = Counter()
        self.httpd.raw_paths = []
        self.httpd.behaviours = {}
        self.httpd.delay = 0.0
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/{{dataset}}/{{version}}/"

    @property
    def requests(self) -> Counter[str]:
        return self.httpd.requests

    @property
    def raw_paths(self) -> list[str]:
        return self.httpd.raw_paths

    def set_delay(self, seconds: float) -> None:
        self.httpd.delay = seconds

    def behave(self, path: str, *actions: Any) -> None:
        self.httpd.behaviours[path] = list(actions)


@contextmanager
def serving(root: Path) -> Iterator[ReleaseServer]:
    server = ReleaseServer(root)
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


@contextmanager
def serving_release(tmp_path: Path, monkeypatch: Any, version: str) -> Iterator[ReleaseServer]:
    """A release of ``version`` (5 rows) served on loopback, the cache in ``tmp_path`` and
    no download setting of the environment in the way (``server.root``: the site)."""
    import importlib

    fetch = importlib.import_module("coded_events.access.fetch")
    root = tmp_path / "site"
    make_release(root / DATASET / version, version, rows=5)
    monkeypatch.setenv(fetch.ENV_CACHE, str(tmp_path / "cache"))
    for name in (fetch.ENV_OFFLINE, fetch.ENV_BASE_URL, fetch.ENV_DEADLINE):
        monkeypatch.delenv(name, raising=False)
    with serving(root) as server:
        server.root = root
        yield server

"""Downloads under hostile servers and unusable caches, against real loopback servers.

Redirects followed only to http(s) and never from https to http; an overall deadline per
file on top of the per-read timeout, with the real time and attempts in the message; cache
folders that cannot be used raise :class:`CacheError` with the path and what to do, and the
CLI prints it without a traceback.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

import coded_events
from tests.test_download_support import (
    DATASET,
    _Handler,
    files_in,
    serving_release,
)

dl = importlib.import_module("coded_events.access.fetch")
VERSION = "2.0.0"
EVENTS = f"{DATASET}/{VERSION}/data/events.parquet"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with serving_release(tmp_path, monkeypatch, VERSION) as server:
        yield server


def _get(server, **kwargs) -> Path:
    kwargs.setdefault("retries", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.UnverifiedReleaseWarning)
        folder = coded_events.download(DATASET, VERSION, base_url=server.url, **kwargs)
    # tests below delete what was downloaded: never the repository's bundled release
    assert not folder.resolve().is_relative_to(ROOT), f"{folder} is not in the test cache"
    return folder


# ---------------------------------------------------------------------------- redirects


@pytest.fixture
def listener():
    """A TCP port that counts the connections made to it (an 'ftp server')."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield sock.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    sock.close()


@pytest.mark.parametrize("scheme", ["ftp", "file", "data"])
def test_redirect_to_another_scheme_is_refused_not_followed(site, listener, scheme) -> None:
    port, accepted = listener
    target = {
        "ftp": f"ftp://127.0.0.1:{port}/events.parquet",
        "file": "file:///etc/passwd",
        "data": "data:application/octet-stream;base64,AAAA",
    }[scheme]
    site.behave(EVENTS, ("redirect", target), ("redirect", target))
    with pytest.raises(dl.RedirectRefusedError) as caught:
        _get(site, retries=3)
    message = str(caught.value)
    assert target in message and "only http and https redirects are followed" in message
    assert site.requests[EVENTS] == 1  # not retried
    time.sleep(0.1)
    assert accepted == []  # nothing connected to the other scheme's server
    assert "data/events.parquet" not in files_in(site.root.parent / "cache")


def test_redirect_within_http_is_followed(site) -> None:
    moved = f"{DATASET}/{VERSION}/data/moved.parquet"
    shutil.copy(site.root / EVENTS, site.root / moved)
    site.behave(EVENTS, ("redirect", "/" + moved, 301))
    folder = _get(site)
    assert (folder / "data/events.parquet").read_bytes() == (site.root / EVENTS).read_bytes()
    assert site.requests[moved] == 1


@pytest.fixture
def https_site(site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The same release over https (a self-signed certificate the client is told to trust)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.root, httpd.requests, httpd.behaviours, httpd.delay, httpd.raw_paths = (
        site.root, site.httpd.requests.__class__(), {}, 0.0, [],
    )  # fmt: skip
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    httpd.url = f"https://127.0.0.1:{httpd.server_address[1]}/{{dataset}}/{{version}}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_https_download_works_and_is_never_redirected_to_http(site, https_site) -> None:
    folder = _get(https_site)  # the test certificate is trusted: https works
    assert (folder / "data/events.parquet").is_file()
    shutil.rmtree(folder)
    plain = site.url.format(dataset=DATASET, version=VERSION) + "data/events.parquet"
    https_site.behaviours[EVENTS] = [("redirect", plain), ("redirect", plain)]
    with pytest.raises(dl.RedirectRefusedError) as caught:
        _get(https_site, retries=2)
    assert "never continued over plain http" in str(caught.value) and plain in str(caught.value)
    assert site.requests[EVENTS] == 0  # the plain http server was never asked


# ----------------------------------------------------------------------------- deadline


@pytest.mark.parametrize("behaviour", ["drip", "drip-headers"])
def test_a_dripping_server_meets_the_deadline(site, behaviour) -> None:
    """One byte every 0.2 s never trips the 1 s read timeout; the 1.5 s deadline stops it."""
    site.behave(EVENTS, (behaviour, 0.2))
    start = time.monotonic()
    with pytest.raises(dl.DeadlineError) as caught:
        _get(site, timeout=1, deadline=1.5, retries=2)
    spent = time.monotonic() - start
    assert spent < 3.5
    message = str(caught.value)
    assert "the deadline of 1.5 s per file passed" in message and " and 1 attempt:" in message
    reported = float(message.split(" after ")[1].split(" s and ")[0])
    assert 1.4 <= reported <= spent
    assert "deadline=" in message and "--deadline" in message and dl.ENV_DEADLINE in message
    left = files_in(site.root.parent / "cache" / DATASET / VERSION)
    assert "data/events.parquet" not in left and not [n for n in left if "tmp" in n]


def test_retried_timeouts_report_the_real_time_and_attempts(site) -> None:
    site.behave(EVENTS, ("sleep", 3), ("sleep", 3), ("sleep", 3))
    start = time.monotonic()
    with pytest.raises(dl.NetworkError) as caught:
        _get(site, timeout=0.4, retries=2, deadline=60)
    spent = time.monotonic() - start
    message = str(caught.value)
    assert not isinstance(caught.value, dl.DeadlineError)
    assert "timed out" in message and "per-read timeout" in message
    assert "(3 attempts over " in message
    reported = float(message.split("(3 attempts over ")[1].split(" s)")[0])
    assert reported >= 3 * 0.4 + 0.5 + 1.0  # three timeouts and two back-offs, not "0.4 s"
    assert reported <= spent


def test_deadline_comes_from_the_environment_and_is_checked(site, monkeypatch) -> None:
    site.behave(EVENTS, ("drip", 0.2))
    monkeypatch.setenv(dl.ENV_DEADLINE, "1")
    with pytest.raises(dl.DeadlineError, match="deadline of 1 s"):
        _get(site, timeout=5)
    monkeypatch.setenv(dl.ENV_DEADLINE, "soon")
    with pytest.raises(dl.DataError, match=f"{dl.ENV_DEADLINE} must be a positive number"):
        _get(site)
    with pytest.raises(dl.DataError, match="deadline argument must be a positive number"):
        _get(site, deadline=0)


def test_no_time_left_for_another_attempt_is_a_deadline(site) -> None:
    site.behave(EVENTS, 500, 500, 500)
    with pytest.raises(dl.DeadlineError, match=r"last: HTTP 500"):
        _get(site, retries=3, deadline=1.2)  # back-offs 0.5 + 1.0 do not fit
    assert site.requests[EVENTS] == 2


# --------------------------------------------------------------------------- cache errors


def _assert_cache_error(error: BaseException, path: Path, *words: str) -> None:
    assert isinstance(error, dl.CacheError) and isinstance(error, dl.DataError)
    assert error.path == path
    message = str(error)
    assert str(path) in message and dl.ENV_CACHE in message and "--cache-dir" in message
    for word in words:
        assert word in message, message


def test_a_regular_file_given_as_cache(site, tmp_path) -> None:
    cache = tmp_path / "cache-file"
    cache.write_text("not a folder", encoding="utf-8")
    for action in (
        lambda: _get(site, cache_dir=cache),
        lambda: coded_events.download(DATASET, VERSION, base_url=site.url, cache_dir=cache / "x"),
    ):
        with pytest.raises(dl.CacheError) as caught:
            action()
        _assert_cache_error(caught.value, cache, "is not a folder", "a regular file")
    assert cache.read_text(encoding="utf-8") == "not a folder"


def test_load_reports_a_cache_that_is_a_file(site, tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache-file"
    cache.write_text("", encoding="utf-8")
    monkeypatch.setenv(dl.ENV_CACHE, str(cache))
    monkeypatch.setenv(dl.ENV_BASE_URL, site.url)
    with pytest.raises(dl.CacheError) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.UnverifiedReleaseWarning)
        coded_events.load(DATASET, "events", VERSION)
    _assert_cache_error(caught.value, cache, "is not a folder")


def test_a_link_inside_the_cache_is_refused_a_linked_root_is_not(site, tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / DATASET).symlink_to(elsewhere)
    with pytest.raises(dl.CacheError) as caught:
        _get(site, cache_dir=cache)
    _assert_cache_error(caught.value, cache / DATASET, "symbolic link")
    assert files_in(elsewhere) == []
    (cache / DATASET).unlink()
    (cache / DATASET).mkdir()
    (cache / DATASET / VERSION).mkdir()
    (cache / DATASET / VERSION / "datapackage.json").symlink_to(elsewhere / "x.json")
    with pytest.raises(dl.CacheError, match="symbolic link"):
        _get(site, cache_dir=cache)
    assert files_in(elsewhere) == []
    linked_root = tmp_path / "linked-cache"
    linked_root.symlink_to(elsewhere)  # the user's choice: allowed
    assert _get(site, cache_dir=linked_root) == linked_root / DATASET / VERSION
    assert "data/events.parquet" in files_in(elsewhere / DATASET / VERSION)


_SCRIPT = """
import sys, warnings, coded_events
warnings.simplefilter("ignore")
try:
    coded_events.download("south-caucasus", "2.0.0", base_url=sys.argv[1], cache_dir=sys.argv[2])
except coded_events.access.loader.DataError as error:
    print(type(error).__name__, error.path)
    print(error)
"""


def _run_unprivileged(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    """Run ``command`` without root's power to write anywhere (a new user namespace)."""
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("running as root without unshare: a read-only folder cannot be made")
        command = ["unshare", "--user", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)


def test_a_read_only_cache_folder(site, tmp_path) -> None:
    cache = tmp_path / "ro-cache"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        result = _run_unprivileged([sys.executable, "-c", _SCRIPT, site.url, str(cache)])
        assert result.returncode == 0, result.stderr
        first, message = result.stdout.split("\n", 1)
        assert first == f"CacheError {cache}"  # not the folder it could not make in it
        assert f": {cache} is not writable" in message and "Make it writable" in message
        assert "Traceback" not in result.stderr
        cli = _run_unprivileged(
            [str(Path(sys.executable).parent / "coded-events"), "download", DATASET, "--version",
             VERSION, "--base-url", site.url, "--cache-dir", str(cache)],
        )  # fmt: skip
        assert cli.returncode == 1
        assert cli.stderr.startswith("error: cannot use the cache") and "not writable" in cli.stderr
        assert "Traceback" not in cli.stderr + cli.stdout
    finally:
        cache.chmod(0o755)


def test_a_read_only_cache_still_serves_what_it_holds(site, tmp_path) -> None:
    cache = tmp_path / "shared-cache"
    _get(site, cache_dir=cache)
    release = cache / DATASET / VERSION
    for folder in (cache, cache / DATASET, release, release / "data"):
        folder.chmod(0o555)
    try:
        result = _run_unprivileged([sys.executable, "-c", _SCRIPT, site.url, str(cache)])
        assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    finally:
        for folder in cache.rglob("*"):
            if folder.is_dir():
                folder.chmod(0o755)
        cache.chmod(0o755)


def test_a_full_disk(site, tmp_path) -> None:
    """A 8 KiB tmpfs (mounted in a private user and mount namespace) fills up mid-release."""
    cache = tmp_path / "small-disk"
    cache.mkdir()
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True
    ) if shutil.which("unshare") else None  # fmt: skip
    if probe is None or probe.returncode != 0:
        pytest.skip("no user namespaces here: cannot mount a small file system")
    shell = (
        'mount -t tmpfs -o size=8k tmpfs "$1" && "$2" -c "$3" "$4" "$1"; rc=$?; '
        'ls -A -R "$1"; exit $rc'
    )
    result = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", shell, "sh",
         str(cache), sys.executable, _SCRIPT, site.url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    first, message = result.stdout.split("\n", 1)
    assert first == f"CacheError {cache}"
    assert "the disk is full" in message and "Free some space" in message
    assert ".coded-events-tmp-" not in result.stdout  # no half-written temp file left


@pytest.mark.parametrize("timeout", [-1, 0, float("nan"), float("inf"), "3", True, None])
def test_timeout_is_a_positive_number_of_seconds(site, timeout) -> None:
    """A negative or NaN timeout gave a traceback, 0 retried into 'Operation now in
    progress', a string a raw TypeError: each is a DataError naming the argument."""
    with pytest.raises(dl.DataError, match="timeout argument must be a positive number"):
        _get(site, timeout=timeout)
    assert site.requests.get(EVENTS, 0) == 0


def test_redirect_loop_says_too_many_redirects(site) -> None:
    """urllib's own text ("HTTP 302 The HTTP server returned a redirect error that would
    lead to an infinite loop...") became: too many redirects (N) from URL."""
    site.behave(EVENTS, *[("redirect", "/" + EVENTS)] * 30)
    with pytest.raises(dl.RedirectRefusedError) as caught:
        _get(site)
    message = str(caught.value)
    origin = site.url.split("{")[0] + EVENTS
    assert message.startswith(f"too many redirects (5) from {origin} "), message
    assert "infinite loop" not in message and "HTTP 302" not in message

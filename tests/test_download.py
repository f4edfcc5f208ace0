"""Downloads against a real HTTP server on loopback: verified, atomic, cached, shared."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import coded_events
from coded_events.access.loader import UnknownDatasetError, UnknownVersionError
from tests.test_download_support import (
    DATASET,
    files_in,
    make_release,
    registry_entry,
    serving,
    sha256,
    write_manifest,
)

dl = importlib.import_module("coded_events.access.fetch")
dl_registry = importlib.import_module("coded_events.access.registry")

VERSION = "2.0.0"  # a release the shipped registry does not know
DATA_FILES = [f"data/{name}.{ext}" for name in ("events", "evidence", "sources")
              for ext in ("csv", "parquet")]  # fmt: skip
RELEASE_FILES = sorted(["datapackage.json", *DATA_FILES])


@pytest.fixture
def site(tmp_path: Path):
    """A server holding releases 2.0.0 (unregistered) and 3.0.0 (registered by ``registry``)."""
    root = tmp_path / "site"
    make_release(root / DATASET / VERSION, VERSION, rows=5)
    make_release(root / DATASET / "3.0.0", "3.0.0", rows=7)
    with serving(root) as server:
        server.root = root
        yield server


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(dl.ENV_CACHE, str(folder))
    monkeypatch.delenv(dl.ENV_OFFLINE, raising=False)
    monkeypatch.delenv(dl.ENV_BASE_URL, raising=False)
    return folder


@pytest.fixture
def registered(site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Put release 3.0.0 of the site into a registry used instead of the shipped one."""
    registry = json.loads(dl.REGISTRY_PATH.read_text(encoding="utf-8"))
    entry = registry_entry(site.root / DATASET / "3.0.0")
    registry.setdefault("datasets", {}).setdefault(DATASET, {})["3.0.0"] = entry
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry), encoding="utf-8")
    monkeypatch.setattr(dl_registry, "REGISTRY_PATH", path)
    return "3.0.0"


def _get(server, version: str = VERSION, **kwargs) -> Path:
    kwargs.setdefault("retries", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.UnverifiedReleaseWarning)
        return coded_events.download(DATASET, version, base_url=server.url, **kwargs)


def _quietly(action):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.UnverifiedReleaseWarning)
        return action()


def _url_path(name: str, version: str = VERSION) -> str:
    return f"{DATASET}/{version}/{name}"


# ------------------------------------------------------------------------ happy paths


def test_registered_release_downloads_verified_without_warning(site, cache, registered) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folder = coded_events.download(DATASET, registered, base_url=site.url)
    assert folder == cache / DATASET / registered
    assert files_in(folder) == RELEASE_FILES
    for name, item in registry_entry(site.root / DATASET / registered).items():
        assert sha256(folder / name) == item["sha256"]
    table = coded_events.load(DATASET, "events", version=registered)
    assert table.num_rows == 7
    assert coded_events.path(DATASET, "sources", registered, "csv") == folder / "data/sources.csv"
    # A second call re-hashes the cache and downloads nothing.
    before = sum(site.requests.values())
    coded_events.download(DATASET, registered, base_url=site.url)
    assert sum(site.requests.values()) == before


def test_default_version_is_newest_known(site, cache, registered) -> None:
    assert coded_events.download(DATASET, base_url=site.url).name == registered


def test_unregistered_release_is_checked_against_its_manifest_and_warns(site, cache) -> None:
    with pytest.warns(dl.UnverifiedReleaseWarning, match="not in the registry"):
        folder = coded_events.download(DATASET, f"v{VERSION}", base_url=site.url)
    assert files_in(folder) == RELEASE_FILES
    assert pq.read_table(folder / "data/events.parquet").num_rows == 5


def test_environment_sets_base_url_and_cache(site, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(dl.ENV_BASE_URL, site.url)
    monkeypatch.setenv(dl.ENV_CACHE, str(tmp_path / "elsewhere"))
    monkeypatch.delenv(dl.ENV_OFFLINE, raising=False)
    with pytest.warns(dl.UnverifiedReleaseWarning):
        folder = coded_events.download(DATASET, VERSION)
    assert folder == tmp_path / "elsewhere" / DATASET / VERSION


# ----------------------------------------------------------------- broken transfers


def test_corrupted_file_is_refused_and_nothing_is_left(site, cache, registered) -> None:
    site.behave(_url_path("data/events.parquet", registered), "corrupt")
    with pytest.raises(dl.HashMismatchError) as caught:
        coded_events.download(DATASET, registered, base_url=site.url)
    message = str(caught.value)
    expected = registry_entry(site.root / DATASET / registered)["data/events.parquet"]["sha256"]
    corrupted = bytearray((site.root / DATASET / registered / "data/events.parquet").read_bytes())
    corrupted[-1] ^= 0xFF
    actual = __import__("hashlib").sha256(bytes(corrupted)).hexdigest()
    assert "sha256" in message and expected in message and actual in message
    assert "data/events.parquet" not in files_in(cache / DATASET / registered)
    assert not [name for name in files_in(cache) if name.endswith(".part")]
    assert site.requests[_url_path("data/events.parquet", registered)] == 1  # not retried


def test_corrupted_file_in_unregistered_release_is_refused(site, cache) -> None:
    site.behave(_url_path("data/sources.csv"), "corrupt")
    with pytest.raises(dl.HashMismatchError, match="sha256"):
        _get(site)
    assert "data/sources.csv" not in files_in(cache / DATASET / VERSION)
    assert not [name for name in files_in(cache) if name.endswith(".part")]


def test_truncated_transfer_leaves_nothing(site, cache) -> None:
    site.behave(_url_path("data/events.parquet"), "truncate!")
    with pytest.raises(dl.TruncatedDownloadError, match="announced"):
        _get(site, retries=1)
    left = files_in(cache / DATASET / VERSION)
    assert "data/events.parquet" not in left
    assert not [name for name in left if name.endswith(".part")]
    assert site.requests[_url_path("data/events.parquet")] == 2  # first try + one retry


def test_announced_size_other_than_the_registry_is_refused_unread(site, cache, registered) -> None:
    site.behave(_url_path("data/events.parquet", registered), "overlong")
    with pytest.raises(dl.HashMismatchError, match=r"announces \d+ bytes.*has \d+"):
        coded_events.download(DATASET, registered, base_url=site.url)
    assert "data/events.parquet" not in files_in(cache / DATASET / registered)
    assert site.requests[_url_path("data/events.parquet", registered)] == 1  # not retried


def test_truncated_once_then_complete_succeeds(site, cache) -> None:
    site.behave(_url_path("data/events.parquet"), "truncate")
    folder = _get(site)
    assert files_in(folder) == RELEASE_FILES


def test_server_error_then_success(site, cache, registered) -> None:
    site.behave(_url_path("data/evidence.parquet", registered), 500, 503)
    folder = coded_events.download(DATASET, registered, base_url=site.url, retries=2)
    assert files_in(folder) == RELEASE_FILES
    assert site.requests[_url_path("data/evidence.parquet", registered)] == 3


def test_persistent_server_error_names_status_and_url(site, cache) -> None:
    site.behave(_url_path("data/evidence.csv"), 500, 500, 500)
    with pytest.raises(dl.DownloadHTTPError) as caught:
        _get(site, retries=1)
    assert caught.value.status == 500
    assert "HTTP 500" in str(caught.value) and "data/evidence.csv" in str(caught.value)
    assert site.requests[_url_path("data/evidence.csv")] == 2


def test_client_error_is_not_retried(site, cache) -> None:
    site.behave(_url_path("data/evidence.csv"), 403)
    with pytest.raises(dl.DownloadHTTPError, match="HTTP 403"):
        _get(site, retries=3)
    assert site.requests[_url_path("data/evidence.csv")] == 1


def test_unknown_version_on_server_lists_known_versions(site, cache) -> None:
    with pytest.raises(UnknownVersionError) as caught:
        _get(site, version="1.0.1")
    assert "1.0.0" in caught.value.known
    assert caught.value.closest == "1.0.0"


def test_slow_server_times_out_and_leaves_nothing(site, cache) -> None:
    site.behave(_url_path("data/events.parquet"), ("sleep", 5), ("sleep", 5))
    start = time.monotonic()
    with pytest.raises(dl.NetworkError, match="timed out"):
        _get(site, timeout=0.5, retries=1)
    assert time.monotonic() - start < 4
    assert "data/events.parquet" not in files_in(cache / DATASET / VERSION)


def test_transfer_stalling_midway_times_out_and_leaves_nothing(site, cache) -> None:
    site.behave(_url_path("data/events.parquet"), ("stall", 5), ("stall", 5))
    with pytest.raises(dl.NetworkError, match="timed out"):
        _get(site, timeout=0.5, retries=1)
    left = files_in(cache / DATASET / VERSION)
    assert "data/events.parquet" not in left
    assert not [name for name in left if name.endswith(".part")]


def test_no_network(cache, unused_url) -> None:
    with pytest.raises(dl.NetworkError, match="could not reach"):
        coded_events.download(DATASET, VERSION, base_url=unused_url, retries=0)


@pytest.fixture
def unused_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{{dataset}}/{{version}}/"


# ----------------------------------------------------------------- cache and offline


def test_offline_uses_the_cache_only(site, cache, registered, monkeypatch) -> None:
    monkeypatch.setenv(dl.ENV_OFFLINE, "1")
    with pytest.raises(dl.OfflineError) as caught:
        coded_events.download(DATASET, registered, base_url=site.url)
    folder = cache / DATASET / registered
    assert sorted(caught.value.missing) == sorted(folder / name for name in RELEASE_FILES)
    assert str(folder / "data/events.parquet") in str(caught.value)
    assert sum(site.requests.values()) == 0

    monkeypatch.delenv(dl.ENV_OFFLINE)
    coded_events.download(DATASET, registered, base_url=site.url)
    (folder / "data/evidence.csv").unlink()
    monkeypatch.setenv(dl.ENV_OFFLINE, "1")
    requests = sum(site.requests.values())
    with pytest.raises(dl.OfflineError) as caught:
        coded_events.download(DATASET, registered, base_url=site.url)
    assert caught.value.missing == [folder / "data/evidence.csv"]
    assert coded_events.load(DATASET, "events", registered).num_rows == 7  # parquet is cached
    assert sum(site.requests.values()) == requests


def test_offline_unregistered_release_says_manifest_missing(site, cache, monkeypatch) -> None:
    monkeypatch.setenv(dl.ENV_OFFLINE, "yes")
    with pytest.raises(dl.OfflineError) as caught:
        coded_events.download(DATASET, "9.9.9", base_url=site.url)
    assert caught.value.missing == [cache / DATASET / "9.9.9" / "datapackage.json"]
    assert "unknown version '9.9.9'" in str(caught.value)
    assert sum(site.requests.values()) == 0


@pytest.mark.parametrize("offline", ["", "1"])
def test_unknown_version_is_refused_at_once(site, cache, monkeypatch, offline) -> None:
    """No base URL of the user's own: a version the registry does not know never reaches
    the network (the registry's own host is pointed at the loopback site to count)."""
    registry = {**dl.read_registry(), "base_url": site.url}
    path = cache.parent / "registry.json"
    path.write_text(json.dumps(registry), encoding="utf-8")
    monkeypatch.setattr(dl_registry, "REGISTRY_PATH", path)
    monkeypatch.setenv(dl.ENV_OFFLINE, offline)
    start = time.monotonic()
    with pytest.raises(UnknownVersionError) as caught:
        coded_events.download(DATASET, VERSION)  # the site has it, but nobody asked for it
    assert time.monotonic() - start < 1
    known = ", ".join(coded_events.datasets()[DATASET])
    assert f"unknown version '{VERSION}' of {DATASET}; known: {known}" in str(caught.value)
    assert "--base-url" in str(caught.value) and dl.ENV_BASE_URL in str(caught.value)
    assert sum(site.requests.values()) == 0 and not cache.exists()


def test_unknown_version_from_own_server_warns_what_to_do(site, cache) -> None:
    with pytest.warns(dl.UnverifiedReleaseWarning) as caught:
        coded_events.download(DATASET, VERSION, base_url=site.url)
    message = str(caught[0].message)
    assert "Upgrade" not in message and "base URL you trust" in message
    assert "UnverifiedReleaseWarning" in message  # how to hide it
    assert site.url.format(dataset=DATASET, version=VERSION) in message


def test_cached_unregistered_release_is_served_without_its_base_url(site, cache) -> None:
    _get(site)  # downloaded once from the user's own server
    requests = sum(site.requests.values())
    with pytest.warns(dl.UnverifiedReleaseWarning, match="cached"):
        assert coded_events.load(DATASET, "events", VERSION).num_rows == 5
    (cache / DATASET / VERSION / "data/events.parquet").unlink()
    with pytest.raises(dl.OfflineError, match="pass the base URL") as caught:
        _quietly(lambda: coded_events.load(DATASET, "events", VERSION))
    assert caught.value.missing == [cache / DATASET / VERSION / "data/events.parquet"]
    assert sum(site.requests.values()) == requests


def test_cached_file_changed_after_download_is_detected(
    site, cache, registered, monkeypatch
) -> None:
    monkeypatch.setenv(dl.ENV_BASE_URL, site.url)  # load() takes no base_url
    folder = coded_events.download(DATASET, registered)
    target = folder / "data/events.parquet"
    target.write_bytes(target.read_bytes() + b"edited")
    for action in (
        lambda: coded_events.download(DATASET, registered),
        lambda: coded_events.load(DATASET, "events", registered),
    ):
        with pytest.raises(dl.CacheModifiedError) as caught:
            action()
        message = str(caught.value)
        assert str(target) in message and "changed after it was downloaded" in message
        assert "coded-events download" in message and "rm -r" in message
    # Following the advice fixes it.
    target.unlink()
    assert coded_events.load(DATASET, "events", registered).num_rows == 7


def test_stale_temp_files_are_cleaned(site, cache) -> None:
    folder = cache / DATASET / VERSION / "data"
    folder.mkdir(parents=True)
    (folder / ".events.parquet.abc.part").write_bytes(b"half")
    _get(site)
    assert files_in(cache / DATASET / VERSION) == RELEASE_FILES


def test_two_processes_share_one_cache(site, cache) -> None:
    site.set_delay(0.2)
    script = textwrap.dedent(
        f"""
        import warnings, coded_events
        warnings.simplefilter("ignore")
        print(coded_events.download({DATASET!r}, {VERSION!r}, base_url={site.url!r}))
        """
    )
    env = {**os.environ, dl.ENV_CACHE: str(cache)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=60) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], results
    assert {out.strip() for out, _ in results} == {str(cache / DATASET / VERSION)}
    # Each file went over the wire once: the second process waited, then re-hashed.
    assert all(count == 1 for count in site.requests.values()), site.requests
    assert len(site.requests) == len(RELEASE_FILES)
    assert files_in(cache / DATASET / VERSION) == RELEASE_FILES


# ---------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "hostile",
    [
        "../evil.parquet",
        "data/../../evil.parquet",
        "/tmp/evil.parquet",
        "C:\\evil.parquet",
        "data\\..\\..\\evil.parquet",
        "http://example.org/evil.parquet",
        "//example.org/evil.parquet",
        "",
        "data//events.parquet",
    ],
)
def test_hostile_manifest_paths_are_refused(site, cache, tmp_path, hostile: str) -> None:
    folder = site.root / DATASET / VERSION
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    manifest["resources"][0]["path"] = hostile
    write_manifest(folder, manifest)
    with pytest.raises(dl.ManifestError, match="refused resource path"):
        _get(site)
    assert not (tmp_path / "evil.parquet").exists()
    assert not (cache / DATASET / "evil.parquet").exists()
    assert files_in(cache / DATASET / VERSION) == ["datapackage.json"]


def test_symlink_escaping_the_release_is_refused(tmp_path) -> None:
    root = tmp_path / "release"
    root.mkdir()
    (root / "data").symlink_to(tmp_path)
    with pytest.raises(dl.ManifestError, match="outside the release folder"):
        dl.safe_join(root, "data/events.parquet", "test")


def test_manifest_without_sha256_is_refused(site, cache) -> None:
    folder = site.root / DATASET / VERSION
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    manifest["resources"][1]["hash"] = "d41d8cd98f00b204e9800998ecf8427e"  # an md5
    write_manifest(folder, manifest)
    with pytest.raises(dl.ManifestError, match=r"resources\[1\].*sha256"):
        _get(site)


def test_manifest_that_is_not_json_is_refused(site, cache) -> None:
    (site.root / DATASET / VERSION / "datapackage.json").write_text("<html>", encoding="utf-8")
    with pytest.raises(dl.ManifestError, match=r"not a readable datapackage\.json"):
        _get(site)


def test_unknown_dataset_is_refused_before_any_request(site, cache) -> None:
    with pytest.raises(UnknownDatasetError, match="Did you mean 'south-caucasus'"):
        coded_events.download("south-caucasas", VERSION, base_url=site.url)
    assert sum(site.requests.values()) == 0


@pytest.mark.parametrize("version", ["../../escape", "1.0.0/../../x", "/abs", "", " ", "1..2"])
def test_version_that_is_no_version_is_refused(site, cache, version) -> None:
    with pytest.raises(UnknownVersionError, match="a version looks like"):
        coded_events.download(DATASET, version, base_url=site.url)
    assert not cache.exists() and sum(site.requests.values()) == 0


def test_release_without_files_still_writes_nothing_outside(site, cache, tmp_path) -> None:
    """A release whose manifest lists no file: only its manifest lands, in its folder."""
    folder = site.root / DATASET / VERSION
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    write_manifest(folder, {**manifest, "resources": []})
    before = set(files_in(tmp_path)) - set(files_in(cache.parent / "cache"))
    assert _get(site) == cache / DATASET / VERSION
    assert files_in(cache / DATASET / VERSION) == ["datapackage.json"]
    assert files_in(cache) == [
        f"{DATASET}/.{VERSION}.lock",
        f"{DATASET}/{VERSION}/datapackage.json",
    ]
    outside = {f"cache/{name}" for name in files_in(cache)}
    assert set(files_in(tmp_path)) - outside == before
    assert site.requests == {_url_path("datapackage.json"): 1}


def test_progress_bar_draws_and_the_file_is_right(site, tmp_path) -> None:
    url = site.url.format(dataset=DATASET, version=VERSION) + "data/events.parquet"
    source = site.root / DATASET / VERSION / "data/events.parquet"
    target = dl.fetch_file(url, tmp_path / "events.parquet", sha256(source), progress=True)
    assert target.read_bytes() == source.read_bytes()
    assert not list(tmp_path.glob(".*.part"))


# ----------------------------------------------------------- a manifest of another release


@pytest.mark.parametrize(
    ("served_name", "served_version", "named"),
    [
        (DATASET, "1.0.0", ["'1.0.0'", "'2.0.0'"]),  # the 1.0.0 files served under /2.0.0/
        ("other-dataset", VERSION, ["'other-dataset'", f"'{DATASET}'"]),
    ],
)
def test_manifest_of_another_release_is_refused(
    tmp_path, cache, monkeypatch, served_name, served_version, named
) -> None:
    root = tmp_path / "site"
    folder = make_release(root / VERSION, served_version, rows=4)
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    write_manifest(folder, {**manifest, "name": served_name})
    with serving(root) as server:
        monkeypatch.setenv(dl.ENV_BASE_URL, server.url.replace("{dataset}/", ""))
        with pytest.raises(dl.ManifestError) as caught, warnings.catch_warnings():
            warnings.simplefilter("ignore", dl.UnverifiedReleaseWarning)
            coded_events.load(DATASET, "events", version=VERSION)
        for text in named:
            assert text in str(caught.value)
        assert "datapackage.json" in str(caught.value)
        # Nothing of the wrong release stays in the cache, so a fixed server is used next.
        assert files_in(cache / DATASET / VERSION) == []
        requests = sum(server.requests.values())
        assert requests == 1  # only the manifest was fetched


@pytest.mark.parametrize(
    "template",
    ["http://h/{nope}/", "http://h/{0}/", "http://h/{dataset/", "http://h/{dataset.x}/", "}"],
)
def test_bad_base_url_template_names_the_placeholders(cache, monkeypatch, template) -> None:
    monkeypatch.setenv(dl.ENV_BASE_URL, template)
    with pytest.raises(dl.DataError) as caught:
        coded_events.download(DATASET, VERSION)
    message = str(caught.value)
    assert template in message and dl.ENV_BASE_URL in message
    assert "{dataset}" in message and "{version}" in message


@pytest.mark.parametrize("hostile", [" data/events.csv", "data/events.csv ", "\tdata/events.csv"])
def test_manifest_path_with_surrounding_spaces_is_refused(site, cache, hostile: str) -> None:
    folder = site.root / DATASET / VERSION
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    manifest["resources"][0]["path"] = hostile
    write_manifest(folder, manifest)
    with pytest.raises(dl.ManifestError, match="refused resource path"):
        _get(site)
    assert files_in(cache / DATASET / VERSION) == ["datapackage.json"]


@pytest.mark.parametrize(
    "hostile",
    ["data/../data/events.parquet", "data//events.parquet", "http://host/events.parquet",
     " data/events.parquet"],
)  # fmt: skip
def test_registry_paths_that_stay_inside_are_still_refused(tmp_path, hostile: str) -> None:
    """A registry entry is joined by ``safe_join``: every path rule, not only 'stays inside'."""
    with pytest.raises(dl.ManifestError, match="refused resource path"):
        dl.fetch_release(
            DATASET, VERSION, known={hostile: "0" * 64}, base_url="http://127.0.0.1:9/",
            cache=tmp_path / "cache", retries=1,
        )  # fmt: skip
    assert not list((tmp_path / "cache").rglob("*.parquet"))


@pytest.mark.parametrize("declared", ["12", True, -1, 1.5, None])
def test_manifest_bytes_that_are_no_size_are_refused(site, cache, declared) -> None:
    """``bytes`` that is not a whole number >= 0 is no size: a file of a release the registry
    does not know is downloaded only with its size known (it bounds the transfer)."""
    folder = site.root / DATASET / VERSION
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in manifest["resources"]:
        resource["bytes"] = declared
    write_manifest(folder, manifest)
    with pytest.raises(
        dl.ManifestError, match=r"resources\[0\] \('data/events.parquet'\): 'bytes'"
    ):
        _get(site)
    assert files_in(cache / DATASET / VERSION) == ["datapackage.json"]


def test_manifest_bytes_other_than_the_file_are_refused(site, cache) -> None:
    """The sha256 is right but the declared size is not: the release does not hold together."""
    folder = site.root / DATASET / VERSION
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    manifest["resources"][0]["bytes"] += 1
    write_manifest(folder, manifest)
    with pytest.raises(dl.HashMismatchError):
        _get(site)
    assert files_in(cache / DATASET / VERSION) == ["datapackage.json"]

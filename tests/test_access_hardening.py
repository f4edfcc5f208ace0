"""The download and load paths against hostile manifests and damaged dataset folders.

A release the registry does not know is described by its own ``datapackage.json``: the
manifest is capped in size (while it streams, and when read from the cache), every file to
download must declare its size and sha256, and resource paths are quoted into URLs, never
pasted. A dataset folder on disk is never read through a symbolic link, a resource without
a usable path is named, and a Parquet file pyarrow cannot read is the package's error.
Real loopback servers and real files throughout.
"""

from __future__ import annotations

import importlib
import json
import shutil
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import coded_events
from coded_events.access import manifest as manifest_module
from coded_events.cli import app
from tests.test_download_support import (
    DATASET,
    files_in,
    make_release,
    serving_release,
    sha256,
    write_manifest,
)

dl = importlib.import_module("coded_events.access.fetch")
VERSION = "2.0.0"
CAP = manifest_module.MAX_MANIFEST_BYTES
MANIFEST_URL_PATH = f"{DATASET}/{VERSION}/datapackage.json"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with serving_release(tmp_path, monkeypatch, VERSION) as server:
        server.release = server.root / DATASET / VERSION
        server.cache = tmp_path / "cache"
        yield server


def _get(server, **kwargs) -> Path:
    kwargs.setdefault("retries", 0)
    kwargs.setdefault("deadline", 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dl.UnverifiedReleaseWarning)
        return coded_events.download(DATASET, VERSION, base_url=server.url, **kwargs)


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def _oversized_manifest(folder: Path, source: Path | None = None) -> None:
    """A valid manifest of this release (``source``'s, by default ``folder``'s), with no
    resources, padded one byte past the cap."""
    manifest = {**_manifest(source or folder), "resources": [], "padding": ""}
    text = json.dumps(manifest)
    manifest["padding"] = "x" * (CAP + 1 - len(text))
    write_manifest(folder, manifest)
    assert (folder / "datapackage.json").stat().st_size == CAP + 1


# ------------------------------------------------------------------ 1. manifest size cap


def test_the_cap_is_a_few_megabytes() -> None:
    assert 1 << 20 <= CAP <= 16 << 20


def test_an_endless_manifest_is_stopped_at_the_cap_and_deleted(site) -> None:
    """A body with no Content-Length that never ends (here: 8 caps) stops at the cap."""
    site.behave(MANIFEST_URL_PATH, ("flood", 8 * CAP))
    with pytest.raises(dl.TooLargeError) as caught:
        _get(site)
    message = str(caught.value)
    assert site.url.format(dataset=DATASET, version=VERSION) + "datapackage.json" in message
    assert f"{CAP} bytes" in message and "MAX_MANIFEST_BYTES" in message
    assert files_in(site.cache / DATASET / VERSION) == []  # no manifest, no temp file


def test_a_manifest_announced_over_the_cap_is_refused_unread(site) -> None:
    _oversized_manifest(site.release)
    with pytest.raises(dl.TooLargeError) as caught:
        _get(site)
    message = str(caught.value)
    assert f"announces {CAP + 1} bytes" in message and "MAX_MANIFEST_BYTES" in message
    assert "nothing was downloaded" in message
    assert files_in(site.cache / DATASET / VERSION) == []


def test_a_cached_manifest_over_the_cap_is_refused_and_removed(site) -> None:
    cached = site.cache / DATASET / VERSION
    cached.mkdir(parents=True)
    _oversized_manifest(cached, site.release)
    with pytest.raises(dl.TooLargeError) as caught:
        _get(site)
    assert str(cached / "datapackage.json") in str(caught.value)
    assert site.requests[MANIFEST_URL_PATH] == 0
    assert not (cached / "datapackage.json").exists()  # unverified and refused: not kept
    assert (_get(site) / "data/events.parquet").is_file()  # the next run fetches it anew


def test_a_local_manifest_over_the_cap_is_refused(tmp_path) -> None:
    folder = make_release(tmp_path / "ds")
    _oversized_manifest(folder)
    with pytest.raises(dl.TooLargeError, match=r"datapackage\.json.*MAX_MANIFEST_BYTES"):
        coded_events.load(folder)


# ----------------------------------------------------------- 2. size and hash declared


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"bytes": None}, "'bytes'"),
        ({"bytes": "1234"}, "'bytes'"),
        ({"bytes": -1}, "'bytes'"),
        ({"bytes": True}, "'bytes'"),
        ({"hash": None}, "sha256"),
        ({"hash": "md5:d41d8cd98f00b204e9800998ecf8427e"}, "sha256"),
    ],
)
def test_a_resource_without_size_or_sha256_is_refused_before_any_download(
    site, change, rule
) -> None:
    manifest = _manifest(site.release)
    resource = manifest["resources"][2]
    for key, value in change.items():
        if value is None:
            del resource[key]
        else:
            resource[key] = value
    write_manifest(site.release, manifest)
    with pytest.raises(dl.ManifestError) as caught:
        _get(site)
    message = str(caught.value)
    assert resource["path"] in message and rule in message, message
    assert str(site.cache / DATASET / VERSION / "datapackage.json") in message
    assert list(site.requests) == [MANIFEST_URL_PATH]  # no data file was asked for
    assert files_in(site.cache / DATASET / VERSION) == ["datapackage.json"]


def test_the_cli_reports_a_resource_without_size_in_one_line(site) -> None:
    manifest = _manifest(site.release)
    del manifest["resources"][0]["bytes"]
    write_manifest(site.release, manifest)
    result = CliRunner().invoke(
        app, ["download", DATASET, "--version", VERSION, "--base-url", site.url]
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "error: " in result.stderr and "data/events.parquet" in result.stderr
    assert "Traceback" not in result.output


# ----------------------------------------------------------------- 3. paths into URLs


def _add_resource(server, relative: str, content: bytes) -> None:
    file = server.release / relative
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(content)
    manifest = _manifest(server.release)
    manifest["resources"].append(
        {"name": "odd", "path": relative, "bytes": len(content), "hash": f"sha256:{sha256(file)}"}
    )
    write_manifest(server.release, manifest)


@pytest.mark.parametrize(
    ("relative", "quoted"),
    [
        ("data/é.bin", "data/%C3%A9.bin"),
        ("data/a b.bin", "data/a%20b.bin"),
        ("data/x#frag", "data/x%23frag"),
        ("data/x?y=1", "data/x%3Fy%3D1"),
        ("data/100%.bin", "data/100%25.bin"),
    ],
)
def test_resource_paths_are_quoted_into_urls(site, relative, quoted) -> None:
    _add_resource(site, relative, b"the bytes of " + relative.encode())
    folder = _get(site)
    assert (folder / relative).read_bytes() == (site.release / relative).read_bytes()
    assert f"/{DATASET}/{VERSION}/{quoted}" in site.raw_paths
    assert site.requests[f"{DATASET}/{VERSION}/{relative}"] == 1


def test_the_cli_downloads_a_non_ascii_path_without_a_traceback(site) -> None:
    _add_resource(site, "data/événements.bin", b"bytes")
    result = CliRunner().invoke(
        app, ["download", DATASET, "--version", VERSION, "--base-url", site.url]
    )
    assert result.exit_code == 0, result.output
    assert (site.cache / DATASET / VERSION / "data/événements.bin").read_bytes() == b"bytes"


@pytest.mark.parametrize("relative", ["data/.", "./data/events.parquet", "data/./events.parquet"])
def test_dot_segments_in_resource_paths_are_refused(site, relative) -> None:
    manifest = _manifest(site.release)
    manifest["resources"][0]["path"] = relative
    write_manifest(site.release, manifest)
    with pytest.raises(dl.ManifestError, match=r"refused resource path .*'\.'"):
        _get(site)
    assert files_in(site.cache / DATASET / VERSION) == ["datapackage.json"]


# --------------------------------------------------------- 4. links and paths, on disk


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A dataset folder on disk (5 events) holding, unlisted, a Parquet file of 24 rows
    (``other/o.pq``: a link to it stays inside the folder, so ``safe_join`` lets it pass)."""
    folder = make_release(tmp_path / "ds", rows=5)
    (folder / "other").mkdir()
    pq.write_table(pa.table({"event_id": [f"other-{i}" for i in range(24)]}), folder / "other/o.pq")
    return folder


def _drop_hash(folder: Path, name: str) -> None:
    manifest = _manifest(folder)
    for resource in manifest["resources"]:
        if resource["name"] == name:
            del resource["hash"]
    write_manifest(folder, manifest)


@pytest.mark.parametrize("hashed", [False, True])
def test_a_linked_data_file_is_never_read(folder, hashed) -> None:
    events = folder / "data/events.parquet"
    events.unlink()
    events.symlink_to(folder / "other/o.pq")
    if not hashed:
        _drop_hash(folder, "events")
    with pytest.raises(dl.UnsafeFileError) as caught:
        coded_events.load(folder)
    message = str(caught.value)
    assert str(events) in message and "symbolic link" in message
    assert str(folder / "datapackage.json") in message


def test_a_linked_data_folder_is_never_read(folder) -> None:
    """The link stays inside the dataset folder (``safe_join`` lets it pass): still refused."""
    (folder / "data").rename(folder / "real")
    (folder / "data").symlink_to(folder / "real")
    _drop_hash(folder, "events")
    with pytest.raises(dl.UnsafeFileError, match="symbolic link"):
        coded_events.load(folder)


def test_a_directory_where_the_data_file_should_be_is_named(folder) -> None:
    events = folder / "data/events.parquet"
    events.unlink()
    events.mkdir()
    _drop_hash(folder, "events")
    with pytest.raises(dl.UnsafeFileError, match="not a regular file"):
        coded_events.load(folder)


@pytest.mark.parametrize("path", [[None], [], [5], None, 7, {"a": 1}])
def test_a_resource_path_that_is_no_string_is_named(folder, path) -> None:
    manifest = _manifest(folder)
    manifest["resources"][0]["path"] = path
    write_manifest(folder, manifest)
    with pytest.raises(dl.ManifestError) as caught:
        coded_events.load(folder)
    message = str(caught.value)
    assert str(folder / "datapackage.json") in message and "'events'" in message, message
    assert "path" in message


# ------------------------------------------------------------- 5. unreadable Parquet


def test_a_truncated_parquet_whose_hash_matches_is_a_data_error(folder) -> None:
    events = folder / "data/events.parquet"
    events.write_bytes(events.read_bytes()[:-20])
    manifest = _manifest(folder)
    manifest["resources"][0].update(bytes=events.stat().st_size, hash=f"sha256:{sha256(events)}")
    write_manifest(folder, manifest)
    with pytest.raises(dl.UnreadableDataError) as caught:
        coded_events.load(folder)
    message = str(caught.value)
    assert str(events) in message and "Parquet" in message
    with pytest.raises(pa.ArrowInvalid) as raw:
        pq.read_table(events)
    assert str(raw.value) in message  # what pyarrow said

    from coded_events.compare.rows import CompareError, read_rows

    with pytest.raises(CompareError, match=str(events)):
        read_rows(folder)


def test_parts_of_different_schemas_are_a_data_error(folder) -> None:
    shutil.copy(folder / "other/o.pq", folder / "data/other.parquet")
    manifest = _manifest(folder)
    parts = ["data/events.parquet", "data/other.parquet"]
    manifest["resources"][0] = {
        "name": "events",
        "format": "parquet",
        "path": parts,
        "parts": [{"path": p, "hash": f"sha256:{sha256(folder / p)}"} for p in parts],
    }
    write_manifest(folder, manifest)
    with pytest.raises(dl.UnreadableDataError, match="events"):
        coded_events.load(folder)

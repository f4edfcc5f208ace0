"""Data versions follow rules: real builds of south-caucasus copies, checked against a release."""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.release import build as publish
from coded_events.release import data_versions, table_diff
from coded_events.spec.schema_diff import Level
from coded_events.spec.versions import SCHEMA_VERSION
from tests.conftest import ROOT
from tests.test_download_support import serving

dl = importlib.import_module("coded_events.access.fetch")
dl_registry = importlib.import_module("coded_events.access.registry")
REAL = ROOT / "datasets" / "south-caucasus"
NAME = "south-caucasus"
runner = CliRunner()


# --- helpers ---------------------------------------------------------------------------


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def make_copy(folder: Path, version: str) -> Path:
    """A copy of the real dataset's inputs (records, sources, dataset.json) at ``version``."""
    folder.mkdir(parents=True)
    for part in ("records", "sources"):
        shutil.copytree(REAL / part, folder / part)
    if (REAL / "retired_ids.txt").is_file():
        shutil.copy(REAL / "retired_ids.txt", folder / "retired_ids.txt")
    meta = json.loads((REAL / "dataset.json").read_text("utf-8"))
    meta["version"] = version
    meta["schema_version"] = SCHEMA_VERSION
    _write_json(folder / "dataset.json", meta)
    return folder


def set_version(folder: Path, version: str) -> None:
    meta = json.loads((folder / "dataset.json").read_text("utf-8"))
    meta["version"] = version
    _write_json(folder / "dataset.json", meta)


def edit_records(folder: Path, change: Any) -> None:
    """Apply ``change(events)`` to the events of the (single) record file, in place."""
    (path,) = sorted((folder / "records").glob("*.json"))
    document = json.loads(path.read_text("utf-8"))
    change(document["events"])
    _write_json(path, document)


def build_cli(folder: Path, *extra: str) -> Any:
    return runner.invoke(app, ["build", str(folder), *extra])


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A previous release, 1.0.0, built from an unchanged copy."""
    folder = make_copy(tmp_path_factory.mktemp("release") / NAME, "1.0.0")
    publish.build(folder)
    return folder


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty package registry in a temporary file (tests add releases to it)."""
    path = tmp_path / "registry.json"
    _write_json(path, {"base_url": "http://127.0.0.1:9/{dataset}/{version}/", "datasets": {}})
    monkeypatch.setattr(dl_registry, "REGISTRY_PATH", path)
    monkeypatch.setenv(dl.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.delenv(dl.ENV_OFFLINE, raising=False)
    monkeypatch.delenv(dl.ENV_BASE_URL, raising=False)
    return path


def _unlinked_event(events: list[dict[str, Any]]) -> str:
    """An event id that no other event links to (removing it keeps every link resolved)."""
    targets = {link["event_id"] for e in events for link in e.get("links") or []}
    return next(e["event_id"] for e in reversed(events) if e["event_id"] not in targets)


def _new_event(events: list[dict[str, Any]], event_id: str) -> None:
    event = copy.deepcopy(events[-1])
    event["event_id"] = event_id
    event.pop("links", None)
    event["notes"] = "A second coding of the last event, to test the version rules."
    events.append(event)


# --- the rules, through real builds ----------------------------------------------------


def test_identical_data_at_the_same_version_passes(release: Path, tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "1.0.0")
    result = build_cli(folder, "--previous", str(release))
    assert result.exit_code == 0, result.output
    assert "no changes" in result.stdout
    assert (folder / "datapackage.json").read_bytes() == (release / "datapackage.json").read_bytes()


def test_fixing_a_record_needs_a_patch(release: Path, tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "1.0.0")
    edit_records(folder, lambda events: events[2].update(notes="Corrected note."))

    kept = build_cli(folder, "--previous", str(release))
    assert kept.exit_code == 1
    assert "needs a patch bump" in kept.stdout
    assert "no bump" in kept.stderr and "need a patch bump" in kept.stderr
    event_id = json.loads(next((folder / "records").glob("*.json")).read_text())["events"][2]
    assert f"{event_id['event_id']}: notes" in kept.stderr
    assert "set version to 1.0.1" in kept.stderr
    assert not (folder / "datapackage.json").exists(), "a refused build writes nothing"

    set_version(folder, "1.0.1")
    bumped = build_cli(folder, "--previous", str(release))
    assert bumped.exit_code == 0, bumped.output
    assert json.loads((folder / "datapackage.json").read_text())["version"] == "1.0.1"


def test_adding_an_event_needs_a_minor(release: Path, tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "1.0.1")
    edit_records(folder, lambda events: _new_event(events, "sc-0901"))

    patch = build_cli(folder, "--previous", str(release))
    assert patch.exit_code == 1
    message = patch.stderr
    assert "dataset version 1.0.1 is a patch bump" in message
    assert "the changes need a minor bump" in message
    assert "1 event added (sc-0901)" in message
    assert "evidence quote" in message and "added (sc-0901/0" in message
    assert f"set version to 1.1.0 in {folder / 'dataset.json'}" in message

    set_version(folder, "1.1.0")
    assert build_cli(folder, "--previous", str(release)).exit_code == 0


def test_removing_an_event_needs_a_major(release: Path, tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "1.1.0")
    removed: list[str] = []

    def remove(events: list[dict[str, Any]]) -> None:
        removed.append(_unlinked_event(events))
        events[:] = [e for e in events if e["event_id"] != removed[0]]

    edit_records(folder, remove)
    minor = build_cli(folder, "--previous", str(release))
    assert minor.exit_code == 1
    assert "need a major bump" in minor.stderr
    assert f"1 event removed ({removed[0]})" in minor.stderr
    assert "set version to 2.0.0" in minor.stderr

    set_version(folder, "2.0.0")
    assert build_cli(folder, "--previous", str(release)).exit_code == 0


def test_adding_a_column_needs_a_major(release: Path, tmp_path: Path) -> None:
    """The previous release lacked ``events.notes``: the new build adds a column."""
    old = tmp_path / "old"
    shutil.copytree(release, old)
    table = pq.read_table(old / "data" / "events.parquet")
    pq.write_table(table.drop_columns(["notes"]), old / "data" / "events.parquet")
    manifest = json.loads((old / "datapackage.json").read_text())
    for resource in manifest["resources"]:
        if resource["name"] == "events":
            fields = resource["schema"]["fields"]
            resource["schema"]["fields"] = [f for f in fields if f["name"] != "notes"]
    _write_json(old / "datapackage.json", manifest)

    folder = make_copy(tmp_path / NAME, "1.1.0")
    minor = build_cli(folder, "--previous", str(old))
    assert minor.exit_code == 1
    assert "events: column(s) added: notes" in minor.stderr
    assert "need a major bump" in minor.stderr
    set_version(folder, "2.0.0")
    assert build_cli(folder, "--previous", str(old)).exit_code == 0


def test_an_older_version_is_refused(release: Path, tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "0.9.0")
    result = build_cli(folder, "--previous", str(release))
    assert result.exit_code == 1
    assert "0.9.0 is older than the previous release 1.0.0" in result.stderr


def test_check_mode_also_checks_the_bump(release: Path, tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "1.0.0")
    publish.build(folder)
    edit_records(folder, lambda events: events[0].update(notes="Corrected."))
    result = build_cli(folder, "--check", "--previous", str(release))
    assert result.exit_code == 1
    assert "need a patch bump" in result.stderr


# --- finding the previous release ------------------------------------------------------


def test_first_release_says_so(registry: Path, tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "1.0.0")
    result = build_cli(folder)
    assert result.exit_code == 0, result.output
    assert data_versions.FIRST_RELEASE in result.stdout


def _publish(release: Path, site: Path, version: str) -> dict[str, str]:
    """Copy ``release`` to ``site/<name>/<version>`` as that version; its file hashes."""
    folder = site / NAME / version
    shutil.copytree(release, folder)
    manifest = json.loads((folder / "datapackage.json").read_text())
    manifest["version"] = version
    _write_json(folder / "datapackage.json", manifest)
    paths = ["datapackage.json", *(r["path"] for r in manifest["resources"])]
    return {p: hashlib.sha256((folder / p).read_bytes()).hexdigest() for p in paths}


def test_previous_version_is_downloaded(release: Path, tmp_path: Path, registry: Path) -> None:
    hashes = _publish(release, tmp_path / "site", "0.9.0")
    folder = make_copy(tmp_path / NAME, "0.9.0")
    edit_records(folder, lambda events: _new_event(events, "sc-0902"))
    with serving(tmp_path / "site") as server:
        _write_json(registry, {"base_url": server.url, "datasets": {NAME: {"0.9.0": hashes}}})
        refused = build_cli(folder, "--previous", "v0.9.0")
        assert refused.exit_code == 1, refused.output
        assert "is the previous release's version (no bump)" in refused.stderr
        assert "need a minor bump: 1 event added (sc-0902)" in refused.stderr
        assert "set version to 0.10.0" in refused.stderr
        assert (tmp_path / "cache" / NAME / "0.9.0" / "datapackage.json").is_file()

        default = build_cli(folder)  # the newest registered release not newer: 0.9.0
        assert default.exit_code == 1
        assert f"compared with {NAME} 0.9.0" in default.stdout
        set_version(folder, "0.10.0")
        accepted = build_cli(folder)
        assert accepted.exit_code == 0, accepted.output
        assert "needs a minor bump" in accepted.stdout


def test_an_unavailable_default_release_warns_and_builds(
    release: Path, tmp_path: Path, registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashes = _publish(release, tmp_path / "site", "0.9.0")
    _write_json(
        registry, {"base_url": "http://127.0.0.1:9/", "datasets": {NAME: {"0.9.0": hashes}}}
    )
    monkeypatch.setenv(dl.ENV_OFFLINE, "1")
    folder = make_copy(tmp_path / NAME, "1.0.0")
    result = build_cli(folder)
    assert result.exit_code == 0, result.output
    assert "warning: the previous release south-caucasus 0.9.0 is not available" in result.stdout


@pytest.mark.parametrize("previous", ["no-such-folder", "latest"])
def test_bad_previous_is_named(previous: str, tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "1.0.0")
    result = build_cli(folder, "--previous", previous)
    assert result.exit_code == 1
    assert f"--previous {previous}: neither a release folder" in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_version_is_named(tmp_path: Path, registry: Path) -> None:
    monkeypatch_offline = {dl.ENV_OFFLINE: "1"}
    folder = make_copy(tmp_path / NAME, "1.0.0")
    result = runner.invoke(
        app, ["build", str(folder), "--previous", "0.0.7"], env=monkeypatch_offline
    )
    assert result.exit_code == 1
    assert "cannot get south-caucasus 0.0.7" in result.stderr


def test_a_folder_without_manifest_is_refused(tmp_path: Path) -> None:
    folder = make_copy(tmp_path / NAME, "1.0.0")
    (tmp_path / "empty").mkdir()
    result = build_cli(folder, "--previous", str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert "no datapackage.json in this folder" in result.stderr


def _copy_with_events_path(release: Path, tmp_path: Path, path: Any) -> Path:
    """A copy of ``release`` whose manifest gives ``path`` for the events Parquet file."""
    folder = tmp_path / "copy"
    shutil.copytree(release, folder, ignore=shutil.ignore_patterns("records", "sources"))
    manifest = json.loads((folder / dl.MANIFEST).read_text("utf-8"))
    for resource in manifest["resources"]:
        if resource["path"] == "data/events.parquet":
            resource["path"] = path
    _write_json(folder / dl.MANIFEST, manifest)
    return folder


@pytest.mark.parametrize(
    "path",
    ["data/../data/events.parquet", "data//events.parquet", "../events.parquet", "/x.parquet"],
)
def test_release_paths_follow_the_download_rules(release: Path, tmp_path: Path, path) -> None:
    folder = _copy_with_events_path(release, tmp_path, path)
    with pytest.raises(data_versions.DataVersionError, match="refused resource path") as caught:
        data_versions.read_release(folder)
    assert str(folder / dl.MANIFEST) in str(caught.value)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("[1, 2]", "must be an object with 'resources'"),
        ('{"resources": [1]}', "needs a single 'path' string"),
        ('{"resources": [{"path": 7}]}', "needs a single 'path' string"),
        ("{", "not a readable datapackage.json"),
    ],
)
def test_malformed_release_manifests_are_named(tmp_path: Path, manifest, message) -> None:
    (tmp_path / dl.MANIFEST).write_text(manifest, encoding="utf-8")
    with pytest.raises(data_versions.DataVersionError, match=message) as caught:
        data_versions.read_release(tmp_path)
    assert str(tmp_path / dl.MANIFEST) in str(caught.value)


def test_rendered_manifest_follows_the_same_rules() -> None:
    files = {dl.MANIFEST: b'{"resources": [{"path": "data//events.parquet"}]}'}
    with pytest.raises(data_versions.DataVersionError, match="refused resource path"):
        data_versions.rendered_tables(files)


# --- the comparison itself -------------------------------------------------------------


def _release(**tables: pa.Table) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    manifest = {"name": NAME, "resources": [{"path": f"data/{t}.parquet"} for t in tables]}
    return manifest, dict(tables)


def test_compare_tables_levels() -> None:
    old = pa.table({"event_id": ["a", "b", "c"], "n": [1, 2, 3], "tags": [["x"], [], None]})
    new = pa.table({"event_id": ["d", "c", "b"], "n": [4, 3, 20], "tags": [[], ["y"], []]})
    changes = data_versions.compare_tables(_release(events=old), _release(events=new))
    texts = {c.description: c.level for c in changes}
    assert texts == {
        "1 event removed (a)": Level.major,
        "1 event added (d)": Level.minor,
        "2 events changed (b: n, c: tags)": Level.patch,
    }
    assert data_versions.required_level(changes) == Level.major


def test_compare_tables_schema_changes() -> None:
    old = pa.table({"event_id": ["a"], "n": pa.array([1], pa.int32()), "gone": [1.0]})
    new = pa.table({"event_id": ["a"], "n": pa.array([1], pa.int64())})
    extra = pa.table({"link": ["x"]})
    changes = data_versions.compare_tables(
        _release(events=old, sources=extra), _release(events=new, links=extra)
    )
    assert {c.description for c in changes} == {
        "table sources removed",
        "table links added",
        "events: column(s) removed: gone",
        "events: column n retyped: int32 -> int64",
    }
    levels = {c.description: c.level for c in changes}
    assert levels.pop("table links added") == Level.minor  # new tables break no reader
    assert set(levels.values()) == {Level.major}


def test_nulls_and_nans_are_not_changes() -> None:
    table = pa.table({"event_id": ["a", "b"], "x": [None, float("nan")], "s": ["v", None]})
    assert data_versions.compare_tables(_release(events=table), _release(events=table)) == []


def test_many_examples_are_capped() -> None:
    old = pa.table({"event_id": ["a"]})
    new = pa.table({"event_id": ["a", "e", "d", "c", "b"]})
    (change,) = data_versions.compare_tables(_release(events=old), _release(events=new))
    assert change.description == "4 events added (b, c, d ...)"


@pytest.mark.parametrize(
    ("version", "level", "expected"),
    [("1.2.3", Level.patch, "1.2.4"), ("1.2.3", Level.minor, "1.3.0"),
     ("1.2.3", Level.major, "2.0.0")],
)  # fmt: skip
def test_next_version(version: str, level: Level, expected: str) -> None:
    assert data_versions.next_version(version, level) == expected


def test_nested_columns_compare_like_python_values() -> None:
    """Lists and structs are compared with Arrow kernels; the answers equal Python's ``!=``."""
    rng = random.Random(7)
    quantity = pa.struct([pa.field("value", pa.float64()), pa.field("unit", pa.string())])

    def item() -> dict[str, Any] | None:
        if rng.random() < 0.1:
            return None
        return {"value": rng.choice([1.0, 2.0, None]), "unit": rng.choice(["troops", "people"])}

    def items() -> list[Any] | None:
        return None if rng.random() < 0.15 else [item() for _ in range(rng.randint(0, 3))]

    for arrow_type, make in [(pa.list_(quantity), items), (quantity, item)]:
        old = [make() for _ in range(2000)]
        new = [make() if rng.random() < 0.5 else value for value in old]
        ids = [f"e{i:05d}" for i in range(len(old))]
        before = pa.table({"event_id": ids, "q": pa.array(old, arrow_type)})
        after = pa.table({"event_id": ids, "q": pa.array(new, arrow_type)})
        changes = data_versions.compare_tables(_release(events=before), _release(events=after))
        expected = sum(a != b for a, b in zip(old, new, strict=True))
        assert changes[0].description.startswith(f"{expected} events changed"), arrow_type


def test_module_docstring_agrees_with_the_table_levels() -> None:
    text = data_versions.__doc__ or ""
    bullets = {
        level: " ".join(rule.split())
        for level, rule in re.findall(r"^- \*\*(\w+)\*\*: (.*?)(?=^- |^$)", text, re.M | re.S)
    }
    for kind, level in table_diff.TABLE_LEVELS.items():
        assert f"a table (resource) {kind}" in bullets[str(level)], (kind, level)

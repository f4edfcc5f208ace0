"""The build and migrate never write through links, never publish control characters, and
leave committed Parquet files alone when only the pyarrow that wrote them differs."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events import safe_files
from coded_events.cli import app
from coded_events.release import build as publish
from coded_events.release import parquet
from coded_events.spec.versions import SCHEMA_VERSION
from tests.conftest import FIXTURES
from tests.test_build import BIN, make_dataset


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _cli(*args: str) -> Ran:
    """The command, in process (fast); a traceback would show in stderr as in a shell."""
    result = CliRunner().invoke(app, list(args))
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback: " + repr(result.exception)
    return Ran(result.exit_code, result.stdout, stderr)


def _process(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command in its own process."""
    return subprocess.run(
        [str(BIN / "coded-events"), *args], capture_output=True, text=True, check=False
    )


def _files_below(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# --- links ------------------------------------------------------------------------------


def _plant(folder: Path, where: str, victim: Path) -> Path:
    """A symbolic link at ``where`` (below the dataset) pointing at ``victim``."""
    link = folder / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim)
    return link


@pytest.mark.parametrize(
    "where", ["data/links.csv", "data/events.parquet", "datapackage.json", "data"]
)
def test_a_linked_output_is_refused_and_its_target_untouched(tmp_path: Path, where: str) -> None:
    folder = make_dataset(tmp_path / "ds")
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_bytes(b"precious")
    link = _plant(folder, where, outside if where == "data" else victim)
    before = _files_below(folder)
    result = _process("build", str(folder))
    assert result.returncode == 1, result.stdout
    assert str(link) in result.stderr and "symbolic link" in result.stderr
    assert "Traceback" not in result.stderr
    assert _files_below(outside) == {"victim.txt": b"precious"}  # nothing landed there
    assert _files_below(folder) == before  # nothing written anywhere: refused up front
    assert link.is_symlink()
    with pytest.raises(safe_files.LinkRefused):
        publish.build(folder)
    check = _cli("build", str(folder), "--check")  # the check reads no link either
    assert check.returncode == 1 and str(link) in check.stderr, check.stderr


def test_a_linked_record_is_not_read(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    outside = tmp_path / "elsewhere.json"
    shutil.move(folder / "records" / "full.json", outside)
    _plant(folder, "records/full.json", outside)
    result = _cli("build", str(folder))
    assert result.returncode == 1
    assert "full.json" in result.stderr and "Traceback" not in result.stderr
    assert not (folder / "data").exists()


def test_a_linked_dataset_json_is_not_read(tmp_path: Path) -> None:
    """dataset.json linked to a file elsewhere: refused, its title never published."""
    folder = make_dataset(tmp_path / "ds")
    outside = tmp_path / "ext" / "dataset.json"
    outside.parent.mkdir()
    meta = json.loads((folder / "dataset.json").read_text("utf-8"))
    meta["title"] = "TITLE FROM OUTSIDE"
    outside.write_text(json.dumps(meta), encoding="utf-8")
    (folder / "dataset.json").unlink()
    _plant(folder, "dataset.json", outside)
    for args in (["build", str(folder)], ["build", str(folder), "--check"]):
        result = _cli(*args)
        assert result.returncode == 1, result.stdout
        assert f"{folder / 'dataset.json'}: a symbolic link" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not (folder / "data").exists() and not (folder / "datapackage.json").exists()
    with pytest.raises(publish.BuildError, match="symbolic link"):
        publish.render(folder)


def test_a_dataset_folder_named_through_a_link_builds(tmp_path: Path) -> None:
    """Links above the folder the user names are the user's choice (e.g. a linked home)."""
    folder = make_dataset(tmp_path / "real" / "ds")
    (tmp_path / "home").symlink_to(tmp_path / "real")
    result = _cli("build", str(tmp_path / "home" / "ds"))
    assert result.returncode == 0, result.stderr
    assert publish.check(folder) == []


def test_an_output_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    (folder / "data" / "events.csv").mkdir(parents=True)
    result = _cli("build", str(folder))
    assert result.returncode == 1
    assert f"{folder / 'data' / 'events.csv'}: is not a regular file" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in (folder / "data").iterdir()) == ["events.csv"]


def test_unchanged_files_are_not_rewritten_and_debris_is_removed(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    publish.build(folder)
    stamps = {r: (folder / r).stat().st_mtime_ns for r in publish.output_paths()}
    debris = folder / "data" / f"{safe_files.TEMP_PREFIX}left"
    debris.write_bytes(b"half a ta")
    result = _cli("build", str(folder))
    assert result.returncode == 0, result.stderr
    assert "nothing written" in result.stdout and f"removed {debris}" in result.stdout
    assert not debris.exists()
    assert {r: (folder / r).stat().st_mtime_ns for r in publish.output_paths()} == stamps


# --- control characters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "char"),
    [(("events", 0, "coder"), "\x00"), (("events", 0, "notes"), "\x1b"),
     (("events", 0, "location", "name"), "\x0b"), (("source", "title"), "\x07")],
    ids=["nul-coder", "escape-notes", "vtab-location", "bell-title"],
)  # fmt: skip
def test_control_characters_are_refused_with_the_event_and_field(
    tmp_path: Path, place: tuple, char: str
) -> None:
    folder = make_dataset(tmp_path / "ds")
    record = folder / "records" / "hostile.json"
    data = json.loads(record.read_text("utf-8"))
    *parents, key = place
    holder = data
    for step in parents:
        holder = holder[step]
    holder[key] = f"before{char}after"
    record.write_text(json.dumps(data), encoding="utf-8")  # escaped: \u0000
    assert "\\u00" in record.read_text("utf-8")
    result = _cli("build", str(folder))
    assert result.returncode == 1, result.stdout
    assert "hostile.json" in result.stderr and "/" + "/".join(map(str, place)) in result.stderr
    assert "control-character" in result.stderr and "Traceback" not in result.stderr
    assert not (folder / "data").exists()
    assert f"U+{ord(char):04X}" in result.stderr


def test_tab_line_feed_and_carriage_return_are_text(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    record = folder / "records" / "hostile.json"
    data = json.loads(record.read_text("utf-8"))
    data["events"][0]["notes"] = "one\ttwo\nthree\r\nfour"
    record.write_text(json.dumps(data), encoding="utf-8")
    publish.build(folder)
    table = publish.read_csv(folder / "data" / "events.csv", "events")
    assert "one\ttwo\nthree\r\nfour" in table.column("notes").to_pylist()


def test_no_rendered_csv_carries_a_control_character() -> None:
    """The last guard before writing: the rendered bytes themselves are searched."""
    assert publish._csv_control_problems("data/x.csv", b"a,b\r\n1,\tx\r\n") == []
    (problem,) = publish._csv_control_problems("data/x.csv", b"a,b\r\n1,2\r\n3,x\x00y\r\n")
    assert problem.startswith("data/x.csv: line 3 ") and "U+0000" in problem


# --- Parquet written by another pyarrow --------------------------------------------------


def _as_if_written_by(content: bytes, writer: str) -> bytes:
    """The same Parquet file with another ``created_by``: the footer string, same length."""
    old = publish.parquet_writer(content).encode()
    new = writer.encode()
    assert len(new) == len(old) and content.count(old) == 1
    changed = content.replace(old, new)
    assert publish.parquet_writer(changed) == writer
    return changed


def _other_writer() -> str:
    current = f"parquet-cpp-arrow version {pa.__version__}"
    other = "".join("9" if c.isdigit() else c for c in pa.__version__)
    assert other != pa.__version__
    return current.replace(pa.__version__, other)


def _relayout(content: bytes) -> bytes:
    """The same table rewritten with other page sizes and no statistics: other bytes, same
    rows, schema and metadata (what a newer pyarrow with other defaults may write)."""
    table = pq.read_table(pa.BufferReader(content))
    meta = pq.read_metadata(pa.BufferReader(content))
    sink = pa.BufferOutputStream()
    options = {**parquet.PARQUET_OPTIONS, "write_statistics": False}
    pq.write_table(
        table, sink, row_group_size=parquet.ROW_GROUP_SIZE, data_page_size=64,
        sorting_columns=meta.row_group(0).sorting_columns, **options,
    )  # fmt: skip
    return sink.getvalue().to_pybytes()


def _describe(folder: Path, relative: str, content: bytes) -> None:
    """Edit the manifest's bytes and sha256 of one file, as a build that wrote it would."""
    path = folder / "datapackage.json"
    text = path.read_text("utf-8")
    package = json.loads(text)
    (resource,) = [r for r in package["resources"] if r["path"] == relative]
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    text = text.replace(resource["hash"], digest)
    text = text.replace(f'"bytes": {resource["bytes"]},', f'"bytes": {len(content)},', 1)
    path.write_text(text, encoding="utf-8")


def _manifest_describes_the_files(folder: Path) -> None:
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    for resource in package["resources"]:
        content = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content), resource["path"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    assert publish.manifest_mismatches(folder) == []


@pytest.mark.parametrize("relayout", [False, True], ids=["writer-string", "writer-and-pages"])
def test_parquet_of_another_writer_is_kept_and_reported(tmp_path: Path, relayout: bool) -> None:
    folder = make_dataset(tmp_path / "ds")
    publish.build(folder)
    pinned = {r: (folder / r).read_bytes() for r in publish.output_paths()}
    events = folder / "data" / "events.parquet"
    theirs = pinned["data/events.parquet"]
    theirs = _as_if_written_by(_relayout(theirs) if relayout else theirs, _other_writer())
    assert theirs != pinned["data/events.parquet"]
    assert publish.same_parquet_content(theirs, pinned["data/events.parquet"])
    events.write_bytes(theirs)
    _describe(folder, "data/events.parquet", theirs)  # as their build wrote the manifest
    _manifest_describes_the_files(folder)

    stamps = {r: (folder / r).stat().st_mtime_ns for r in publish.output_paths()}
    result = _cli("build", str(folder))
    assert result.returncode == 0, result.stderr
    assert f"kept {events}" in result.stdout and "only the writer differs" in result.stdout
    assert _other_writer() in result.stdout
    assert "wrote" not in result.stdout  # the checkout stays clean
    assert {r: (folder / r).stat().st_mtime_ns for r in publish.output_paths()} == stamps
    check = _cli("build", str(folder), "--check")
    assert check.returncode == 0, check.stderr
    assert "only the writer differs" in check.stdout
    # the other tables and formats are the pinned bytes
    for relative in publish.output_paths():
        if relative not in ("data/events.parquet", "datapackage.json"):
            assert (folder / relative).read_bytes() == pinned[relative], relative


def test_a_parquet_file_of_another_writer_and_an_old_manifest_is_repaired(tmp_path: Path) -> None:
    """The newcomer's case: their file is committed, the manifest hashes the pinned one.
    The build keeps the file and rewrites only the manifest so that it describes it."""
    folder = make_dataset(tmp_path / "ds")
    publish.build(folder)
    events = folder / "data" / "events.parquet"
    theirs = _as_if_written_by(events.read_bytes(), _other_writer())
    events.write_bytes(theirs)
    assert publish.manifest_mismatches(folder)  # torn: the manifest hashes the old bytes
    assert publish.check(folder) == ["datapackage.json"]
    result = publish.build(folder)
    assert [p.name for p in result.written] == ["datapackage.json"]
    assert list(result.kept) == [events]
    assert events.read_bytes() == theirs
    _manifest_describes_the_files(folder)


@pytest.mark.parametrize(
    "change", ["rows", "metadata", "unreadable"], ids=["rows", "metadata", "unreadable"]
)
def test_parquet_whose_content_differs_is_replaced(tmp_path: Path, change: str) -> None:
    folder = make_dataset(tmp_path / "ds")
    publish.build(folder)
    events = folder / "data" / "events.parquet"
    fresh = events.read_bytes()
    table = pq.read_table(events)
    meta = json.loads((folder / "dataset.json").read_text("utf-8"))
    if change == "rows":
        stale = publish.parquet_bytes("events", table.slice(0, 1), meta)
    elif change == "metadata":
        stale = publish.parquet_bytes("events", table, {**meta, "version": "0.9.0"})
    else:
        stale = fresh[: len(fresh) // 2]
    assert not publish.same_parquet_content(stale, fresh)
    events.write_bytes(
        _as_if_written_by(stale, _other_writer()) if change != "unreadable" else stale
    )
    result = publish.build(folder)
    assert events in result.written and not result.kept
    assert events.read_bytes() == fresh
    _manifest_describes_the_files(folder)


def test_same_parquet_content_sees_each_metadata_key_and_the_rows() -> None:
    table = pa.table({"a": [1, 2]})
    first = _parquet_with(table, {b"coded_events.schema_version": SCHEMA_VERSION.encode()})
    second = _parquet_with(table, {b"coded_events.schema_version": b"0.0.1"})
    third = _parquet_with(table.slice(1), {b"coded_events.schema_version": b"0.0.1"})
    assert publish.same_parquet_content(first, first)
    assert not publish.same_parquet_content(first, second)
    assert not publish.same_parquet_content(second, third)


def _parquet_with(table: pa.Table, metadata: dict[bytes, bytes]) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(metadata), sink, **parquet.PARQUET_OPTIONS)
    return sink.getvalue().to_pybytes()


# --- migrate ----------------------------------------------------------------------------


def _old_record(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "old.json"
    shutil.copy(FIXTURES / "migrate" / "1.0.0-full.json", target)
    return target


def test_migrate_refuses_a_linked_record_and_leaves_its_target(tmp_path: Path) -> None:
    victim = _old_record(tmp_path / "outside")
    before = victim.read_bytes()
    records = tmp_path / "records"
    records.mkdir()
    (records / "linked.json").symlink_to(victim)
    for named in (records, records / "linked.json"):
        result = _cli("migrate", str(named))
        assert result.returncode == 1, result.stdout
        assert f"{records / 'linked.json'}: is a symbolic link" in result.stderr
        assert "Traceback" not in result.stderr
        assert victim.read_bytes() == before


def test_migrate_refuses_a_linked_folder_below_the_named_one(tmp_path: Path) -> None:
    victim = _old_record(tmp_path / "outside")
    before = victim.read_bytes()
    records = tmp_path / "records"
    records.mkdir()
    (records / "more").symlink_to(tmp_path / "outside")
    from coded_events.spec import migrate

    with pytest.raises(safe_files.LinkRefused) as caught:
        migrate.migrate_file(records / "more" / "old.json", root=records)
    assert caught.value.path == records / "more"
    assert victim.read_bytes() == before


def test_migrate_writes_atomically_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = _old_record(tmp_path / "records")
    result = _cli("migrate", str(tmp_path / "records"))
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text("utf-8"))["schema_version"] == SCHEMA_VERSION
    assert [p.name for p in (tmp_path / "records").iterdir()] == ["old.json"]

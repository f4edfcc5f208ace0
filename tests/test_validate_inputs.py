"""What the validator is given: links, odd files, empty folders, metadata files, control
characters (issue 13 items 2, 8, 10; issue 11 item 4). Each case failed before its fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.records.validate import validate_paths
from tests.conftest import FIXTURES, ROOT

runner = CliRunner()
REAL = ROOT / "datasets" / "south-caucasus"
MINIMAL = FIXTURES / "valid" / "minimal.json"
ARTICLE = FIXTURES / "sources" / "myind-2024-04-17-russia-peacekeepers-withdrawal.txt"
BIN = Path(sys.executable).parent


def _dataset(folder: Path) -> Path:
    """A valid dataset folder: dataset.json, one record, its source text."""
    (folder / "records").mkdir(parents=True)
    (folder / "sources").mkdir()
    shutil.copy(REAL / "dataset.json", folder / "dataset.json")
    shutil.copy(ARTICLE, folder / "sources" / ARTICLE.name)
    shutil.copy(MINIMAL, folder / "records" / "minimal.json")
    return folder


def _found(paths: list[Path]) -> list[tuple[str, str]]:
    return sorted((f.code, f.file) for f in validate_paths(paths))


def _exit(*args: str) -> int:
    return runner.invoke(app, ["validate", *args]).exit_code


def test_the_dataset_folder_made_here_is_valid(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    assert _found([ds]) == []
    assert _exit(str(ds)) == 0


# --- links below the dataset folder (issue 13 item 2) ---------------------------------------


def test_records_linked_to_a_system_folder(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    shutil.rmtree(ds / "records")
    (ds / "records").symlink_to("/etc")
    found = validate_paths([ds])
    assert ("symlinked-file", str(ds / "records")) in {(f.code, f.file) for f in found}
    assert not any(f.file.startswith("/etc") for f in found)
    assert _exit(str(ds)) == 1


def test_records_linked_to_records_elsewhere_are_not_read(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    outside = tmp_path / "outside"
    (ds / "records").rename(outside)
    (outside / "bad.json").write_text("{}")
    (ds / "records").symlink_to(outside)
    found = validate_paths([ds])
    assert ("symlinked-file", str(ds / "records")) in {(f.code, f.file) for f in found}
    assert not any("bad.json" in f.file or "minimal.json" in f.file for f in found)
    assert _exit(str(ds)) == 1


@pytest.mark.parametrize("name", ["sources", "data"])
def test_linked_sources_or_data_folder(tmp_path: Path, name: str) -> None:
    ds = _dataset(tmp_path / "ds")
    elsewhere = tmp_path / f"{name}-elsewhere"
    if name == "sources":
        (ds / "sources").rename(elsewhere)
    else:
        shutil.copytree(REAL / "data", elsewhere)
    (ds / name).symlink_to(elsewhere)
    assert ("symlinked-file", str(ds / name)) in _found([ds])
    assert _exit(str(ds)) == 1


def test_linked_sources_folder_refused_when_a_record_is_named(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    (ds / "sources").rename(tmp_path / "texts")
    (ds / "sources").symlink_to(tmp_path / "texts")
    record = ds / "records" / "minimal.json"
    assert _found([record]) == [("symlinked-file", str(ds / "sources"))]


def test_link_to_a_source_text_names_the_link(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    text = ds / "sources" / ARTICLE.name
    text.rename(tmp_path / "article.txt")
    text.symlink_to(tmp_path / "article.txt")
    assert _found([ds]) == [("symlinked-file", str(text))]


def test_linked_metadata_and_retired_ids(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    (tmp_path / "ids.txt").write_text("fixture-0001\n")
    (ds / "retired_ids.txt").symlink_to(tmp_path / "ids.txt")
    (ds / "dataset.json").rename(tmp_path / "dataset.json")
    (ds / "dataset.json").symlink_to(tmp_path / "dataset.json")
    found = _found([ds])
    assert ("symlinked-file", str(ds / "retired_ids.txt")) in found
    assert ("symlinked-file", str(ds / "dataset.json")) in found
    assert "retired-event-id" not in {code for code, _ in found}  # the link was not read


def test_links_above_the_named_path_are_the_users(tmp_path: Path) -> None:
    real = tmp_path / "real"
    _dataset(real / "ds")
    (tmp_path / "home").symlink_to(real)  # a home folder that is a link (clusters)
    assert _found([tmp_path / "home" / "ds"]) == []
    assert _found([tmp_path / "home" / "ds" / "records" / "minimal.json"]) == []


def test_link_inside_records_below_a_plain_folder(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(MINIMAL, folder / "a.json")
    (folder / "more").symlink_to("/etc")
    assert ("symlinked-file", str(folder / "more")) in _found([folder])


# --- paths that are not regular files (issue 13 item 10) ------------------------------------


def test_folder_named_like_a_record_given_or_found(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    evil = ds / "records" / "evil.json"
    evil.mkdir()
    (hit,) = validate_paths([evil])
    assert (hit.code, hit.file) == ("not-regular-file", str(evil))
    assert "not a regular file (it is a directory)" in hit.message
    assert _found([ds]) == [("not-regular-file", str(evil))]
    assert _exit(str(evil)) == 1


def test_fifo_record_found_in_records(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    os.mkfifo(ds / "records" / "pipe.json")
    (hit,) = validate_paths([ds])
    assert hit.code == "not-regular-file"
    assert "(it is a FIFO)" in hit.message


def test_fifo_events_csv_is_the_only_table(tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    (folder / "data").mkdir(parents=True)
    os.mkfifo(folder / "data" / "events.csv")
    for given in (folder, folder / "data", folder / "data" / "events.csv"):
        (hit,) = validate_paths([given])
        assert (hit.code, hit.file) == ("not-regular-file", str(folder / "data" / "events.csv"))
        assert "not a regular file (it is a FIFO)" in hit.message
        assert _exit(str(given)) == 1


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_source_text_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    ds = _dataset(tmp_path / "ds")
    text = ds / "sources" / ARTICLE.name
    text.unlink()
    os.mkfifo(text) if kind == "fifo" else text.mkdir()
    found = validate_paths([ds])
    assert [(f.code, f.file) for f in found] == [("not-regular-file", str(text))]
    assert "does not exist" not in found[0].message
    assert ("a FIFO" if kind == "fifo" else "a directory") in found[0].message


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "coded-events"), "validate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("cut", [0, 4], ids=["parquet-bytes", "parquet-bytes-without-magic"])
def test_parquet_bytes_saved_as_csv(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes((REAL / "data" / "events.parquet").read_bytes()[cut:])
    result = _cli(str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "UnicodeDecodeError" not in result.stderr
    assert result.stderr == ""
    assert "file-unreadable" in result.stdout


def test_csv_with_bytes_not_utf8_in_a_malformed_row(tmp_path: Path) -> None:
    header = (REAL / "data" / "events.csv").read_bytes().split(b"\n")[0]
    path = tmp_path / "events.csv"
    path.write_bytes(header + b"\n\xff\xfe,x\n")
    result = _cli(str(path))
    assert (result.returncode, result.stderr) == (1, "")
    assert "not UTF-8 text" in result.stdout and "save the file as UTF-8" in result.stdout
    assert "Check that the path names a regular file you can read." not in result.stdout


# --- nothing to check (issue 11 item 4) ---------------------------------------------------


def test_empty_folder_fails(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _found([empty]) == [("nothing-to-check", str(empty))]
    assert _exit(str(empty)) == 1
    assert _exit("--format", "json", str(empty)) == 1
    result = runner.invoke(app, ["validate", str(empty)])
    assert "holds no record file" in result.stdout


def test_folder_of_metadata_only_fails(tmp_path: Path) -> None:
    folder = tmp_path / "wrong"
    folder.mkdir()
    shutil.copy(REAL / "dataset.json", folder / "dataset.json")
    assert _found([folder]) == [("nothing-to-check", str(folder))]
    ds = _dataset(tmp_path / "ds")
    (ds / "records" / "minimal.json").unlink()
    assert _found([ds]) == [("nothing-to-check", str(ds))]
    assert _exit(str(ds)) == 1


def test_nested_datasets_and_the_real_dataset_pass(tmp_path: Path) -> None:
    _dataset(tmp_path / "all" / "ds")
    assert _found([tmp_path / "all"]) == []
    assert _found([REAL]) == []
    assert _exit(str(REAL)) == 0


# --- metadata files (issue 11 item 4) ----------------------------------------------------


def test_metadata_files_are_checked_for_what_they_are(tmp_path: Path) -> None:
    assert _found([REAL / "dataset.json", REAL / "datapackage.json"]) == []
    folder = tmp_path / "plain"
    folder.mkdir()
    shutil.copy(MINIMAL, folder / "a.json")
    shutil.copy(REAL / "dataset.json", folder / "dataset.json")
    shutil.copy(REAL / "datapackage.json", folder / "datapackage.json")
    found = _found([folder])  # neither reported as a record that lacks events
    assert [file for _, file in found] == [str(folder / "a.json")]  # (its text is elsewhere)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda m: m.pop("version"), ""),
        (lambda m: m.update(version="1.0"), "/version"),
        (lambda m: m.update(licenses="CC-BY-4.0"), "/licenses"),
    ],
    ids=["no-version", "version-not-semver", "licenses-not-a-list"],
)
def test_broken_dataset_metadata(tmp_path: Path, change, pointer: str) -> None:
    ds = _dataset(tmp_path / "ds")
    meta = json.loads((ds / "dataset.json").read_text("utf-8"))
    change(meta)
    (ds / "dataset.json").write_text(json.dumps(meta), "utf-8")
    (hit,) = validate_paths([ds])
    assert (hit.code, hit.file, hit.pointer) == (
        "invalid-dataset-metadata",
        str(ds / "dataset.json"),
        pointer,
    )
    assert hit.line is None or hit.line >= 1


def test_dataset_metadata_not_json_and_not_an_object(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    (ds / "dataset.json").write_text("{'name': 1}")
    assert [c for c, _ in _found([ds])] == ["json-syntax"]
    (ds / "dataset.json").write_text("[]")
    assert [c for c, _ in _found([ds])] == ["invalid-dataset-metadata"]


def test_broken_package_manifest(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    manifest = json.loads((REAL / "datapackage.json").read_text("utf-8"))
    manifest["resources"][0]["path"] = "../../etc/passwd"
    (ds / "datapackage.json").write_text(json.dumps(manifest), "utf-8")
    (hit,) = validate_paths([ds])
    assert (hit.code, hit.pointer) == ("invalid-package-manifest", "/resources/0/path")
    (ds / "datapackage.json").write_text('{"name": "x"}', "utf-8")
    (hit,) = validate_paths([ds / "datapackage.json"])
    assert hit.code == "invalid-package-manifest"


# --- control characters (issue 13 item 8) -------------------------------------------------


def _record_with(tmp_path: Path, edit) -> Path:
    ds = _dataset(tmp_path / "ds")
    record = ds / "records" / "minimal.json"
    document = json.loads(record.read_text("utf-8"))
    edit(document)
    record.write_text(json.dumps(document), "utf-8")
    return record


@pytest.mark.parametrize(
    ("edit", "pointer"),
    [
        (lambda d: d["events"][0].update(coder="fix\x00ture"), "/events/0/coder"),
        (lambda d: d["events"][0].update(notes="bell\x07"), "/events/0/notes"),
        (lambda d: d["source"].update(title="back\bspace"), "/source/title"),
        (lambda d: d["events"][0]["location"].update(name="x\x1f"), "/events/0/location/name"),
    ],
    ids=["nul-coder", "bell-notes", "backspace-title", "unit-separator-place"],
)
def test_control_characters_in_records(tmp_path: Path, edit, pointer: str) -> None:
    record = _record_with(tmp_path, edit)
    hits = [f for f in validate_paths([record]) if f.code == "control-character"]
    assert [(f.pointer, f.line is not None) for f in hits] == [(pointer, True)]


def test_control_character_in_a_key_and_allowed_white_space(tmp_path: Path) -> None:
    record = _record_with(tmp_path, lambda d: d["events"][0].update(notes="a\tb\nc\r\nd"))
    assert validate_paths([record]) == []
    record.write_text(record.read_text("utf-8").replace('"notes"', '"no\\u0001tes"'), "utf-8")
    codes = {f.code for f in validate_paths([record])}
    assert "control-character" in codes


def _tables_with_control_characters(tmp_path: Path) -> tuple[Path, Path]:
    table = pq.read_table(REAL / "data" / "events.parquet")
    index = table.schema.get_field_index("coder")
    coder = pc.binary_join_element_wise(table["coder"], pa.scalar("\x00"), "")
    parquet = tmp_path / "p" / "events.parquet"
    parquet.parent.mkdir()
    pq.write_table(table.set_column(index, "coder", coder), parquet)
    lines = (REAL / "data" / "events.csv").read_text("utf-8").split("\n")
    lines[1] = lines[1].replace("coded-events team", "coded\x00events team", 1)
    csv_path = tmp_path / "c" / "events.csv"
    csv_path.parent.mkdir()
    csv_path.write_text("\n".join(lines), "utf-8")
    return parquet, csv_path


def test_control_characters_in_flat_tables(tmp_path: Path) -> None:
    parquet, csv_path = _tables_with_control_characters(tmp_path)
    assert "coded-events team" in (REAL / "data" / "events.csv").read_text("utf-8")
    for path in (parquet, csv_path):
        found = validate_paths([path])
        hits = [f for f in found if f.code == "control-character" and f.line is not None]
        assert hits, path
        assert {f.pointer.rsplit("/", 1)[1] for f in hits} == {"coder"}
        assert "U+0000" in hits[0].message
    assert _exit(str(csv_path)) == 1


def test_a_named_folder_that_is_a_link_is_the_users(tmp_path: Path) -> None:
    """The path the user names may be a link (like build's); links below it are refused."""
    real = tmp_path / "real"
    _dataset(real / "ds")
    (tmp_path / "rootlink").symlink_to(real / "ds")
    assert _found([tmp_path / "rootlink"]) == []
    assert _found([tmp_path / "rootlink" / "records"]) == []
    (real / "ds" / "records" / "more.json").symlink_to(real / "ds" / "records" / "minimal.json")
    assert _found([tmp_path / "rootlink"]) == [
        ("symlinked-file", str(tmp_path / "rootlink" / "records" / "more.json"))
    ]


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_not_regular_file_hint_reads_well(tmp_path: Path, kind: str) -> None:
    """The hint said "remove the a FIFO" and named only record files."""
    path = tmp_path / "events.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path = tmp_path / "x.json"
        path.mkdir()
    else:
        path = Path("/dev/null")
    (hit,) = validate_paths([path])
    assert hit.code == "not-regular-file"
    assert " the a " not in hit.hint and " the an " not in hit.hint
    assert "events.csv" in hit.hint and "*.json" in hit.hint


def test_missing_source_text_hint_names_the_file_without_quotes(tmp_path: Path) -> None:
    records = tmp_path / "ds" / "records"
    records.mkdir(parents=True)
    shutil.copy(MINIMAL, records / "minimal.json")
    (hit,) = [f for f in validate_paths([records]) if f.code == "source-text-missing"]
    source_id = json.loads(MINIMAL.read_text(encoding="utf-8"))["source"]["source_id"]
    assert str(tmp_path / "ds" / "sources" / f"{source_id}.txt") in hit.hint
    assert "'" not in hit.hint

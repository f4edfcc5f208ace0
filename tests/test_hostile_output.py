"""Hostile files against the commands that read them: a damaged Parquet file whose manifest
hash matches, columns of another type than the table spec's, control characters meant for
the terminal in values the text output shows, and an unreadable Parquet file of no known
name. Each gets a clear message, never a traceback, and no raw control character reaches
the terminal (JSON output stays exact)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from coded_events.cli import app
from coded_events.flat import validate_flat
from coded_events.safe_files import sha256_file
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
EVENTS = DATASET / "data" / "events.parquet"
TITLE_AND_CLEAR = "\x1b]0;PWNED\x07\x1b[2J"
"""Sets the terminal's title and clears the screen, when a terminal receives it raw."""
SHOWN = "\\x1b]0;PWNED\\x07\\x1b[2J"
"""The same, as the text output must show it."""


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


def release_copy(folder: Path, change: Callable[[Path], None] | None = None) -> Path:
    """A copy of the published release (manifest and data/), ``events.parquet`` changed by
    ``change`` and the manifest's bytes and sha256 updated to match, as an attacker would."""
    (folder / "data").mkdir(parents=True)
    for file in (DATASET / "data").iterdir():
        shutil.copy(file, folder / "data" / file.name)
    manifest = json.loads((DATASET / "datapackage.json").read_text("utf-8"))
    if change is not None:
        events = folder / "data" / "events.parquet"
        change(events)
        for resource in manifest["resources"]:
            if resource["path"] == "data/events.parquet":
                resource["hash"] = f"sha256:{sha256_file(events)}"
                resource["bytes"] = events.stat().st_size
    (folder / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def _retyped(column: str, values: Callable[[pa.ChunkedArray], pa.Array]) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        table = pq.read_table(path)
        i = table.schema.get_field_index(column)
        array = values(table[column])
        table = table.set_column(i, pa.field(column, array.type, nullable=True), array)
        pq.write_table(table, path)

    return change


# --- a damaged Parquet file whose hash matches ------------------------------------------


@pytest.mark.parametrize("side", ["candidate", "reference"])
def test_compare_names_a_truncated_parquet_file(tmp_path: Path, side: str) -> None:
    damaged = release_copy(tmp_path / "damaged", _truncate)
    pair = [str(DATASET), str(damaged)]
    result = _run("compare", *(pair if side == "candidate" else pair[::-1]))
    _no_traceback(result)
    assert result.exit_code == 1, result.output
    assert str(damaged / "data" / "events.parquet") in result.stderr, result.stderr
    assert result.stdout == ""


def test_info_names_a_truncated_parquet_file(tmp_path: Path) -> None:
    damaged = release_copy(tmp_path / "damaged", _truncate)
    result = _run("info", str(damaged))
    _no_traceback(result)
    assert result.exit_code == 1, result.output
    assert str(damaged / "data" / "events.parquet") in result.stderr, result.stderr
    assert result.stdout == ""  # refused before a half report


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        (
            "date_start",
            lambda c: pa.compute.cast(c, pa.string()).combine_chunks(),
            "column date_start is string; the table spec says date32[day]",
        ),
        (
            "quad_class",
            lambda c: pa.compute.cast(c, pa.string()).combine_chunks(),
            "column quad_class is string; the table spec says int8",
        ),
        (
            "cameo_code",
            lambda c: pa.array([int(v) for v in c.to_pylist()], pa.int64()),
            "column cameo_code is int64; the table spec says string (dictionary)",
        ),
        (
            "date_end",
            lambda c: pa.array([None, *c.to_pylist()[1:]], pa.date32()),
            "column date_end holds 1 null value(s)",
        ),
    ],
    ids=["date-as-string", "quadclass-as-string", "code-as-integer", "null-date"],
)
def test_compare_refuses_a_column_of_another_type(
    tmp_path: Path, column: str, values: Callable[[pa.ChunkedArray], pa.Array], message: str
) -> None:
    candidate = release_copy(tmp_path / "retyped", _retyped(column, values))
    result = _run("compare", str(DATASET), str(candidate))
    _no_traceback(result)
    assert result.exit_code == 1, result.output
    assert f"{candidate}: the events table's {message}" in result.stderr, result.stderr


def test_compare_refuses_a_provenance_table_of_another_type(tmp_path: Path) -> None:
    candidate = release_copy(tmp_path / "prov")
    ids = pq.read_table(EVENTS)["event_id"].to_pylist()
    pq.write_table(
        pa.table({"event_id": list(range(len(ids))), "producer": ["x"] * len(ids)}),
        candidate / "data" / "provenance.parquet",
    )
    manifest = json.loads((candidate / "datapackage.json").read_text("utf-8"))
    for resource in manifest["resources"]:
        if resource["path"] == "data/provenance.parquet":
            resource.pop("hash")
    (candidate / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = _run("compare", str(DATASET), str(candidate))
    _no_traceback(result)
    assert result.exit_code == 1, result.output
    assert "the provenance table's column event_id is int64" in result.stderr, result.stderr


# --- control characters in text output --------------------------------------------------


def test_validate_text_shows_a_malformed_rows_control_characters_escaped(tmp_path: Path) -> None:
    header = (DATASET / "data" / "events.csv").read_bytes().split(b"\r\n")[0]
    path = tmp_path / "events.csv"
    path.write_bytes(header + b"\r\n" + TITLE_AND_CLEAR.encode() + b",x\r\n")
    text = _run("validate", str(path))
    assert text.exit_code == 1, text.output
    assert "malformed-row: a CSV row has 2 field(s) where the header has" in text.stdout
    assert SHOWN in text.stdout
    assert not any(c in text.stdout for c in "\x1b\x07"), text.stdout
    github = _run("validate", str(path), "--format", "github")
    assert SHOWN in github.stdout and "\x1b" not in github.stdout, github.stdout
    as_json = json.loads(_run("validate", str(path), "--format", "json").stdout)
    [finding] = [f for f in as_json if f["code"] == "malformed-row"]
    assert TITLE_AND_CLEAR in finding["message"]  # JSON stays exact


def test_bidirectional_controls_in_a_row_are_shown_escaped(tmp_path: Path) -> None:
    """A right-to-left override would reorder the rest of the finding's line."""
    header = (DATASET / "data" / "events.csv").read_bytes().split(b"\r\n")[0]
    path = tmp_path / "events.csv"
    path.write_bytes(header + b"\r\n" + "abc\u202edef\u2066,x".encode() + b"\r\n")
    text = _run("validate", str(path))
    assert "abc\\u202edef\\u2066,x" in text.stdout, text.stdout
    assert "\u202e" not in text.stdout and "\u2066" not in text.stdout


def _hostile_candidate(folder: Path) -> Path:
    """The release with one event id carrying terminal controls (and a DEL and a C1 CSI)."""

    def change(path: Path) -> None:
        table = pq.read_table(path)
        ids = table["event_id"].to_pylist()
        ids[0] += TITLE_AND_CLEAR + "\x7f\x9b"
        i = table.schema.get_field_index("event_id")
        pq.write_table(table.set_column(i, table.schema.field(i), pa.array(ids)), path)

    return release_copy(folder, change)


def test_compare_text_shows_candidate_values_escaped(tmp_path: Path) -> None:
    candidate = _hostile_candidate(tmp_path / "hostile")
    text = _run("compare", str(DATASET), str(candidate))
    assert text.exit_code == 0, text.output
    assert SHOWN + "\\x7f\\x9b" in text.stdout
    assert not any(c in text.stdout for c in "\x1b\x07\x7f\x9b"), text.stdout
    as_json = _run("compare", str(DATASET), str(candidate), "--format", "json")
    ids = {row["event_id"] for e in json.loads(as_json.stdout)["events"] for row in e["best"]}
    assert any(TITLE_AND_CLEAR + "\x7f\x9b" in i for i in ids)  # JSON stays exact


def test_info_shows_a_manifests_title_escaped(tmp_path: Path) -> None:
    folder = release_copy(tmp_path / "titled")
    manifest = json.loads((folder / "datapackage.json").read_text("utf-8"))
    manifest["title"] = "South" + TITLE_AND_CLEAR
    (folder / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = _run("info", str(folder))
    assert result.exit_code == 0, result.output
    assert "South" + SHOWN in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


# --- an unreadable Parquet file of no known name ----------------------------------------


def test_an_unreadable_parquet_file_of_no_known_name_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "trunc.parquet").write_bytes(EVENTS.read_bytes()[:1000])
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    found = validate_flat([tmp_path / "trunc.parquet", tmp_path / "junk.parquet"]).findings
    assert sorted((f.code, Path(f.file).name) for f in found) == [
        ("file-unreadable", "junk.parquet"),
        ("file-unreadable", "trunc.parquet"),
    ]
    trunc = next(f for f in found if f.file.endswith("trunc.parquet"))
    assert "ArrowInvalid" in trunc.message and "magic bytes" in trunc.message
    result = _run("validate", str(tmp_path / "trunc.parquet"))
    assert result.exit_code == 1 and "file-unreadable" in result.stdout
    assert "unknown-table" not in result.stdout


def test_a_line_break_in_a_value_cannot_forge_a_finding_line(tmp_path: Path) -> None:
    """Each finding is one line: a quoted value's line break is shown escaped."""
    header = (DATASET / "data" / "events.csv").read_bytes().split(b"\r\n")[0]
    path = tmp_path / "events.csv"
    forged = "events.csv:9:1: error fake-code: all good"
    path.write_bytes(header + b"\r\n" + f'"abc\n{forged}",x'.encode() + b"\r\n")
    text = _run("validate", str(path))
    assert text.exit_code == 1, text.output
    assert not any(line.startswith(forged) for line in text.stdout.splitlines())
    assert f"abc\\x0a{forged}" in text.stdout


def test_import_text_output_escapes_names_from_the_input(tmp_path: Path) -> None:
    import zipfile

    rows = (ROOT / "tests" / "fixtures" / "importers" / "gdelt2__ids.tsv").read_bytes()
    archive = tmp_path / "esc.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(TITLE_AND_CLEAR + "\u202ea.CSV", rows)
    text = _run("import", "gdelt2", str(archive), "--out", str(tmp_path / "out"))
    assert SHOWN + "\\u202ea.CSV" in text.stdout, text.stdout
    assert not any(c in text.stdout for c in "\x1b\x07\u202e")

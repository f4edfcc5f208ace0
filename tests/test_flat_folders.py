"""A folder given to ``coded-events validate``: every .csv and .parquet file in it is
checked, those not named after a table too (told apart by their metadata or columns, else
``unknown-table``); none is skipped without a word."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.flat import validate_flat
from tests.conftest import ROOT

DATA = ROOT / "datasets" / "south-caucasus" / "data"


def test_a_table_under_another_name_is_checked_as_its_table(tmp_path: Path) -> None:
    shutil.copy(DATA / "events.csv", tmp_path / "mytable.csv")
    result = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert "nothing-to-check" not in result.output, result.output
    report = validate_flat([tmp_path])
    assert report.rows.get("events") == 24, report.rows


def test_a_file_of_no_table_beside_the_tables_is_reported(tmp_path: Path) -> None:
    shutil.copy(DATA / "events.csv", tmp_path / "events.csv")
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    findings = validate_flat([tmp_path]).findings
    assert [(f.code, Path(f.file).name) for f in findings if f.code == "unknown-table"] == [
        ("unknown-table", "notes.csv")
    ]


def test_a_damaged_file_of_no_table_name_is_unreadable_locally_and_by_url(
    tmp_path: Path,
) -> None:
    """Not ``unknown-table``: its footer cannot be read, so nothing tells its table (a URL
    is read through fsspec on the Dask engine)."""
    pytest.importorskip("fsspec")
    damaged = tmp_path / "trunc.parquet"
    damaged.write_bytes((DATA / "events.parquet").read_bytes()[:500])
    pytest.importorskip("dask")
    for given, engine in ((damaged, "local"), (damaged.as_uri(), "dask")):
        codes = {f.code for f in validate_flat([given], engine=engine).findings}
        assert codes == {"file-unreadable"}, (given, codes)


def test_a_folder_of_records_with_a_stray_table_file_is_still_checked_as_records(
    tmp_path: Path,
) -> None:
    """A stray .csv beside record files does not make the folder a folder of tables (the
    records went unchecked, and a run could pass)."""
    records = ROOT / "datasets" / "south-caucasus" / "records"
    folder = tmp_path / "records"
    shutil.copytree(records, folder)
    record = next(folder.glob("*.json"))
    record.write_text(record.read_text(encoding="utf-8").replace('"sc-0001"', '"SC 1"', 1))
    (folder / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1, result.output
    assert "invalid-id" in result.output or "schema" in result.output, result.output
    assert "unknown-table" not in result.output

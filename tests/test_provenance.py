"""Provenance (schema 1.2.0): an event needs evidence quotes or provenance, in records and
in flat tables; the provenance table round-trips; imported-style tables, with the columns
a producer does not give left empty, validate."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events import cli
from coded_events.flat import validate_flat
from coded_events.records.validate import validate_paths
from coded_events.release import rows as tables
from coded_events.spec.models import SourceDocument
from tests.conftest import FIXTURES
from tests.test_flat import DATA, Rows, event_of, record_codes, write

PROVENANCE_FIXTURE = FIXTURES / "valid" / "provenance.json"
EXPORT = FIXTURES / "compare" / "synthetic.export.CSV"


@pytest.fixture(scope="module")
def rows() -> Rows:
    """The committed south-caucasus tables, as rows."""
    names = [t for t in tables.ARROW_SCHEMAS if (DATA / f"{t}.parquet").is_file()]
    return {t: pq.read_table(DATA / f"{t}.parquet").to_pylist() for t in names}


def _provenance_row(event_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "producer": "GDELT",
        "producer_version": "2.0",
        "producer_event_id": "1161357865",
        "source_url": "BBC Monitoring",  # verbatim, not a URL: allowed here
        "story_id": None,
        "input_file": "20240417.export.CSV",
        "input_line": 7,
        "producer_fields": '{"NumMentions":"10","AvgTone":"-2.5"}',
        **extra,
    }


def _codes(found: list) -> list[tuple[str, str]]:
    return sorted((f.code, f.pointer) for f in found)


def test_event_without_evidence_is_an_error_in_records_and_tables(
    tmp_path: Path, rows: Rows
) -> None:
    def drop(document: dict[str, Any]) -> None:
        event_of(document, "sc-0003")["evidence"] = []

    assert "evidence-missing" in record_codes(tmp_path, drop)
    data = copy.deepcopy(rows)
    data["evidence"] = [r for r in data["evidence"] if r["event_id"] != "sc-0003"]
    found = validate_flat([write(tmp_path / "flat", data)]).findings
    row = [r["event_id"] for r in data["events"]].index("sc-0003") + 1  # rows count from 1
    assert _codes(found) == [("evidence-missing", f"/events/{row}/event_id")]


def test_provenance_stands_in_for_evidence(tmp_path: Path, rows: Rows) -> None:
    def swap(document: dict[str, Any]) -> None:
        event = event_of(document, "sc-0003")
        event["evidence"] = []
        event["provenance"] = {"producer": "ICEWS", "producer_event_id": "20996434"}

    assert "evidence-missing" not in record_codes(tmp_path, swap)
    data = copy.deepcopy(rows)
    data["evidence"] = [r for r in data["evidence"] if r["event_id"] != "sc-0003"]
    data["provenance"] = [_provenance_row("sc-0003")]
    assert validate_flat([write(tmp_path / "flat", data)]).findings == []


def test_imported_tables_without_evidence_validate(tmp_path: Path, rows: Rows) -> None:
    """Events, sources and provenance only, with what a producer does not give left empty."""
    data = {t: copy.deepcopy(rows[t]) for t in ("events", "sources")}
    for row in data["events"]:
        row.update(certainty=None, status=None, location_name=None, coder="GDELT 2.0")
    data["events"][0].update(source_actor_code=None, source_actor_name=None,
                             source_actor_roles=None, source_actor_country=None)  # fmt: skip
    for row in data["sources"]:
        row.update(title=None, publisher=None, published=None, published_text=None,
                   language=None, text_sha256=None)  # fmt: skip
    data["provenance"] = [_provenance_row(r["event_id"]) for r in data["events"]]
    for fmt in ("parquet", "csv"):
        folder = write(tmp_path / fmt, data, fmt)
        assert validate_flat([folder]).findings == [], fmt
    del data["provenance"][2]
    found = validate_flat([write(tmp_path / "missing", data)]).findings
    # the third event is now hand-coded: no support, and its empty columns are errors,
    # as are those of its source, which a hand-coded event names
    assert _codes(found) == [("evidence-missing", "/events/3/event_id"),
                             ("hand-coded-value-missing", "/events/3/location_name"),
                             ("hand-coded-value-missing", "/sources/1/title")]  # fmt: skip


def test_events_alone_are_not_checked_for_support(tmp_path: Path, rows: Rows) -> None:
    data = {"events": copy.deepcopy(rows["events"]), "sources": copy.deepcopy(rows["sources"])}
    assert validate_flat([write(tmp_path / "flat", data)]).findings == []


def test_provenance_of_a_record_is_published_and_restored() -> None:
    document = SourceDocument.model_validate_json(PROVENANCE_FIXTURE.read_bytes())
    built = dict(zip(tables.TABLE_NAMES, tables.tables_from_documents([document]), strict=True))
    assert built["evidence"].num_rows == 0
    (row,) = built["provenance"].to_pylist()
    assert row["producer"] == "GDELT" and row["producer_event_id"] == "1161357865"
    assert row["input_file"] is None and row["input_line"] is None
    # the producer's order is kept, the values stay text
    assert row["producer_fields"] == '{"NumMentions":"10","NumSources":"1","AvgTone":"-2.5"}'
    (back,) = tables.documents_from_tables(*built.values())
    assert back.events[0].provenance == document.events[0].provenance
    assert list(back.events[0].provenance.producer_fields) == ["NumMentions", "NumSources",
                                                                "AvgTone"]  # fmt: skip
    assert validate_paths([PROVENANCE_FIXTURE]) == []


def test_tables_of_a_release_without_provenance_still_rebuild() -> None:
    document = json.loads((FIXTURES / "valid" / "full.json").read_text("utf-8"))
    built = tables.tables_from_documents([SourceDocument.model_validate(document)])
    assert built[-1].num_rows == 0  # no event has provenance
    assert tables.documents_from_tables(*built[:4]) == tables.documents_from_tables(*built)


def test_committed_provenance_table_is_empty() -> None:
    table = pq.read_table(DATA / "provenance.parquet")
    assert table.num_rows == 0
    assert table.schema.remove_metadata() == tables.ARROW_SCHEMAS["provenance"]


# ------------------------------------------------------------ load() given a path


def test_load_reads_a_dataset_folder_given_a_path(tmp_path: Path) -> None:
    import shutil

    import coded_events
    from coded_events.access import loader

    folder = tmp_path / "my-import"
    shutil.copytree(DATA.parent / "data", folder / "data")
    shutil.copy(DATA.parent / "datapackage.json", folder / "datapackage.json")
    bundled = coded_events.load("south-caucasus", "events")
    for given in (folder, str(folder), str(folder / "datapackage.json"), folder / "data"):
        assert loader.is_local(given)
        assert coded_events.load(given, "events").equals(bundled), given
    assert coded_events.load(folder, "provenance").num_rows == 0
    assert len(coded_events.load(folder, "sources", as_="pandas")) == bundled_sources()
    # relative, with a separator, and a bare datapackage.json name
    assert loader.is_local("./south-caucasus") and loader.is_local("datapackage.json")
    assert not loader.is_local("south-caucasus")


def bundled_sources() -> int:
    import coded_events

    return coded_events.load("south-caucasus", "sources").num_rows


def test_load_given_a_path_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    import shutil

    import coded_events
    from coded_events.access import fetch, loader

    with pytest.raises(fetch.DataError, match=r"no datapackage\.json"):
        coded_events.load(tmp_path / "nothing")
    folder = tmp_path / "release"
    shutil.copytree(DATA.parent / "data", folder / "data")
    shutil.copy(DATA.parent / "datapackage.json", folder / "datapackage.json")
    with pytest.raises(loader.UnknownTableError, match="Did you mean 'sources'"):
        coded_events.load(folder, "source")
    with pytest.raises(ValueError, match="folder"):
        coded_events.load(folder, version="1.0.0")
    target = folder / "data" / "links.parquet"
    target.write_bytes(target.read_bytes()[:-1] + b"X")
    with pytest.raises(fetch.HashMismatchError, match="sha256"):
        coded_events.load(folder, "links")
    with pytest.raises(loader.UnknownDatasetError):
        coded_events.load("no-such-dataset")  # a bare name stays a registry name


# --- hand-coded rows fill the columns only imported ones may leave empty ---------------------

HAND_CODED_GAPS = {"certainty": None, "status": None, "location_name": None,
                   "source_actor_code": None}  # fmt: skip


def _hand_coded(found: list) -> list[tuple[str, str]]:
    return [(f.pointer, f.message) for f in found if f.code == "hand-coded-value-missing"]


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_hand_coded_event_with_empty_columns_is_an_error(
    tmp_path: Path, rows: Rows, fmt: str, engine: str
) -> None:
    """The review's repro: event 1 (no provenance row) with certainty, status,
    location_name and source_actor_code emptied validated clean before 1.2.0's rule."""
    data = copy.deepcopy(rows)
    assert not data.get("provenance")  # south-caucasus: every event hand-coded
    assert validate_flat([write(tmp_path / "clean", data, fmt)], engine=engine).findings == []
    data["events"][0].update(HAND_CODED_GAPS)
    found = validate_flat([write(tmp_path / "gaps", data, fmt)], engine=engine).findings
    assert [f.code for f in found] == ["hand-coded-value-missing"]
    (finding,) = found
    assert finding.pointer == "/events/1/source_actor_code" and finding.value == "sc-0001"
    assert finding.message == (
        "the event 'sc-0001' is hand-coded (it has no provenance row) but leaves "
        "source_actor_code, location_name, certainty, status empty"
    )
    assert finding.line == (2 if fmt == "csv" else 1)
    # with a provenance row the event is an imported one, and may leave them empty
    data["provenance"] = [_provenance_row("sc-0001")]
    assert validate_flat([write(tmp_path / "imported", data, fmt)], engine=engine).findings == []


def test_the_repro_on_the_command_line(tmp_path: Path) -> None:
    """`coded-events validate` on a copy of the published tables, event 1 emptied."""
    copy_of = tmp_path / "copy"
    shutil.copytree(DATA, copy_of)
    events = pq.read_table(copy_of / "events.parquet")
    rows = events.to_pylist()
    rows[0].update(HAND_CODED_GAPS)
    pq.write_table(pa.Table.from_pylist(rows, schema=events.schema), copy_of / "events.parquet")
    paths = [str(p) for p in sorted(copy_of.glob("*.parquet"))]
    result = CliRunner().invoke(cli.app, ["validate", *paths])
    assert result.exit_code == 1, result.output
    assert "hand-coded-value-missing" in result.output and "/events/1/" in result.output
    result = CliRunner().invoke(cli.app, ["validate", "--engine", "dask", *paths])
    assert result.exit_code == 1 and "hand-coded-value-missing" in result.output


def test_a_source_is_imported_only_when_imported_events_alone_name_it(
    tmp_path: Path, rows: Rows
) -> None:
    data = copy.deepcopy(rows)
    data["sources"][0].update(title=None, text_sha256=None)
    source = data["sources"][0]["source_id"]
    events = [r["event_id"] for r in data["events"] if r["source_id"] == source]
    assert len(events) > 1
    data["provenance"] = [_provenance_row(e) for e in events[1:]]  # one event hand-coded
    found = validate_flat([write(tmp_path / "mixed", data)]).findings
    assert _hand_coded(found) == [("/sources/1/title", f"the source {source!r} is hand-coded "
                                   "(a hand-coded event names it) but leaves title, "
                                   "text_sha256 empty")]  # fmt: skip
    data["provenance"] = [_provenance_row(e) for e in events]
    assert validate_flat([write(tmp_path / "imported", data)]).findings == []
    # a source that no event names is a hand-coded one; without events, none is checked
    data["sources"].append({**data["sources"][0], "source_id": "not-named"})
    found = validate_flat([write(tmp_path / "orphan", data)]).findings
    assert _hand_coded(found) == [("/sources/2/title", "the source 'not-named' is hand-coded "
                                   "(no imported event names it) but leaves title, "
                                   "text_sha256 empty")]  # fmt: skip
    assert validate_flat([write(tmp_path / "alone", {"sources": data["sources"]})]).findings == []


def test_an_imported_dataset_validates_clean(tmp_path: Path) -> None:
    """The real `coded-events import gdelt2` output: blank producer fields stay empty."""
    out = tmp_path / "imported"
    result = CliRunner().invoke(cli.app, ["import", "gdelt2", str(EXPORT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    empty = pq.read_table(out / "data" / "events.parquet", columns=["certainty"])
    assert empty["certainty"].null_count == empty.num_rows  # the rule had something to check
    for engine in ("local", "dask"):
        assert validate_flat([out / "data"], engine=engine).findings == [], engine
    # the same rows without their provenance are hand-coded ones
    (out / "data" / "provenance.parquet").unlink()
    (out / "data" / "provenance.csv").unlink(missing_ok=True)
    found = validate_flat([out / "data" / "events.parquet"]).findings
    assert {f.code for f in found} == {"hand-coded-value-missing"}


def test_empty_support_tables_leave_every_event_unsupported_sampled_and_counted(
    tmp_path: Path, rows: Rows
) -> None:
    """Evidence and provenance tables with no rows: every event is reported, the samples
    stop at the cap, and the count and the per-file summary still hold every event."""
    data = {t: copy.deepcopy(rows[t]) for t in ("events", "sources")}
    data["evidence"], data["provenance"] = [], []
    events = len(data["events"])
    report = validate_flat([write(tmp_path / "flat", data)], max_samples=3)
    shown = [f for f in report.findings
             if f.code == "evidence-missing" and f.pointer.endswith("/event_id")]  # fmt: skip
    assert [f.pointer for f in shown] == [f"/events/{row}/event_id" for row in (1, 2, 3)]
    assert report.counts["evidence-missing"] == events
    assert report.rows_with_errors["events"] == events
    summary = [f for f in report.findings if f.code == "evidence-missing" and f not in shown]
    assert len(summary) == 1 and summary[0].value == events, summary
    assert f"{events} row(s)" in summary[0].message and "3 shown" in summary[0].message


def test_no_samples_asked_shows_no_unsupported_event_but_counts_them(
    tmp_path: Path, rows: Rows
) -> None:
    data = {t: copy.deepcopy(rows[t]) for t in ("events", "sources")}
    data["evidence"], data["provenance"] = [], []
    report = validate_flat([write(tmp_path / "flat", data)], max_samples=0)
    missing = [f for f in report.findings if f.code == "evidence-missing"]
    assert [f.pointer for f in missing] == ["/events"]  # the summary alone
    assert report.counts["evidence-missing"] == len(data["events"])

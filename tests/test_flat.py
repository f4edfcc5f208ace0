"""The flat-table validator finds what the record validator finds on the same broken data.

Each case breaks the real south-caucasus tables in one place and the real record file in
the equivalent place; both validators must report the same catalogue code. Codes and
places are asserted, never message text.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.flat import is_flat, validate_flat
from coded_events.records.validate import validate_paths
from coded_events.release.build import csv_bytes
from coded_events.release.rows import ARROW_SCHEMAS, arrow_table
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
DATA = DATASET / "data"
RECORD = next((DATASET / "records").glob("*.json"))

Rows = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def rows() -> Rows:
    tables = [t for t in ARROW_SCHEMAS if (DATA / f"{t}.parquet").is_file()]
    return {t: pq.read_table(DATA / f"{t}.parquet").to_pylist() for t in tables}


def table(name: str, items: list[dict[str, Any]]) -> pa.Table:
    """Rows in the published Arrow schema (dictionary columns encoded), order kept."""
    return arrow_table(name, {f.name: [r[f.name] for r in items] for f in ARROW_SCHEMAS[name]})


def write(folder: Path, data: Rows, fmt: str = "parquet") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, items in data.items():
        arrow = table(name, items)
        if fmt == "parquet":
            pq.write_table(arrow, folder / f"{name}.parquet")
        else:
            (folder / f"{name}.csv").write_bytes(csv_bytes(arrow))
    return folder


def flat_codes(folder: Path, **options: Any) -> set[str]:
    return {f.code for f in validate_flat([folder], **options).findings}


def record_codes(tmp: Path, mutate: Callable[[dict[str, Any]], None]) -> set[str]:
    """Codes of the record validator on a mutated copy of the real record file."""
    dataset = tmp / "dataset"
    shutil.copytree(DATASET / "sources", dataset / "sources")
    (dataset / "records").mkdir()
    document = json.loads(RECORD.read_text("utf-8"))
    mutate(document)
    path = dataset / "records" / RECORD.name
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), "utf-8")
    return {f.code for f in validate_paths([path])}


def event_of(document: dict[str, Any], event_id: str) -> dict[str, Any]:
    return next(e for e in document["events"] if e["event_id"] == event_id)


def row_of(data: Rows, event_id: str) -> dict[str, Any]:
    return next(r for r in data["events"] if r["event_id"] == event_id)


# Each case: (code, event id, change to the flat events row, change to the record's event).
CASES: list[tuple[str, str, Callable[[dict], None], Callable[[dict], None]]] = [
    ("unknown-event-code", "sc-0003",
     lambda r: r.update(cameo_code="999"),
     lambda e: e["action"].update(code="999")),
    ("event-code-lost-leading-zero", "sc-0004",
     lambda r: r.update(cameo_code="74"),
     lambda e: e["action"].update(code="74")),
    ("invalid-enum", "sc-0005",
     lambda r: r.update(certainty="sure"),
     lambda e: e.update(certainty="sure")),
    ("derived-value-mismatch", "sc-0001",  # root code of 1661 is 16
     lambda r: r.update(root_code="17"),
     lambda e: e["action"].update(root_code="17")),
    ("derived-value-mismatch", "sc-0009",  # Goldstein
     lambda r: r.update(goldstein=r["goldstein"] + 1.5),
     lambda e: e["action"].update(goldstein=-10.0 + 1.5)),
    ("derived-value-mismatch", "sc-0011",  # label
     lambda r: r.update(cameo_label="Not the label"),
     lambda e: e["action"].update(label="Not the label")),
    ("date-range-reversed", "sc-0005",
     lambda r: r.update(date_end_text="2020-11-01", date_end=_date("2020-11-01")),
     lambda e: e["date"].update(end="2020-11-01")),
    ("invalid-date", "sc-0009",
     lambda r: r.update(date_start_text="2023-02-30"),
     lambda e: e["date"].update(start="2023-02-30")),
    ("out-of-range", "sc-0001",
     lambda r: r.update(latitude=91.0),
     lambda e: e["location"].update(latitude=91.0)),
    ("coordinates-outside-country", "sc-0001",
     lambda r: r.update(latitude=r["longitude"], longitude=r["latitude"]),
     lambda e: e["location"].update(latitude=46.7, longitude=39.83)),
    ("unknown-country", "sc-0002",
     lambda r: r.update(location_country="XXX"),
     lambda e: e["location"].update(country="XXX")),
    ("invalid-id", "sc-0006",
     lambda r: r.update(event_id="SC 6"),
     lambda e: e.update(event_id="SC 6")),
    ("unknown-actor-role", "sc-0007",
     lambda r: r.update(source_actor_code="RUSXYZ"),
     lambda e: e["source_actor"].update(code="RUSXYZ")),
    ("malformed-actor-code", "sc-0007",
     lambda r: r.update(source_actor_code="rusmil"),
     lambda e: e["source_actor"].update(code="rusmil")),
    ("unknown-ethnic-group", "sc-0010",
     lambda r: r.update(source_actor_ethnic="zzz"),
     lambda e: e["source_actor"].update(ethnic="zzz")),
    ("deprecated-event-code", "sc-0012",
     lambda r: r.update(cameo_code="1213", cameo_label="Reject request for change in "
                        "leadership", root_code="12", quad_class=3, goldstein=-4.0),
     lambda e: e["action"].update(code="1213", label=None)),
    ("target-equals-source", "sc-0013",
     lambda r: r.update(target_actor_code=r["source_actor_code"],
                        target_actor_name=r["source_actor_name"],
                        target_actor_country=r["source_actor_country"],
                        target_actor_roles=r["source_actor_roles"]),
     lambda e: e.update(target_actor=dict(e["source_actor"]))),
    ("empty-value", "sc-0014",
     lambda r: r.update(location_name=""),
     lambda e: e["location"].update(name="")),
]  # fmt: skip


def _date(text: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text)


def _drop_nulls(document: dict[str, Any]) -> None:
    for event in document["events"]:
        event["action"] = {k: v for k, v in event["action"].items() if v is not None}


@pytest.mark.parametrize(
    ("code", "event_id", "flat", "record"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_flat_and_record_validators_agree(
    tmp_path: Path, rows: Rows, code: str, event_id: str, flat: Callable, record: Callable
) -> None:
    data = copy.deepcopy(rows)
    position = data["events"].index(row_of(data, event_id))
    flat(row_of(data, event_id))
    found = validate_flat([write(tmp_path / "flat", data)]).findings
    assert code in {f.code for f in found}, [(f.code, f.pointer) for f in found]
    hit = next(f for f in found if f.code == code)
    assert hit.file.endswith("events.parquet")
    assert hit.pointer.startswith(f"/events/{position + 1}/")
    assert hit.line == position + 1

    def mutate(document: dict[str, Any]) -> None:
        record(event_of(document, event_id))
        _drop_nulls(document)

    assert code in record_codes(tmp_path, mutate)


def test_duplicate_event_id_agrees(tmp_path: Path, rows: Rows) -> None:
    data = copy.deepcopy(rows)
    data["events"][5]["event_id"] = data["events"][2]["event_id"]
    found = [f for f in validate_flat([write(tmp_path / "flat", data)]).findings
             if f.code == "duplicate-event-id"]  # fmt: skip
    assert [f.pointer for f in found] == ["/events/6/event_id"]
    assert "row 3" in found[0].message

    def mutate(document: dict[str, Any]) -> None:
        event_of(document, "sc-0006")["event_id"] = "sc-0003"

    assert "duplicate-event-id" in record_codes(tmp_path, mutate)


def test_dangling_source_reference_agrees(tmp_path: Path, rows: Rows) -> None:
    data = copy.deepcopy(rows)
    data["evidence"][0]["source_id"] = "no-such-article"
    found = validate_flat([write(tmp_path / "flat", data)]).findings
    assert [(f.code, f.pointer) for f in found] == [
        ("unresolved-source-reference", "/evidence/1/source_id")
    ]

    def mutate(document: dict[str, Any]) -> None:
        document["events"][0]["evidence"][0]["source_id"] = "no-such-article"

    assert "unresolved-source-reference" in record_codes(tmp_path, mutate)


def test_flat_only_keys(tmp_path: Path, rows: Rows) -> None:
    """Evidence -> events foreign key and the evidence primary key (no record equivalent)."""
    data = copy.deepcopy(rows)
    data["evidence"][3]["event_id"] = "sc-9999"
    data["evidence"][1]["evidence_index"] = data["evidence"][0]["evidence_index"]
    found = validate_flat([write(tmp_path / "flat", data)]).findings
    assert sorted((f.code, f.pointer) for f in found) == [
        ("duplicate-row-key", "/evidence/2/evidence_index"),
        ("unresolved-event-reference", "/evidence/4/event_id"),
    ]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_valid_tables_give_no_findings(tmp_path: Path, rows: Rows, fmt: str) -> None:
    folder = write(tmp_path / fmt, rows, fmt)
    report = validate_flat([folder])
    assert report.findings == []
    assert dict(report.rows) == {t: len(rows[t]) for t in rows if rows[t]}  # empty: no batch
    assert validate_flat([DATA]).findings == []  # the committed data/ folder, both formats


def test_csv_and_parquet_give_the_same_findings(tmp_path: Path, rows: Rows) -> None:
    data = copy.deepcopy(rows)
    for (_, event_id, flat, _), _i in zip(CASES[:12], range(12), strict=True):
        flat(row_of(data, event_id))
    data["events"][7]["event_id"] = data["events"][1]["event_id"]
    data["evidence"][2]["source_id"] = "gone"
    found = {}
    for fmt in ("parquet", "csv"):
        report = validate_flat([write(tmp_path / fmt, data, fmt)])
        found[fmt] = sorted((f.code, f.pointer, f.column) for f in report.findings)
    assert found["parquet"] == found["csv"]
    assert len(found["csv"]) >= 12


def test_uniqueness_across_batches(tmp_path: Path, rows: Rows) -> None:
    data = copy.deepcopy(rows)
    data["events"][20]["event_id"] = data["events"][1]["event_id"]
    for fmt in ("parquet", "csv"):
        folder = write(tmp_path / fmt, data, fmt)
        found = validate_flat([folder], batch_size=5).findings
        found = [f for f in found if f.code == "duplicate-event-id"]  # also dangling evidence
        assert [f.pointer for f in found] == ["/events/21/event_id"]
        assert "row 2" in found[0].message


@pytest.mark.parametrize("where", [4, 5, 6], ids=["inside-batch", "at-boundary", "after"])
def test_sorted_keys_with_an_adjacent_duplicate(tmp_path: Path, rows: Rows, where: int) -> None:
    """Sorted keys skip hashing only while strictly ascending: a repeated neighbour, inside
    a batch or across the boundary of two batches (batch size 5), is still found."""
    data = copy.deepcopy(rows)
    events = sorted(data["events"], key=lambda e: e["event_id"])
    events[where]["event_id"] = events[where - 1]["event_id"]
    data["events"] = events
    found = validate_flat([write(tmp_path / "flat", data)], batch_size=5).findings
    found = [f for f in found if f.code == "duplicate-event-id"]
    assert [f.pointer for f in found] == [f"/events/{where + 1}/event_id"]


def test_partitioned_table_folder(tmp_path: Path, rows: Rows) -> None:
    events = table("events", rows["events"])
    folder = tmp_path / "events"
    (folder / "part=1").mkdir(parents=True)
    pq.write_table(events, folder / "part=1" / "a.parquet")
    pq.write_table(events.slice(events.num_rows - 4), folder / "b.parquet")  # 4 rows twice
    assert is_flat(folder)
    report = validate_flat([folder])
    assert report.counts == {"duplicate-event-id": 4}
    # parts are read in folder order (files before subfolders): the later copies are in a
    assert {f.file for f in report.findings} == {str(folder / "part=1" / "a.parquet")}


def test_sample_cap_and_exact_counts(tmp_path: Path, rows: Rows) -> None:
    data = copy.deepcopy(rows)
    for row in data["events"]:
        row["certainty"] = "sure"
    report = validate_flat([write(tmp_path / "flat", data)], max_samples=3)
    samples = [f for f in report.findings if f.code == "invalid-enum" and f.line is not None]
    summary = [f for f in report.findings if f.code == "invalid-enum" and f.line is None]
    assert len(samples) == 3
    assert report.counts["invalid-enum"] == len(data["events"]) == summary[0].value
    assert summary[0].pointer == "/events"
    assert report.rows_with_errors["events"] == len(data["events"])


def test_corrupted_parquet_is_a_finding(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    content = (DATA / "events.parquet").read_bytes()
    (folder / "events.parquet").write_bytes(content[: len(content) // 2])
    (folder / "sources.parquet").write_bytes(b"not parquet at all")
    found = validate_flat([folder]).findings
    assert sorted((f.code, Path(f.file).name) for f in found) == [
        ("file-unreadable", "events.parquet"),
        ("file-unreadable", "sources.parquet"),
    ]


def test_malformed_csv_is_a_finding(tmp_path: Path) -> None:
    lines = (DATA / "events.csv").read_bytes().split(b"\r\n")
    lines[3] = lines[3] + b",extra"  # a row with one field too many
    bad = next(i for i, line in enumerate(lines) if b",39.83," in line and i != 3)
    lines[bad] = lines[bad].replace(b",39.83,", b",north,", 1)  # a latitude that is no number
    path = tmp_path / "events.csv"
    path.write_bytes(b"\r\n".join(lines))
    found = validate_flat([path]).findings
    codes = {f.code: f for f in found}
    assert set(codes) == {"malformed-row", "wrong-type"}, [(f.code, f.pointer) for f in found]
    assert codes["wrong-type"].field == "/events/latitude"
    truncated = tmp_path / "cut" / "events.csv"
    truncated.parent.mkdir()
    text = (DATA / "events.csv").read_bytes()
    inside = text.index(b',"', 5000) + 3  # a few bytes into a quoted field, past the header
    truncated.write_bytes(text[:inside])
    assert "file-unreadable" in {f.code for f in validate_flat([truncated]).findings}


def test_csv_cells_in_their_types(tmp_path: Path, rows: Rows) -> None:
    """A calendar-impossible date in a date column and a wrong boolean, with CSV lines."""
    data = copy.deepcopy(rows)
    data["events"][0]["notes"] = "two\nline breaks\ninside"
    cells = {(3, "date_start"): "2023-02-30", (5, "date_approximate"): "yes"}
    path = tmp_path / "events.csv"
    path.write_bytes(csv_with("events", data["events"], cells))
    found = validate_flat([path]).findings
    assert sorted((f.code, f.pointer, f.value) for f in found) == [
        ("invalid-date", "/events/4/date_start", "2023-02-30"),
        ("wrong-type", "/events/6/date_approximate", "yes"),
    ]
    for f in found:
        row = int(f.pointer.split("/")[2])
        assert f.line == row + 1 + 2  # header line, and two line breaks in row 1's notes


def test_missing_column_and_unknown_table(tmp_path: Path, rows: Rows) -> None:
    events = table("events", rows["events"]).drop_columns(["cameo_label"])
    pq.write_table(events, tmp_path / "events.parquet")
    pq.write_table(pa.table({"x": [1]}), tmp_path / "other.parquet")
    found = validate_flat([tmp_path / "events.parquet", tmp_path / "other.parquet"]).findings
    assert sorted((f.code, f.pointer) for f in found) == [
        ("missing-field", "/events/cameo_label"),
        ("unknown-table", ""),
    ]


def test_cli_validates_flat_tables(tmp_path: Path, rows: Rows) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["validate", str(DATA)])
    assert result.exit_code == 0, result.output
    data = copy.deepcopy(rows)
    for row in data["events"][:5]:
        row["cameo_code"] = "999"
    folder = write(tmp_path / "flat", data)
    result = runner.invoke(app, ["validate", "--format", "json", "--max-samples", "2",
                                 str(folder)])  # fmt: skip
    assert result.exit_code == 1
    found = json.loads(result.output)
    assert [f["code"] for f in found] == ["unknown-event-code"] * 3
    assert [f["pointer"] for f in found] == ["/events", "/events/1/cameo_code",
                                             "/events/2/cameo_code"]  # fmt: skip
    assert found[0]["value"] == 5


# --- hardening: bad input is a catalogue finding, never a traceback ---------------------


def _codes_at(found: list) -> list[tuple[str, str]]:
    return sorted((f.code, f.pointer) for f in found)


def loose(name: str, items: list[dict[str, Any]]) -> pa.Table:
    """Rows in the published Arrow schema with every column nullable (nulls allowed)."""

    def relaxed(kind: pa.DataType) -> pa.DataType:
        if pa.types.is_list(kind) and pa.types.is_struct(kind.value_type):
            return pa.list_(pa.struct([f.with_nullable(True) for f in kind.value_type]))
        return kind

    schema = pa.schema([pa.field(f.name, relaxed(f.type)) for f in ARROW_SCHEMAS[name]])
    return pa.Table.from_pylist(items, schema=schema)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_null_primary_keys_are_missing_not_internal_error(
    tmp_path: Path, rows: Rows, fmt: str
) -> None:
    data = {"events": copy.deepcopy(rows["events"])}
    data["events"][1]["event_id"] = None
    data["events"][3]["event_id"] = None
    path = tmp_path / f"events.{fmt}"
    arrow = loose("events", data["events"])
    if fmt == "parquet":
        pq.write_table(arrow, path)
    else:
        path.write_bytes(csv_bytes(arrow))
    found = validate_flat([path]).findings
    assert _codes_at(found) == [
        ("missing-field", "/events/2/event_id"),
        ("missing-field", "/events/4/event_id"),
    ]


def test_symlinks_are_reported_and_not_read(tmp_path: Path, rows: Rows) -> None:
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:secret-line\n", "utf-8")
    secret_folder = tmp_path / "outside" / "parts"
    secret_folder.mkdir()
    (secret_folder / "a.csv").write_text("root:x:0:0:secret-line\n", "utf-8")
    data = write(tmp_path / "dataset" / "data", {"sources": rows["sources"]})
    (data / "events.csv").symlink_to(secret)
    (data / "evidence").symlink_to(secret_folder, target_is_directory=True)
    table_folder = tmp_path / "links-only" / "events"
    table_folder.mkdir(parents=True)
    (table_folder / "part-0.csv").symlink_to(secret)
    direct = tmp_path / "direct.csv"
    direct.symlink_to(secret)
    runner = CliRunner()
    for path, links in ((data.parent, {"events.csv", "evidence"}),
                        (table_folder, {"part-0.csv"}), (direct, {"direct.csv"})):  # fmt: skip
        assert is_flat(path)
        result = runner.invoke(app, ["validate", "--format", "json", str(path)])
        assert "secret-line" not in result.output
        found = json.loads(result.output)
        assert {(f["code"], Path(f["file"]).name) for f in found} == {
            ("symlinked-file", name) for name in links
        }, found
        assert result.exit_code == 1


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_duplicate_column_names(tmp_path: Path, rows: Rows, fmt: str) -> None:
    events = table("events", rows["events"])
    doubled = events.append_column("cameo_code", events.column("cameo_code"))
    doubled = doubled.append_column("extra", events.column("coder"))
    doubled = doubled.append_column("extra", events.column("coder"))
    path = tmp_path / f"events.{fmt}"
    if fmt == "parquet":
        pq.write_table(doubled, path)
    else:
        path.write_bytes(csv_bytes(doubled))
    found = validate_flat([path]).findings
    assert _codes_at(found) == [
        ("duplicate-column", "/events/cameo_code"),
        ("duplicate-column", "/events/extra"),
    ]


def csv_with(name: str, items: list[dict[str, Any]], cells: dict[tuple[int, str], str]) -> bytes:
    """The published CSV of ``items`` with some cells (row from 0, column) replaced as text."""
    import csv
    import io

    lines = list(csv.reader(io.StringIO(csv_bytes(table(name, items)).decode("utf-8"))))
    header = lines[0]
    for (row, column), value in cells.items():
        lines[row + 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return out.getvalue().encode("utf-8")


def test_csv_numbers_parse_strictly_into_their_type(tmp_path: Path, rows: Rows) -> None:
    cells = {(0, "evidence_index"): "1_0", (1, "evidence_index"): "\u0663",
             (2, "char_start"): " 2", (3, "evidence_index"): "3000000000",
             (4, "char_end"): "99999999999999999999", (5, "char_start"): "1.5"}  # fmt: skip
    path = tmp_path / "evidence.csv"
    path.write_bytes(csv_with("evidence", rows["evidence"], cells))
    found = validate_flat([path]).findings
    assert _codes_at(found) == [
        ("out-of-range", "/evidence/4/evidence_index"),
        ("out-of-range", "/evidence/5/char_end"),
        ("wrong-type", "/evidence/1/evidence_index"),
        ("wrong-type", "/evidence/2/evidence_index"),
        ("wrong-type", "/evidence/3/char_start"),
        ("wrong-type", "/evidence/6/char_start"),
    ]
    events = tmp_path / "events.csv"
    cells = {(0, "latitude"): "4_0.1", (1, "longitude"): " 44.5", (2, "goldstein"): "1e400"}
    events.write_bytes(csv_with("events", rows["events"], cells))
    found = [f for f in validate_flat([events]).findings if f.pointer.count("/") == 3]
    assert ("wrong-type", "/events/1/latitude") in _codes_at(found)
    assert ("wrong-type", "/events/2/longitude") in _codes_at(found)
    assert ("non-finite-number", "/events/3/goldstein") in _codes_at(found)


QUANTITY = {"value": 2.0, "unit": "troops", "qualifier": "exact", "as_written": "two"}


def _with_quantities(rows: Rows, items: list[Any]) -> list[dict[str, Any]]:
    events = copy.deepcopy(rows["events"])
    for row, value in zip(events, items, strict=False):
        row["quantities"] = value
    return events


def test_parquet_quantities_struct_is_compared_field_by_field(tmp_path: Path, rows: Rows) -> None:
    events = table("events", rows["events"])
    kind = pa.list_(pa.struct([("value", pa.float64()), ("unit", pa.string()),
                               ("as_written", pa.int64()), ("extra", pa.string())]))  # fmt: skip
    column = pa.array([[{"value": 1.0, "unit": "t", "as_written": 1, "extra": "x"}]]
                      * events.num_rows, kind)  # fmt: skip
    index = events.schema.get_field_index("quantities")
    pq.write_table(events.set_column(index, "quantities", column), tmp_path / "events.parquet")
    found = validate_flat([tmp_path / "events.parquet"]).findings
    assert {f.code for f in found} == {"missing-field", "wrong-type", "unknown-field"}, found
    assert all(f.pointer == "/events/quantities" for f in found)


def test_parquet_quantities_values(tmp_path: Path, rows: Rows) -> None:
    bad = [[dict(QUANTITY, value=float("nan"))], [dict(QUANTITY, qualifier=None)],
           [QUANTITY, dict(QUANTITY, unit=None)]]  # fmt: skip
    path = tmp_path / "events.parquet"
    pq.write_table(loose("events", _with_quantities(rows, bad)), path)
    found = validate_flat([path]).findings
    assert _codes_at(found) == [
        ("missing-field", "/events/2/quantities"),
        ("missing-field", "/events/3/quantities"),
        ("non-finite-number", "/events/1/quantities"),
    ]


def test_csv_quantities_are_checked_item_by_item(tmp_path: Path, rows: Rows) -> None:
    item = json.dumps(QUANTITY)
    cells = {
        (0, "quantities"): '[{"unit": "t", "qualifier": "exact", "as_written": null}]',
        (
            1,
            "quantities",
        ): '[{"value": "2", "unit": "t", "qualifier": "exact", "as_written": null}]',
        (2, "quantities"): f'[{item[:-1]}, "colour": "red"}}]',
        (3, "quantities"): '[{"value": 2.0, "unit": "t", "as_written": null}]',
        (4, "quantities"): "[{not json",
        (5, "quantities"): f"[{item[:-1].replace('2.0', 'NaN')}}}]",
        (6, "quantities"): '{"value": 2}',
        (7, "quantities"): f"[{item}, {item}]",  # valid
        (8, "quantities"): f"[{item.replace('exact', 'roughly')}]",
        (10, "quantities"): f"[{item.replace('2.0', '1' + '0' * 400)}]",
        (11, "quantities"): f"[{item.replace('2.0', '1' + '0' * 30)}]",  # valid
    }
    path = tmp_path / "events.csv"
    path.write_bytes(csv_with("events", rows["events"], cells))
    found = validate_flat([path]).findings
    assert _codes_at(found) == [
        ("invalid-enum", "/events/9/quantities"),
        ("missing-field", "/events/1/quantities"),
        ("missing-field", "/events/4/quantities"),
        ("non-finite-number", "/events/6/quantities"),
        ("out-of-range", "/events/11/quantities"),
        ("unknown-field", "/events/3/quantities"),
        ("wrong-type", "/events/2/quantities"),
        ("wrong-type", "/events/5/quantities"),
        ("wrong-type", "/events/7/quantities"),
    ]


def test_foreign_keys_across_formats(tmp_path: Path, rows: Rows) -> None:
    """events.parquet with evidence.csv (and sources.csv): keys still checked across them,
    whichever format comes first; both formats of one table are not duplicates."""
    data = copy.deepcopy(rows)
    data["evidence"][2]["event_id"] = "sc-9999"
    data["evidence"][4]["source_id"] = "gone"
    write(tmp_path / "a", {"events": data["events"]}, "parquet")
    write(tmp_path / "a", {"evidence": data["evidence"], "sources": data["sources"]}, "csv")
    write(tmp_path / "b", {"events": data["events"]}, "csv")
    write(tmp_path / "b", {"evidence": data["evidence"], "sources": data["sources"]}, "parquet")
    expected = [("unresolved-event-reference", "/evidence/3/event_id"),
                ("unresolved-source-reference", "/evidence/5/source_id")]  # fmt: skip
    for folder in ("a", "b"):
        assert _codes_at(validate_flat([tmp_path / folder]).findings) == expected
    both = write(tmp_path / "c", data, "parquet")
    write(both, data, "csv")
    assert _codes_at(validate_flat([both]).findings) == sorted(expected * 2)


def test_table_from_metadata_then_name_then_folders_below_the_input(tmp_path: Path) -> None:
    """Ancestor folders above the input (``sources-2024``) never name the table."""
    imported = tmp_path / "sources-2024" / "import" / "quotes.parquet"
    imported.parent.mkdir(parents=True)
    shutil.copy(DATA / "evidence.parquet", imported)  # holds coded_events.table = evidence
    report = validate_flat([imported])
    assert report.findings == [] and set(report.rows) == {"evidence"}
    plain = tmp_path / "events-2024" / "evidence.csv"  # the file's own name wins
    plain.parent.mkdir()
    shutil.copy(DATA / "evidence.csv", plain)
    report = validate_flat([plain])
    assert report.findings == [] and set(report.rows) == {"evidence"}
    parts = tmp_path / "sources-old" / "evidence" / "year=2024" / "part-0.csv"
    parts.parent.mkdir(parents=True)
    shutil.copy(DATA / "evidence.csv", parts)  # a partition folder below the input
    report = validate_flat([tmp_path / "sources-old" / "evidence"])
    assert report.findings == [] and set(report.rows) == {"evidence"}


def test_cli_counts_flat_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(DATA)])
    assert result.exit_code == 0, result.output
    tables = len(list(DATA.glob("*.parquet"))) + len(list(DATA.glob("*.csv")))
    assert f"{tables} file(s) checked" in result.output


@pytest.mark.parametrize("malformed", [False, True])
def test_csv_lines_after_blank_lines_and_skipped_rows(
    tmp_path: Path, rows: Rows, malformed: bool
) -> None:
    """Lines stay exact after blank lines and rows skipped as malformed (which carry their
    own line), also across batches."""
    data = copy.deepcopy(rows)
    data["events"][0]["notes"] = "a note\non two lines"
    text = csv_with("events", data["events"], {(9, "latitude"): "north"}).decode("utf-8")
    lines = text.split("\r\n")  # [0] is the header (line 1); [1] is row 1 (lines 2-3)
    lines.insert(3, "")  # a blank line after row 2 (line 5)
    if malformed:
        lines[5] += ",extra"  # row 4, on line 7: skipped
    path = tmp_path / "events.csv"
    path.write_text("\r\n".join(lines), "utf-8")
    for batch_size in (10, 1000):
        found = validate_flat([path], batch_size=batch_size).findings
        where = {f.code: f.line for f in found}
        index = next(i for i, line in enumerate(lines) if ",north," in line)
        bad_line = "\r\n".join(lines[:index]).count("\n") + 2  # physical lines before it
        assert where["wrong-type"] == bad_line, found
        if malformed:
            assert where["malformed-row"] == 7
        expected = {"wrong-type", "malformed-row"} if malformed else {"wrong-type"}
        assert set(where) == expected


def test_csv_header_not_utf8_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(b"event_\xe9id,x\r\nsc-0001,1\r\n")
    found = validate_flat([path]).findings
    assert [f.code for f in found] == ["file-unreadable"]


def test_csv_blank_lines_are_not_rows_but_a_line_of_commas_is(tmp_path: Path, rows: Rows) -> None:
    text = csv_with("evidence", rows["evidence"][:3], {}).decode("utf-8")
    lines = text.split("\r\n")
    commas = "," * (len(lines[0].split(",")) - 1)
    lines[2:2] = ["", commas, ""]  # lines 3 (blank), 4 (commas), 5 (blank)
    path = tmp_path / "evidence.csv"
    path.write_text("\r\n".join(lines) + "\r\n\r\n", "utf-8")
    report = validate_flat([path])
    assert report.rows["evidence"] == 4
    assert {(f.code, f.line, f.pointer.split("/")[2]) for f in report.findings} == {
        ("missing-field", 4, "2")  # every column of row 2, on line 4; blank lines ignored
    }

"""Every rule of the flat validator (docs/performance.md's table), at its boundaries.

Each case changes one row (row 2) of a three-row table cut from the real south-caucasus
tables, writes it as Parquet and as CSV, and asserts the exact findings: a boundary value
("equal") gives none, the value one past it gives the rule's code at that row and column.
Where the record validator has the rule, the same change to the real record file must
give the same code there too (parity), and the value on the right side of the boundary
must not. Codes and places are asserted, never message text.

Rules covered elsewhere (tests/test_flat.py): foreign keys across tables and formats,
keys across batches, unknown tables, corrupt or truncated files, symlinks, malformed CSV
rows, CSV line numbers, the quantities struct type.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from coded_events.flat import validate_flat
from coded_events.records.checks import CATALOGUE
from coded_events.records.checks.consistency import country_bboxes
from coded_events.records.validate import validate_document_bytes
from coded_events.release.build import csv_bytes
from coded_events.release.rows import ARROW_SCHEMAS
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
DATA = DATASET / "data"
RECORD = DATASET / "records" / "myind-2024-04-17-russia-peacekeepers-withdrawal.json"
ROW = 1  # the changed row (0-based): events sc-0002, evidence sc-0001 #1
FORMATS = ["parquet", "csv"]

Rows = list[dict[str, Any]]
Document = dict[str, Any]

ARM, RUS = country_bboxes()["ARM"], country_bboxes()["RUS"]
BBOX_MARGIN = 0.5  # docs/checks.md: "inside the country's bounding box (plus half a degree)"
NORTH_EDGE = ARM.max_lat + BBOX_MARGIN  # inside ARM's box widened by the margin
EAST_EDGE = RUS.max_lon + BBOX_MARGIN  # RUS crosses the antimeridian: east edge near -169


@cache
def base(name: str) -> tuple[dict[str, Any], ...]:
    """The first three rows of a published table (``sources`` has one: a renamed copy of
    it comes first, so that row 2 is the real source)."""
    items = pq.read_table(DATA / f"{name}.parquet").slice(0, 3).to_pylist()
    if name == "sources":
        items.insert(0, dict(items[0], source_id="another-source"))
    return tuple(items)


def arrow(name: str, items: Rows) -> pa.Table:
    """Rows in the published Arrow schema with every column nullable (nulls allowed)."""

    def relaxed(kind: pa.DataType) -> pa.DataType:
        if pa.types.is_list(kind) and pa.types.is_struct(kind.value_type):
            return pa.list_(pa.struct([f.with_nullable(True) for f in kind.value_type]))
        return kind

    schema = pa.schema([pa.field(f.name, relaxed(f.type)) for f in ARROW_SCHEMAS[name]])
    return pa.Table.from_pylist(items, schema=schema)


def write(folder: Path, name: str, items: Rows, fmt: str) -> Path:
    path = folder / f"{name}.{fmt}"
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(arrow(name, items), path)
    else:
        path.write_bytes(csv_bytes(arrow(name, items)))
    return path


def flat_findings(tmp: Path, name: str, change: dict[str, Any], fmt: str) -> set[tuple[str, str]]:
    items = copy.deepcopy(list(base(name)))
    items[ROW].update(change)
    found = validate_flat([write(tmp / fmt, name, items, fmt)]).findings
    return {(f.code, f.pointer) for f in found}


def record_codes(mutate: Callable[[Document], None], under: str) -> set[str]:
    """Codes the record validator reports at or below ``under`` on a changed real record."""
    document = json.loads(RECORD.read_text("utf-8"))
    mutate(document)
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    found = validate_document_bytes(data, str(RECORD), sources_dir=DATASET / "sources")
    assert "internal-error" not in {f.code for f in found}, found
    return {f.code for f in found if f.pointer == under or f.pointer.startswith(under + "/")}


def event(change: Callable[[Document], None]) -> Callable[[Document], None]:
    """A change to the record event that row 2 of ``events`` holds (sc-0002)."""
    return lambda document: change(document["events"][ROW])


def evidence(change: Callable[[Document], None]) -> Callable[[Document], None]:
    """A change to the record evidence that row 2 of ``evidence`` holds (sc-0001 #1)."""
    return lambda document: change(document["events"][0]["evidence"][ROW])


RECORD_PLACE = {"events": f"/events/{ROW}", "evidence": f"/events/0/evidence/{ROW}",
                "sources": "/source"}  # fmt: skip


@dataclass(frozen=True)
class Case:
    """Row 2 of ``table`` changed by ``change``; ``found`` the (code, column) findings
    expected there (none: the value is valid). ``record`` applies the same change to the
    record file; it must report the codes of ``found``, and not ``code`` when valid."""

    id: str
    table: str
    change: dict[str, Any]
    found: tuple[tuple[str, str], ...] = ()
    record: Callable[[Document], None] | None = None
    code: str = ""
    parity: tuple[str, ...] | None = None  # the record's codes, when not those of ``found``


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _set(path: str, value: Any) -> Callable[[Document], None]:
    """Set (or, with ``...``, delete) a dotted path of a record object."""

    def change(obj: Document) -> None:
        *parents, last = path.split(".")
        for key in parents:
            obj = obj.setdefault(key, {})
        if value is ...:
            obj.pop(last, None)
        else:
            obj[last] = value

    return change


def _quantity(**item: Any) -> list[dict[str, Any]]:
    return [{"value": 2.0, "unit": "troops", "qualifier": "exact", "as_written": "two"} | item]


LONG_ID = "a" * 128
STATEMENT = {"cameo_code": "010", "cameo_label": "Make statement, not specified below",
             "root_code": "01", "quad_class": 1, "goldstein": 0.0}  # fmt: skip
CYBER = {"cameo_code": "155", "cameo_label": "Mobilize or increase cyber-forces",
         "root_code": "15", "quad_class": 4}  # fmt: skip


def _place(**location: Any) -> Callable[[Document], None]:
    return event(lambda e: e["location"].update(location))


def _box_cases(name: str, country: str, lat: float, lon: float, past: tuple[float, float]
               ) -> list[Case]:  # fmt: skip
    """A point on the widened box's edge (inside) and one just past it (outside)."""
    edge = {"location_country": country, "latitude": lat, "longitude": lon}
    beyond = dict(edge, latitude=lat + past[0], longitude=lon + past[1])
    return [
        Case(f"box-{name}-edge", "events", edge, (),
             _place(country=country, latitude=lat, longitude=lon), "coordinates-outside-country"),
        Case(f"box-{name}-past-edge", "events", beyond,
             (("coordinates-outside-country", "latitude"),),
             _place(country=country, latitude=beyond["latitude"],
                    longitude=beyond["longitude"])),
    ]  # fmt: skip


CASES = [
    # --- required columns, codes, enums, ids, date texts, patterns, non-empty text ------
    Case("required-null", "events", {"coder": None}, (("missing-field", "coder"),),
         event(_set("coder", ...))),
    Case("event-code-unknown", "events", {"cameo_code": "999"},
         (("unknown-event-code", "cameo_code"),), event(_set("action.code", "999"))),
    Case("event-code-lost-zero", "events", {"cameo_code": "74"},
         (("event-code-lost-leading-zero", "cameo_code"),), event(_set("action.code", "74"))),
    Case("event-code-lost-zero-root", "events", {"cameo_code": "1"},
         (("event-code-lost-leading-zero", "cameo_code"),), event(_set("action.code", "1"))),
    Case("actor-role-unknown", "events", {"source_actor_code": "ARMXYZ"},
         (("unknown-actor-role", "source_actor_code"),),
         event(_set("source_actor.code", "ARMXYZ"))),
    Case("country-unknown", "events", {"location_country": "XXX"},
         (("unknown-country", "location_country"),), event(_set("location.country", "XXX"))),
    Case("enum-valid", "events", {"certainty": "reported"}, (),
         event(_set("certainty", "reported")), "invalid-enum"),
    Case("enum-invalid", "events", {"certainty": "sure"}, (("invalid-enum", "certainty"),),
         event(_set("certainty", "sure"))),
    # a number outside a numeric enum is out-of-range, as in the record (QuadClass 1..4)
    Case("quad-class-4", "events", {"quad_class": 4}, (("derived-value-mismatch", "quad_class"),),
         event(_set("action.quad_class", 4))),
    Case("quad-class-5", "events", {"quad_class": 5},
         (("out-of-range", "quad_class"), ("derived-value-mismatch", "quad_class")),
         event(_set("action.quad_class", 5)),
        parity=("out-of-range",)),  # the models stop there: no derived check
    Case("id-128-characters", "events", {"event_id": LONG_ID}, (),
         event(_set("event_id", LONG_ID)), "invalid-id"),
    Case("id-129-characters", "events", {"event_id": LONG_ID + "b"},
         (("invalid-id", "event_id"),), event(_set("event_id", LONG_ID + "b"))),
    Case("id-single-hyphens", "events", {"event_id": "a-b-c"}, (),
         event(_set("event_id", "a-b-c")), "invalid-id"),
    *(Case(f"id-{label}", "events", {"event_id": value}, (("invalid-id", "event_id"),),
           event(_set("event_id", value)))
      for label, value in (("leading-hyphen", "-a"), ("trailing-hyphen", "a-"),
                           ("double-hyphen", "a--b"), ("upper-case", "Sc-1"),
                           ("empty", ""))),
    Case("date-leap-day", "events", {"date_start_text": "2024-02-29",
                                     "date_start": _d("2024-02-29"), "date_precision": "day"},
         (), event(_set("date.start", "2024-02-29")), "invalid-date"),
    Case("date-not-in-calendar", "events", {"date_start_text": "2023-02-29"},
         (("invalid-date", "date_start_text"),), event(_set("date.start", "2023-02-29"))),
    *(Case(f"date-{label}", "events", {"date_start_text": value},
           (("invalid-date", "date_start_text"),), event(_set("date.start", value)))
      for label, value in (("month-13", "2024-13"), ("slashes", "2024/03"),
                           ("year-0", "0000"))),
    Case("format-language", "sources", {"language": "english"},
         (("invalid-format", "language"),), _set("source.language", "english")),
    Case("format-sha256-short", "sources", {"text_sha256": "0" * 63},
         (("invalid-format", "text_sha256"),), _set("source.text_sha256", "0" * 63)),
    Case("empty-text", "events", {"location_name": ""}, (("empty-value", "location_name"),),
         event(_set("location.name", ""))),
    Case("text-with-tab", "events", {"location_name": "Yere\tvan"}, (),
         event(_set("location.name", "Yere\tvan")), "control-character"),
    Case("control-character", "events", {"location_name": "Yere\x01van"},
         (("control-character", "location_name"),), event(_set("location.name", "Yere\x01van"))),
    # --- minimum / maximum (equal passes, one past fails), NaN ---------------------------
    Case("latitude-90", "events", {"location_country": None, "latitude": 90.0}, (),
         event(lambda e: e["location"].update(country=None, latitude=90.0)), "out-of-range"),
    Case("latitude-past-90", "events", {"location_country": None, "latitude": 90.000001},
         (("out-of-range", "latitude"),),
         event(lambda e: e["location"].update(country=None, latitude=90.000001))),
    Case("longitude-minus-180", "events", {"location_country": None, "longitude": -180.0}, (),
         event(lambda e: e["location"].update(country=None, longitude=-180.0)), "out-of-range"),
    Case("longitude-past-minus-180", "events",
         {"location_country": None, "longitude": -180.000001}, (("out-of-range", "longitude"),),
         event(lambda e: e["location"].update(country=None, longitude=-180.000001))),
    Case("char-start-0", "evidence", {"char_start": 0}, (), evidence(_set("char_start", 0)),
         "out-of-range"),
    Case("char-start-minus-1", "evidence", {"char_start": -1},
         (("out-of-range", "char_start"),), evidence(_set("char_start", -1))),
    Case("latitude-nan", "events", {"location_country": None, "latitude": float("nan")},
         (("non-finite-number", "latitude"),)),
    # --- derived values: the event code's label, root code, QuadClass, Goldstein ---------
    Case("root-code", "events", {"root_code": "11"}, (("derived-value-mismatch", "root_code"),),
         event(_set("action.root_code", "11"))),
    Case("label", "events", {"cameo_label": "Demand"},
         (("derived-value-mismatch", "cameo_label"),), event(_set("action.label", "Demand"))),
    Case("quad-class", "events", {"quad_class": 2}, (("derived-value-mismatch", "quad_class"),),
         event(_set("action.quad_class", 2))),
    Case("goldstein-010", "events", STATEMENT, (), event(_set("action", {"code": "010"})),
         "derived-value-mismatch"),
    Case("goldstein-within-tolerance", "events", {"goldstein": -5.0 + 1e-12}, (),
         event(_set("action.goldstein", -5.0 + 1e-12)), "derived-value-mismatch"),
    Case("goldstein-off-by-a-millionth", "events", {"goldstein": -5.0 + 1e-6},
         (("derived-value-mismatch", "goldstein"),), event(_set("action.goldstein", -5.0 + 1e-6))),
    Case("goldstein-off-by-a-half", "events", {"goldstein": -4.5},
         (("derived-value-mismatch", "goldstein"),), event(_set("action.goldstein", -4.5))),
    # the tolerance is strict: code 010 has Goldstein 0.0, and 1e-9 - 0.0 is exactly 1e-9
    Case("goldstein-at-the-tolerance", "events", {**STATEMENT, "goldstein": 1e-9},
         (("derived-value-mismatch", "goldstein"),),
         event(_set("action", {"code": "010", "goldstein": 1e-9}))),
    # a published table holds the codebook's Goldstein: null is a mismatch there, while a
    # record leaves an untyped value out (no parity)
    Case("goldstein-null", "events", {"goldstein": None},
         (("derived-value-mismatch", "goldstein"),)),
    # code 155 has no Goldstein score: null agrees, a number does not
    Case("goldstein-none-for-155", "events", {**CYBER, "goldstein": None}, (),
         event(_set("action", {"code": "155"})), "derived-value-mismatch"),
    Case("goldstein-typed-for-155", "events", {**CYBER, "goldstein": 1.0},
         (("derived-value-mismatch", "goldstein"),),
         event(_set("action", {"code": "155", "goldstein": 1.0}))),
    # --- derived values of the actor code and the date texts (flat columns only) ---------
    Case("actor-country", "events", {"source_actor_country": "AZE"},
         (("derived-value-mismatch", "source_actor_country"),)),
    Case("actor-roles", "events", {"source_actor_roles": ["MIL"]},
         (("derived-value-mismatch", "source_actor_roles"),)),
    Case("date-start-bound", "events", {"date_start": _d("2024-03-02")},
         (("derived-value-mismatch", "date_start"),)),
    Case("date-end-bound", "events", {"date_end": _d("2024-04-16")},
         (("derived-value-mismatch", "date_end"),)),
    Case("date-precision", "events", {"date_precision": "day"},
         (("derived-value-mismatch", "date_precision"),)),
    Case("published", "sources", {"published": _d("2024-04-18")},
         (("derived-value-mismatch", "published"),)),
    # --- date range: ending on the first day of the start is not reversed ----------------
    Case("range-ends-on-first-day", "events",
         {"date_end_text": "2024-03-01", "date_end": _d("2024-03-01")}, (),
         event(_set("date.end", "2024-03-01")), "date-range-reversed"),
    Case("range-ends-on-start-month", "events",
         {"date_end_text": "2024-03", "date_end": _d("2024-03-31")}, (),
         event(_set("date.end", "2024-03")), "date-range-reversed"),
    Case("range-ends-a-day-before", "events",
         {"date_end_text": "2024-02-29", "date_end": _d("2024-02-29")},
         (("date-range-reversed", "date_end_text"),), event(_set("date.end", "2024-02-29"))),
    # --- coordinates: both or neither; inside the country's box --------------------------
    *_box_cases("east", "ARM", 40.0, ARM.max_lon + BBOX_MARGIN, (0, 0.001)),
    *_box_cases("west", "ARM", 40.0, ARM.min_lon - BBOX_MARGIN, (0, -0.001)),
    *_box_cases("south", "ARM", ARM.min_lat - BBOX_MARGIN, 45.0, (-0.001, 0)),
    *_box_cases("antimeridian-west", "RUS", 65.0, RUS.min_lon - BBOX_MARGIN, (0, -0.001)),
    # South Georgia's box is one point wide: still a box, not one across the antimeridian
    *_box_cases("one-point-wide", "SGS", -54.28, -36.5092 + BBOX_MARGIN, (0, 0.001)),
    Case("box-one-point-wide-far", "events",
         {"location_country": "SGS", "latitude": -54.28, "longitude": 100.0},
         (("coordinates-outside-country", "latitude"),),
         _place(country="SGS", latitude=-54.28, longitude=100.0)),
    # on the limits of the globe the box still applies; past them only out-of-range does
    *(Case(f"{name}-{value}-outside-the-box", "events", {name: value},
           (("coordinates-outside-country", "latitude"),), _place(**{name: value}))
      for name, value in (("latitude", 90.0), ("latitude", -90.0), ("longitude", 180.0),
                          ("longitude", -180.0))),
    *(Case(f"{name}-{value}-with-a-box", "events", {name: value}, (("out-of-range", name),),
           _place(**{name: value}))
      for name, value in (("latitude", 90.5), ("latitude", -90.5), ("longitude", 180.5),
                          ("longitude", -180.5))),
    Case("coordinates-neither", "events", {"latitude": None, "longitude": None}, (),
         event(lambda e: e["location"].update(latitude=None, longitude=None)),
         "coordinates-incomplete"),
    Case("coordinates-no-latitude", "events", {"latitude": None},
         (("coordinates-incomplete", "latitude"),), event(_set("location.latitude", ...))),
    Case("coordinates-no-longitude", "events", {"longitude": None},
         (("coordinates-incomplete", "longitude"),), event(_set("location.longitude", ...))),
    Case("box-edge", "events", {"latitude": NORTH_EDGE}, (),
         event(_set("location.latitude", NORTH_EDGE)), "coordinates-outside-country"),
    Case("box-past-edge", "events", {"latitude": NORTH_EDGE + 0.001},
         (("coordinates-outside-country", "latitude"),),
         event(_set("location.latitude", NORTH_EDGE + 0.001))),
    Case("box-antimeridian-edge", "events",
         {"location_country": "RUS", "latitude": 65.0, "longitude": EAST_EDGE}, (),
         event(lambda e: e["location"].update(country="RUS", latitude=65.0,
                                              longitude=EAST_EDGE)),
         "coordinates-outside-country"),
    Case("box-antimeridian-across", "events",
         {"location_country": "RUS", "latitude": 65.0, "longitude": 179.5}, (),
         event(lambda e: e["location"].update(country="RUS", latitude=65.0, longitude=179.5)),
         "coordinates-outside-country"),
    Case("box-antimeridian-past-edge", "events",
         {"location_country": "RUS", "latitude": 65.0, "longitude": EAST_EDGE + 0.001},
         (("coordinates-outside-country", "latitude"),),
         event(lambda e: e["location"].update(country="RUS", latitude=65.0,
                                              longitude=EAST_EDGE + 0.001))),
    # --- target actor is not the source actor ---------------------------------------------
    Case("target-same-code-other-name", "events",
         {"target_actor_code": "ARMGOV", "target_actor_name": "Armenia's cabinet",
          "target_actor_country": "ARM", "target_actor_roles": ["GOV"]}, (),
         event(_set("target_actor", {"code": "ARMGOV", "name": "Armenia's cabinet"})),
         "target-equals-source"),
    Case("target-equals-source", "events",
         {"target_actor_code": "ARMGOV", "target_actor_name": " armenia ",
          "target_actor_country": "ARM", "target_actor_roles": ["GOV"]},
         (("target-equals-source", "target_actor_code"),),
         event(_set("target_actor", {"code": "ARMGOV", "name": " armenia "}))),
    # --- quotes: not blank, offsets ordered ------------------------------------------------
    Case("quote-with-text", "evidence", {"quote": " x "}, (), evidence(_set("quote", " x ")),
         "quote-blank"),
    Case("quote-blank", "evidence", {"quote": "   "}, (("quote-blank", "quote"),),
         evidence(_set("quote", "   "))),
    Case("quote-blank-tab-newline", "evidence", {"quote": "\t\n "}, (("quote-blank", "quote"),),
         evidence(_set("quote", "\t\n "))),
    Case("quote-empty", "evidence", {"quote": ""}, (("empty-value", "quote"),),
         evidence(_set("quote", ""))),
    Case("offsets-one-apart", "evidence", {"char_start": 342, "char_end": 343}, (),
         evidence(_set("char_end", 343)), "quote-offsets-invalid"),
    Case("offsets-equal", "evidence", {"char_start": 342, "char_end": 342},
         (("quote-offsets-invalid", "char_end"),), evidence(_set("char_end", 342))),
    Case("offsets-reversed", "evidence", {"char_start": 342, "char_end": 341},
         (("quote-offsets-invalid", "char_end"),), evidence(_set("char_end", 341))),
    # --- quantities ------------------------------------------------------------------------
    Case("quantity-valid", "events", {"quantities": _quantity()}, (),
         event(_set("quantities", _quantity())), "invalid-enum"),
    Case("quantity-qualifier", "events", {"quantities": _quantity(qualifier="roughly")},
         (("invalid-enum", "quantities"),),
         event(_set("quantities", _quantity(qualifier="roughly")))),
    Case("quantity-unit-empty", "events", {"quantities": _quantity(unit="")},
         (("empty-value", "quantities"),), event(_set("quantities", _quantity(unit="")))),
    Case("quantity-unit-null", "events", {"quantities": _quantity(unit=None)},
         (("missing-field", "quantities"),),
         event(_set("quantities", [{"value": 2.0, "qualifier": "exact"}]))),
    # --- primary keys ------------------------------------------------------------------------
    Case("duplicate-event-id", "events", {"event_id": "sc-0001"},
         (("duplicate-event-id", "event_id"),), event(_set("event_id", "sc-0001"))),
    Case("duplicate-evidence-key", "evidence", {"evidence_index": 0},
         (("duplicate-row-key", "evidence_index"),)),
]  # fmt: skip
if "link-to-self" in CATALOGUE:
    CASES.append(Case("link-to-self", "links", {"target_event_id": "sc-0001"},
                      (("link-to-self", "target_event_id"),)))  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_boundary(tmp_path: Path, case: Case, fmt: str) -> None:
    expected = {(code, f"/{case.table}/{ROW + 1}/{column}") for code, column in case.found}
    assert flat_findings(tmp_path, case.table, case.change, fmt) == expected


@pytest.mark.parametrize("case", [c for c in CASES if c.record is not None], ids=lambda c: c.id)
def test_record_validator_parity(case: Case) -> None:
    assert case.record is not None
    codes = record_codes(case.record, RECORD_PLACE[case.table])
    for code in case.parity if case.parity is not None else [c for c, _ in case.found]:
        assert code in codes, codes
    if not case.found:
        assert case.code, "a valid case names the code it must not raise"
        assert case.code not in codes, codes


def test_unchanged_rows_are_valid(tmp_path: Path) -> None:
    """The base of every case: the three rows as published give no finding."""
    for name in ("events", "evidence", "sources", "links"):
        for fmt in FORMATS:
            assert flat_findings(tmp_path / name, name, {}, fmt) == set()


@pytest.mark.parametrize("fmt", FORMATS)
def test_columns_missing_unknown_and_of_the_wrong_type(tmp_path: Path, fmt: str) -> None:
    table = arrow("evidence", list(base("evidence")))
    table = table.drop_columns(["quote"]).append_column("colour", pa.array(["red"] * 3))
    if fmt == "parquet":  # CSV has no column types: a typed column is Parquet's
        index = table.schema.get_field_index("char_start")
        table = table.set_column(index, "char_start", pa.array(["1", "2", "3"]))
    path = tmp_path / f"evidence.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        path.write_bytes(csv_bytes(table))
    found = {(f.code, f.pointer) for f in validate_flat([path]).findings}
    expected = {("missing-field", "/evidence/quote"), ("unknown-field", "/evidence/colour")}
    if fmt == "parquet":
        expected.add(("wrong-type", "/evidence/char_start"))
    assert found == expected


def test_integer_event_codes_are_event_code_not_string(tmp_path: Path) -> None:
    table = arrow("events", list(base("events")))
    index = table.schema.get_field_index("cameo_code")
    table = table.set_column(index, "cameo_code", pa.array([1661, 105, 20], pa.int64()))
    pq.write_table(table, tmp_path / "events.parquet")
    found = {(f.code, f.pointer) for f in validate_flat([tmp_path / "events.parquet"]).findings}
    assert ("event-code-not-string", "/events/cameo_code") in found


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_null_derived_value_is_compared_as_null(tmp_path: Path, fmt: str) -> None:
    """A null actor country where the code has one is a mismatch, also when the column's
    only other value is that country (nulls are not read as a dictionary value)."""
    items = copy.deepcopy(list(base("events")))
    for row in items:
        row.update(source_actor_code="ARMGOV", source_actor_name="Armenia",
                   source_actor_country="ARM", source_actor_roles=["GOV"])  # fmt: skip
    items[ROW]["source_actor_country"] = None
    found = validate_flat([write(tmp_path, "events", items, fmt)]).findings
    assert {(f.code, f.pointer) for f in found} == {
        ("derived-value-mismatch", "/events/2/source_actor_country")
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_date_rules_without_the_derived_date_columns(tmp_path: Path, fmt: str) -> None:
    """The date rule runs on the date texts alone: the missing columns are reported, and
    a reversed range still is."""
    items = copy.deepcopy(list(base("events")))
    items[ROW].update(date_end_text="2024-02-29")
    table = arrow("events", items).drop_columns(["date_start", "date_end", "date_precision"])
    path = tmp_path / f"events.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        path.write_bytes(csv_bytes(table))
    found = {(f.code, f.pointer) for f in validate_flat([path]).findings}
    assert found == {
        ("missing-field", "/events/date_start"),
        ("missing-field", "/events/date_end"),
        ("missing-field", "/events/date_precision"),
        ("date-range-reversed", "/events/2/date_end_text"),
    }

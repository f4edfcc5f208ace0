"""Benchmark the flat-table validator against frictionless and row-by-row tools, fairly.

    .venv/bin/python benchmarks/validate_flat.py --rows 1000000 --slow-rows 20000 --repeats 5

Needs the test extra (frictionless, jsonschema): ``pip install -e '.[test]'``.

Generates N valid ``events`` rows (vectorised, values drawn from the codebook) and a copy
with 1% bad rows (17 kinds of fault, one per row, each mapping to exactly one catalogue
code), each written as Parquet in the published schema and as CSV; the first M rows of
both are written again as their own files. Every tool runs on the valid and on the 1%-bad
file, in fresh processes (start and imports included), in ``--repeats`` rounds (each round
runs every tool once, so that load drifting on a shared machine hits all of them); the
table gives each tool's median, and rows/s so that tools timed on N and on M rows can be
compared. Nothing is extrapolated.

- ``coded-events validate`` on the N-row Parquet and CSV, and on the M-row CSV;
- pyarrow reading the N-row Parquet (the floor);
- frictionless on the M-row CSV with the Table Schema and the custom ``Check`` of
  ``benchmarks/frictionless_rules.py`` (the same rules as ours), and with the Table
  Schema alone (fewer rules);
- jsonschema and pydantic on the M-row Parquet's row dicts (a row schema derived from the
  Table Schema: fewer rules).

Then "same rules" is checked, not claimed: both sides list every finding on the M-row CSV
files as (row, column, catalogue code), and the sets are compared (frictionless's errors
mapped to our codes by ``frictionless_flag``). Every injected bad row must be counted, per
code, in Parquet and CSV, and the valid files must have no finding; the exit status is 1
when any of this fails. ``--big 10000000`` also validates a 10-million-row Parquet file,
written in chunks, once, for its peak memory. Peak RSS is each process's own, from
``/usr/bin/time``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from coded_events.records.checks.codebook_checks import padded
from coded_events.records.checks.consistency import country_bboxes
from coded_events.release.rows import ARROW_SCHEMAS, arrow_table
from coded_events.release.table_schema import table_schema
from coded_events.spec import codebook, models

PYTHON = sys.executable
CLI = str(Path(sys.executable).with_name("coded-events"))
COUNTRIES = [
    "AZE",
    "ARM",
    "GEO",
    "KAZ",
    "TUR",
    "IRN",
    "UKR",
    "SYR",
    "IRQ",
    "ISR",
]  # no antimeridian
ACTOR_ROLES = ["", "GOV", "MIL", "COP", "OPP", "REB", "CVL", "GOVMIL", "LEG", "MED"]
FAULTS = {  # injected fault -> the one catalogue code it must produce
    "unknown-event-code": "unknown-event-code",
    "event-code-lost-leading-zero": "event-code-lost-leading-zero",
    "invalid-enum": "invalid-enum",
    "wrong-label": "derived-value-mismatch",
    "wrong-goldstein": "derived-value-mismatch",
    "wrong-quad-class": "derived-value-mismatch",
    "wrong-actor-country": "derived-value-mismatch",
    "wrong-date-precision": "derived-value-mismatch",
    "date-range-reversed": "date-range-reversed",
    "invalid-date": "invalid-date",
    "out-of-range": "out-of-range",
    "duplicate-event-id": "duplicate-event-id",
    "invalid-id": "invalid-id",
    "coordinates-outside-country": "coordinates-outside-country",
    "coordinates-incomplete": "coordinates-incomplete",
    "target-equals-source": "target-equals-source",
    "quantity-empty-unit": "empty-value",
}


# --- data ---------------------------------------------------------------------------------


def _codes() -> dict[str, pa.Array]:
    entries = [e for e in codebook.event_codes().values() if not e.deprecated]
    return {
        "code": pa.array([e.code for e in entries]),
        "label": pa.array([e.label for e in entries]),
        "root": pa.array([e.root_code for e in entries]),
        "quad": pa.array([e.quad_class for e in entries], pa.int8()),
        "goldstein": pa.array([e.goldstein for e in entries], pa.float64()),
    }


def _actors() -> tuple[list[str], list[str | None], list[list[str]]]:
    codes = [c + r for c in COUNTRIES for r in ACTOR_ROLES] + ["IGOUNO", "NGO"]
    parsed = [codebook.actor(c) for c in codes]
    return codes, [p.country for p in parsed], [list(p.roles) for p in parsed]


def _dates(rng: np.random.Generator, n: int) -> dict[str, pa.Array]:
    base = np.datetime64("2015-01-01")
    days = rng.integers(0, 3650, n)
    start = base + days.astype("timedelta64[D]")
    text = pa.array(start.astype(str))
    precision = rng.choice(np.array(["day", "month", "year"]), n, p=[0.7, 0.2, 0.1])
    cut = pa.array(np.where(precision == "day", 10, np.where(precision == "month", 7, 4)))
    start_text = pc.utf8_slice_codeunits(text, 0, 10)
    start_text = pc.if_else(
        pc.equal(cut, 10),
        start_text,
        pc.if_else(pc.equal(cut, 7), pc.utf8_slice_codeunits(text, 0, 7),
                   pc.utf8_slice_codeunits(text, 0, 4)),
    )  # fmt: skip
    ranged = (rng.random(n) < 0.1) & (precision == "day")
    end = start + rng.integers(1, 30, n).astype("timedelta64[D]")
    end_text = pa.array(np.where(ranged, end.astype(str), None), pa.string())
    month_start = start.astype("datetime64[M]").astype("datetime64[D]")
    year_start = start.astype("datetime64[Y]").astype("datetime64[D]")
    first = pa.array(
        np.where(precision == "day", start, np.where(precision == "month", month_start, year_start))
    )
    month_end = (start.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    year_end = (start.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    last = np.where(precision == "day", start, np.where(precision == "month", month_end, year_end))
    last = np.where(ranged, end, last)
    return {
        "date_start": pc.cast(first, pa.date32()),
        "date_end": pc.cast(pa.array(last), pa.date32()),
        "date_precision": pa.array(precision),
        "date_start_text": start_text,
        "date_end_text": end_text,
    }


def events_table(n: int, seed: int, offset: int = 0, sources: int = 1000) -> pa.Table:
    """``n`` valid events rows in the published schema (ids from ``offset``)."""
    rng = np.random.default_rng(seed)
    codes = _codes()
    pick = pa.array(rng.integers(0, len(codes["code"]), n))
    actor_codes, actor_countries, actor_roles = _actors()
    src = pa.array(rng.integers(0, len(actor_codes), n))
    tgt = pa.array(np.where(rng.random(n) < 0.8, rng.integers(0, len(actor_codes), n), -1))
    tgt = pc.if_else(pc.equal(tgt, -1), None, tgt)
    country_pick = pa.array(rng.integers(0, len(COUNTRIES), n))
    boxes = country_bboxes()
    box = np.array([boxes[c] for c in COUNTRIES])
    index = country_pick.to_numpy()
    lat = box[index, 0] + rng.random(n) * (box[index, 1] - box[index, 0])
    lon = box[index, 2] + rng.random(n) * (box[index, 3] - box[index, 2])
    numbers = pc.utf8_lpad(pc.cast(pa.array(np.arange(offset, offset + n)), pa.string()), 9, "0")
    ids = pc.binary_join_element_wise("ev", numbers, "-")  # sorted, as published tables are
    source_ids = pc.binary_join_element_wise(
        "src", pc.cast(pa.array(rng.integers(0, sources, n)), pa.string()), "-"
    )
    quantity = pa.array(
        [[{"value": 2000.0, "unit": "troops", "qualifier": "approximately",
           "as_written": "nearly 2,000"}] if q else [] for q in rng.random(n) < 0.05],
        ARROW_SCHEMAS["events"].field("quantities").type,
    )  # fmt: skip

    def enum(values: list[str]) -> pa.Array:
        return pa.array(np.array(values)[rng.integers(0, len(values), n)])

    a_codes, a_countries = pa.array(actor_codes), pa.array(actor_countries, pa.string())
    a_roles = pa.array(actor_roles, pa.list_(pa.string()))
    columns = {
        "event_id": ids,
        "source_id": source_ids,
        **_dates(rng, n),
        "date_approximate": pa.array(rng.random(n) < 0.1),
        "date_note": pa.nulls(n, pa.string()),
        "source_actor_code": a_codes.take(src),
        "source_actor_name": pa.array(np.array(["Russian peacekeepers", "Armenian government",
                                                "Azerbaijani army", "protesters"])[
                                          rng.integers(0, 4, n)]),
        "source_actor_country": a_countries.take(src),
        "source_actor_roles": a_roles.take(src),
        "source_actor_ethnic": pa.nulls(n, pa.string()),
        "source_actor_religion": pa.nulls(n, pa.string()),
        "source_actor_known_group": pa.nulls(n, pa.string()),
        "target_actor_code": a_codes.take(tgt),
        "target_actor_name": pc.if_else(pc.is_valid(tgt), "the other side", None),
        "target_actor_country": a_countries.take(tgt),
        "target_actor_roles": a_roles.take(tgt),
        "target_actor_ethnic": pa.nulls(n, pa.string()),
        "target_actor_religion": pa.nulls(n, pa.string()),
        "target_actor_known_group": pa.nulls(n, pa.string()),
        "cameo_code": codes["code"].take(pick),
        "cameo_label": codes["label"].take(pick),
        "root_code": codes["root"].take(pick),
        "quad_class": codes["quad"].take(pick),
        "goldstein": codes["goldstein"].take(pick),
        "location_name": enum(["Stepanakert", "Yerevan", "Tbilisi", "Baku", "Moscow"]),
        "location_country": pa.array(COUNTRIES).take(country_pick),
        "location_admin1": pa.nulls(n, pa.string()),
        "location_admin2": pa.nulls(n, pa.string()),
        "latitude": pa.array(lat),
        "longitude": pa.array(lon),
        "geo_precision": enum([g.value for g in models.GeoPrecision if g.value != "none"]),
        "geonames_id": pa.array(rng.integers(1, 10_000_000, n)),
        "certainty": enum([c.value for c in models.Certainty]),
        "status": enum(["occurred", "ongoing"]),
        "quantities": quantity,
        "coder": pa.array(np.full(n, "benchmark")),
        "notes": pc.if_else(pa.array(rng.random(n) < 0.5),
                            "Coded from the article's second paragraph; the date is the "
                            "publication date.", None),
    }  # fmt: skip
    return arrow_table("events", columns)


def sources_table(count: int = 1000) -> pa.Table:
    ids = [f"src-{i}" for i in range(count)]
    columns = {
        "source_id": pa.array(ids),
        "title": pa.array([f"Article {i}" for i in range(count)]),
        "publisher": pa.array(["Myind"] * count),
        "published": pa.array([models.first_day("2024-04-17")] * count, pa.date32()),
        "published_text": pa.array(["2024-04-17"] * count),
        "url": pa.array([f"https://example.org/{i}" for i in range(count)]),
        "language": pa.array(["en"] * count).dictionary_encode(),
        "text_sha256": pa.array(["0" * 64] * count),
    }
    return pa.Table.from_pydict(columns, schema=ARROW_SCHEMAS["sources"])


def inject_faults(table: pa.Table, seed: int, share: float = 0.01) -> tuple[pa.Table, Counter]:
    """1% bad rows, each with one fault that maps to exactly one catalogue code; the
    count of each injected fault."""
    rng = np.random.default_rng(seed)
    n = table.num_rows
    rows = rng.choice(n, int(n * share), replace=False)
    rows.sort()
    kind = rng.integers(0, len(FAULTS), len(rows))
    cols = {name: table.column(name).combine_chunks() for name in table.column_names}
    py = {name: cols[name] for name in cols}
    expected: Counter = Counter()
    edits: dict[str, dict[int, object]] = {}

    def put(column: str, row: int, value: object) -> None:
        edits.setdefault(column, {})[int(row)] = value

    code = pc.cast(cols["cameo_code"], pa.string()).to_numpy(zero_copy_only=False)
    # codes whose stripped form is no code of its own ("010" -> "10" is another code)
    codes = codebook.event_codes()
    losable = {c for c in codes if c.lstrip("0") not in codes and padded(c.lstrip("0")) == c}
    zero_rows = np.flatnonzero(np.isin(code.astype(str), sorted(losable)))
    used: set[int] = set()
    for row, k in zip(rows.tolist(), kind.tolist(), strict=True):
        fault = list(FAULTS)[k]
        if fault == "event-code-lost-leading-zero":
            row = int(zero_rows[rng.integers(0, len(zero_rows))])
        if row in used:  # one fault per row
            continue
        if fault == "event-code-lost-leading-zero":
            put("cameo_code", row, code[row].lstrip("0"))
        elif fault == "unknown-event-code":
            put("cameo_code", row, "999")
        elif fault == "invalid-enum":
            put("certainty", row, "sure")
        elif fault == "wrong-label":
            put("cameo_label", row, "Not the codebook's label")
        elif fault == "wrong-goldstein":
            score = py["goldstein"][row].as_py()
            put("goldstein", row, 1.0 if score is None else score + (1 if score <= 9 else -1))
        elif fault == "wrong-quad-class":
            put("quad_class", row, py["quad_class"][row].as_py() % 4 + 1)
        elif fault == "wrong-actor-country":
            put("source_actor_country", row, "FRA")  # no actor of the table is French
        elif fault == "wrong-date-precision":
            precision = py["date_precision"][row].as_py()
            put("date_precision", row, {"day": "month", "month": "year", "year": "day"}[precision])
        elif fault == "date-range-reversed":
            start = py["date_start"][row].as_py()
            end = start - dt.timedelta(days=400)
            put("date_end_text", row, end.isoformat())
            put("date_end", row, end)
        elif fault == "invalid-date":
            put("date_start_text", row, "2023-02-30")
        elif fault == "out-of-range":
            put("latitude", row, 95.0)
        elif fault == "duplicate-event-id":
            if row == 0:
                continue
            put("event_id", row, f"ev-{int(rng.integers(0, row)):09d}")
        elif fault == "invalid-id":
            put("event_id", row, f"EV {row}")
        elif fault == "coordinates-outside-country":
            put("latitude", row, -45.0)
        elif fault == "coordinates-incomplete":
            put("longitude", row, None)
        elif fault == "target-equals-source":
            for part in ("code", "name", "country", "roles"):
                put(f"target_actor_{part}", row, py[f"source_actor_{part}"][row].as_py())
        elif fault == "quantity-empty-unit":
            put("quantities", row, [{"value": 3.0, "unit": "", "qualifier": "approximately",
                                     "as_written": "three"}])  # fmt: skip
        used.add(row)
        expected[fault] += 1
    # duplicates of a row that is itself changed would not be duplicates: redo those
    ids_changed = edits.get("event_id", {})
    for row, value in list(ids_changed.items()):
        if isinstance(value, str) and value.startswith("ev-"):
            target = int(value.split("-")[1])
            if target in used:
                del ids_changed[row]
                used.discard(row)
                expected["duplicate-event-id"] -= 1
    for column, changes in edits.items():
        values = cols[column]
        plain = pc.cast(values, pa.string()) if pa.types.is_dictionary(values.type) else values
        arr = plain.to_pylist()
        for row, value in changes.items():
            arr[row] = value
        new = pa.array(arr, plain.type)
        cols[column] = new.dictionary_encode() if pa.types.is_dictionary(values.type) else new
    out = pa.Table.from_arrays([cols[n] for n in table.column_names], schema=table.schema)
    return out, expected


def write_csv(table: pa.Table, path: Path) -> None:
    """The table as CSV in the published conventions (lists as JSON text)."""
    columns = []
    for field in table.schema:
        column = table.column(field.name).combine_chunks()
        if pa.types.is_dictionary(field.type):
            column = pc.cast(column, pa.string())
        elif field.name.endswith("_roles"):
            inner = pc.binary_join(column, '","')
            column = pc.if_else(
                pc.equal(pc.list_value_length(column), 0),
                "[]",
                pc.binary_join_element_wise('["', inner, '"]', ""),
            )
        elif pa.types.is_list(field.type):
            column = pa.array(
                [json.dumps(v, separators=(",", ":")) if v is not None else None
                 for v in column.to_pylist()], pa.string())  # fmt: skip
        columns.append(column)
    plain = pa.Table.from_arrays(columns, names=table.column_names)
    pa_csv.write_csv(plain, path, pa_csv.WriteOptions(quoting_style="needed"))


# --- timing -------------------------------------------------------------------------------------


def run(
    command: list[str], stdout: int | None = subprocess.DEVNULL, cwd: Path | None = None
) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS (MB) of one fresh process, and its stdout.

    The RSS comes from ``/usr/bin/time -f %M`` (a small parent), because a child forked
    from this large process inherits its high-water mark in ``ru_maxrss``. The few
    milliseconds ``time`` adds are the same for every tool."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *command],
            stdout=subprocess.PIPE if stdout is None else stdout,
            cwd=cwd,
            check=False,
        )
        seconds = time.perf_counter() - start
        peak = int(rss.read().strip().splitlines()[-1]) / 1024
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{command} failed with status {result.returncode}")
    return seconds, peak, result.stdout or b""


def median_run(command: list[str], repeats: int) -> tuple[float, float, bytes]:
    results = [run(command, stdout=None) for _ in range(repeats)]
    seconds = statistics.median(r[0] for r in results)
    return seconds, max(r[1] for r in results), results[-1][2]


READ_ONLY = "import sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); print(t.num_rows)"

ROW_TOOLS = r"""
import json, sys, time
import pyarrow.parquet as pq
tool, path, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
schema = json.load(open(sys.argv[4]))
table = pq.read_table(path).slice(0, rows)
dicts = table.to_pylist()
for d in dicts:
    for k, v in d.items():
        if hasattr(v, "isoformat"):
            d[k] = v.isoformat()
start = time.perf_counter()
bad = 0
if tool == "jsonschema":
    import jsonschema
    validator = jsonschema.Draft202012Validator(schema)
    for d in dicts:
        bad += any(True for _ in validator.iter_errors(d))
else:
    from typing import Literal, Optional
    import pydantic
    fields = {}
    for name, prop in schema["properties"].items():
        kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        base = {"string": str, "number": float, "integer": int, "boolean": bool,
                "array": list}[next(k for k in kinds if k != "null")]
        if "enum" in prop:
            base = Literal[tuple(v for v in prop["enum"] if v is not None)]
        extra = {k: prop[k] for k in ("pattern",) if k in prop}
        extra.update({"ge": prop["minimum"]} if "minimum" in prop else {})
        extra.update({"le": prop["maximum"]} if "maximum" in prop else {})
        extra.update({"min_length": prop["minLength"]} if "minLength" in prop else {})
        if "null" in kinds:
            fields[name] = (Optional[base], pydantic.Field(None, **extra))
        else:
            fields[name] = (base, pydantic.Field(..., **extra))
    Model = pydantic.create_model("Row", **fields)
    for d in dicts:
        try:
            Model.model_validate(d)
        except pydantic.ValidationError:
            bad += 1
print(json.dumps({"seconds": time.perf_counter() - start, "bad": bad}))
"""


def row_json_schema(table: str) -> dict:
    """A JSON Schema for one row dict, from the Table Schema (types, enums, patterns, ranges)."""
    kinds = {"string": "string", "date": "string", "number": "number", "integer": "integer",
             "boolean": "boolean", "array": "array"}  # fmt: skip
    properties, required = {}, []
    for field in table_schema(table)["fields"]:
        constraints = field.get("constraints", {})
        prop: dict = {"type": kinds[field["type"]]}
        if constraints.get("required"):
            required.append(field["name"])
        else:
            prop["type"] = [prop["type"], "null"]
        if "enum" in constraints:
            prop["enum"] = [*constraints["enum"], *([None] if "null" in prop["type"] else [])]
        if "pattern" in constraints:
            prop["pattern"] = f"^(?:{constraints['pattern']})$"
        for key in ("minimum", "maximum", "minLength", "maxLength"):
            if key in constraints:
                prop[key] = constraints[key]
        properties[field["name"]] = prop
    return {"type": "object", "properties": properties, "required": required}


def frictionless_descriptor(folder: Path, name: str) -> Path:
    schema = table_schema("events")
    schema["foreignKeys"] = []
    descriptor = {"name": "events", "path": name, "schema": schema,
                  "dialect": {"header": True}}  # fmt: skip
    path = folder / f"{name}.resource.json"
    path.write_text(json.dumps(descriptor))
    return path


FRICTIONLESS_RULES = str(Path(__file__).with_name("frictionless_rules.py"))


def counts_from_json(output: bytes) -> Counter:
    """Exact counts per code from ``coded-events validate --format json``."""
    findings = json.loads(output)
    shown: Counter = Counter()
    summary: Counter = Counter()
    for f in findings:
        if (
            f["pointer"].count("/") == 1
            and isinstance(f["value"], int)
            and "in all" in f["message"]
        ):
            summary[f["code"]] += f["value"]
        else:
            shown[f["code"]] += 1
    return Counter({code: summary.get(code) or shown[code] for code in shown | summary})


# --- same rules: the findings of both sides on the same rows -----------------------------------

Flag = tuple[int, str, str]  # (data row counted from 1, column, catalogue code)

_CONSTRAINT_CODES = {"required": "missing-field", "enum": "invalid-enum", "minimum": "out-of-range",
                     "maximum": "out-of-range", "minLength": "empty-value",
                     "maxLength": "invalid-id"}  # fmt: skip
_PATTERN_CODES = {"event_id": "invalid-id", "source_id": "invalid-id",
                  "date_start_text": "invalid-date", "date_end_text": "invalid-date",
                  "source_actor_code": "malformed-actor-code",
                  "target_actor_code": "malformed-actor-code"}  # fmt: skip


def frictionless_flag(row: int, column: str | None, kind: str, note: str, cell: str | None) -> Flag:
    """One frictionless error as (row, column, catalogue code).

    Errors of the custom check carry the code in their note. Table Schema errors map by
    constraint; frictionless's one enum error on ``cameo_code`` is split by the cell's value
    into ``event-code-lost-leading-zero`` (the code with its zeros restored exists) and
    ``unknown-event-code``. frictionless counts the header as row 1."""
    data_row = row - 1
    if kind == "coded-events-rule":
        return data_row, str(column), note.split(":", 1)[0]
    if kind == "primary-key":
        return data_row, "event_id", "duplicate-event-id"
    if kind == "constraint-error":
        match = re.match(r'constraint "(\w+)"', note)
        constraint = match.group(1) if match else "?"
        if column == "cameo_code" and constraint == "enum":
            code = "event-code-lost-leading-zero" if padded(cell or "") else "unknown-event-code"
        elif constraint == "pattern":
            code = _PATTERN_CODES.get(str(column), "invalid-format")
        else:
            code = _CONSTRAINT_CODES.get(constraint, f"frictionless {constraint}")
        return data_row, str(column), code
    return data_row, str(column), f"frictionless {kind}"


def our_flags(output: bytes) -> set[Flag]:
    """(row, column, code) of every finding of ``coded-events validate --format json``."""
    out = set()
    for f in json.loads(output):
        parts = f["pointer"].split("/")
        if len(parts) < 4:
            raise RuntimeError(f"a summary finding: raise --max-samples ({f['message']})")
        out.add((int(parts[2]), parts[3], f["code"]))
    return out


def agreement(ours: set[Flag], theirs: set[Flag], label: str) -> bool:
    """Print how far the two sets of flags agree; True when they are the same."""
    both, only_ours, only_theirs = ours & theirs, ours - theirs, theirs - ours
    union = len(ours | theirs)
    print(f"same rules, {label}: coded-events {len(ours)} flags (row, column, code), "
          f"frictionless + check {len(theirs)}; in both {len(both)}, only ours "
          f"{len(only_ours)}, only frictionless {len(only_theirs)}; agreement "
          f"{len(both) / union if union else 1:.1%}")  # fmt: skip
    for name, flags in (("only ours", only_ours), ("only frictionless", only_theirs)):
        by_code = Counter((code, column) for _, column, code in flags)
        for (code, column), count in sorted(by_code.items()):
            rows = sorted(r for r, c, k in flags if (k, c) == (code, column))[:5]
            print(f"  {name}: {code} on {column}: {count} (rows {rows})")
    if both:
        per_rule = Counter(f"{code} on {column}" for _, column, code in both)
        print("  in both: " + ", ".join(f"{r} {n}" for r, n in sorted(per_rule.items())))
    return not only_ours and not only_theirs


# --- jobs ----------------------------------------------------------------------------------------


@dataclass
class Job:
    """One tool on one file, run ``repeats`` times in fresh processes."""

    tool: str
    file: str  # "valid" or "1% bad"
    rows: int
    command: list[str]
    cwd: Path | None = None
    times: list[float] = dataclasses.field(default_factory=list)
    rss: float = 0.0
    output: bytes = b""

    @property
    def seconds(self) -> float:
        return statistics.median(self.times)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def time_jobs(jobs: list[Job], repeats: int) -> None:
    """Every job once per round, ``repeats`` rounds: load that drifts during the run hits
    all tools alike, and each tool's time is the median of its rounds."""
    for round_ in range(repeats):
        start = time.perf_counter()
        for job in jobs:
            seconds, rss, output = run(job.command, stdout=None, cwd=job.cwd)
            job.times.append(seconds)
            job.rss, job.output = max(job.rss, rss), output
        print(f"  round {round_ + 1}/{repeats}: {time.perf_counter() - start:.0f} s", flush=True)


def write_inputs(folder: Path, n: int, m: int) -> tuple[dict[str, Path], dict[str, Path], Counter]:
    """The N-row files (Parquet and CSV) and the M-row CSV/Parquet slices (their first M rows),
    valid and 1% bad; the injected faults of the N-row bad file."""
    valid = events_table(n, seed=1)
    bad, expected = inject_faults(valid, seed=2)
    big, small = {}, {}
    for label, table in (("valid", valid), ("bad", bad)):
        for where, rows, out in ((folder / label, n, big), (folder / f"small-{label}", m, small)):
            where.mkdir(exist_ok=True)
            part = table.slice(0, rows)
            pq.write_table(part, where / "events.parquet", compression="zstd",
                           row_group_size=max(rows, 1))  # fmt: skip
            write_csv(part, where / "events.csv")
            frictionless_descriptor(where, "events.csv")
            (where / "row.schema.json").write_text(json.dumps(row_json_schema("events")))
            out[label] = where
    return big, small, expected


def build_jobs(big: dict[str, Path], small: dict[str, Path], n: int, m: int) -> list[Job]:
    """Every tool on the valid and on the 1%-bad file."""
    files = {"valid": "valid", "bad": "1% bad"}
    jobs = [Job("pyarrow read only (floor)", "valid", n,
                [PYTHON, "-c", READ_ONLY, str(big["valid"] / "events.parquet")])]  # fmt: skip
    ours = [CLI, "validate", "--format", "json"]
    for key, label in files.items():
        jobs += [
            Job("coded-events validate, Parquet", label, n,
                [*ours, str(big[key] / "events.parquet")]),
            Job("coded-events validate, CSV", label, n, [*ours, str(big[key] / "events.csv")]),
            Job("coded-events validate, CSV", label, m, [*ours, str(small[key] / "events.csv")]),
            Job("frictionless, Table Schema + custom Check (same rules), CSV", label, m,
                [PYTHON, FRICTIONLESS_RULES, "events.csv.resource.json", "--check"], small[key]),
            Job("frictionless, Table Schema alone (fewer rules), CSV", label, m,
                [PYTHON, FRICTIONLESS_RULES, "events.csv.resource.json"], small[key]),
        ]  # fmt: skip
        for tool in ("jsonschema", "pydantic"):
            jobs.append(Job(f"{tool} on row dicts (fewer rules), Parquet", label, m,
                            [PYTHON, "-c", ROW_TOOLS, tool, str(small[key] / "events.parquet"),
                             str(m), str(small[key] / "row.schema.json")]))  # fmt: skip
    return jobs


def find(jobs: list[Job], tool: str, file: str, rows: int | None = None) -> Job:
    return next(j for j in jobs if j.tool.startswith(tool) and j.file == file
                and (rows is None or j.rows == rows))  # fmt: skip


def print_table(jobs: list[Job], n: int) -> None:
    base = {f: find(jobs, "coded-events validate, CSV", f, n).rate for f in ("valid", "1% bad")}
    print("| tool | file | rows | median s | rows/s | peak RSS MB | our CSV rows/s / its rows/s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for job in jobs:
        ratio = base[job.file] / job.rate
        print(f"| {job.tool} | {job.file} | {job.rows:,} | {job.seconds:.2f} | {job.rate:,.0f} "
              f"| {job.rss:.0f} | {ratio:.2f} |")  # fmt: skip


def print_ratios(jobs: list[Job], n: int, m: int) -> None:
    for file in ("valid", "1% bad"):
        csv_n = find(jobs, "coded-events validate, CSV", file, n)
        csv_m = find(jobs, "coded-events validate, CSV", file, m)
        parquet = find(jobs, "coded-events validate, Parquet", file)
        check = find(jobs, "frictionless, Table Schema + custom Check", file)
        alone = find(jobs, "frictionless, Table Schema alone", file)
        print(f"{file}: rows/s, coded-events CSV ({n:,} rows) / frictionless + check CSV "
              f"({m:,} rows): {csv_n.rate / check.rate:.1f}x; same {m:,}-row file for both: "
              f"{csv_m.rate / check.rate:.1f}x; vs frictionless Table Schema alone: "
              f"{csv_n.rate / alone.rate:.1f}x; [extra, not like for like: our Parquet / "
              f"frictionless CSV {parquet.rate / check.rate:.0f}x]")  # fmt: skip
    floor = find(jobs, "pyarrow read only", "valid")
    for file in ("valid", "1% bad"):
        ours = find(jobs, "coded-events validate, Parquet", file)
        print(f"ours Parquet ({file}) / read-only floor: {ours.seconds / floor.seconds:.2f}x")


def check_counts(jobs: list[Job], expected: Counter, n: int) -> bool:
    """Every injected bad row counted, per code, in Parquet and CSV; no finding when valid."""
    ok = True
    counts = {fmt: counts_from_json(find(jobs, f"coded-events validate, {fmt}", "1% bad",
                                         n).output) for fmt in ("Parquet", "CSV")}  # fmt: skip
    injected: Counter = Counter()
    for fault, count in expected.items():
        injected[FAULTS[fault]] += count
    print("injected faults vs counted, per code (Parquet | CSV):")
    for code in sorted(set(FAULTS.values())):
        got, got_csv = counts["Parquet"].get(code, 0), counts["CSV"].get(code, 0)
        good = got == injected[code] == got_csv
        ok &= good
        print(f"  {code:<32} injected {injected[code]:>6}  counted {got:>6} | {got_csv:>6}"
              f"  {'ok' if good else 'MISMATCH'}")  # fmt: skip
    extra = (set(counts["Parquet"]) | set(counts["CSV"])) - set(injected)
    if extra:
        ok = False
        print(f"  codes not injected: {sorted(extra)}")
    for fmt in ("Parquet", "CSV"):
        if json.loads(find(jobs, f"coded-events validate, {fmt}", "valid", n).output):
            ok = False
            print(f"  findings on the valid {fmt} file")
    print(f"every injected bad row counted, nothing on the valid files: {'yes' if ok else 'NO'}")
    return ok


def compare_findings(small: dict[str, Path]) -> bool:
    """Both sides on the same M-row CSV files, every finding listed (no sampling); True
    when they flag the same (row, column, code) on both files."""
    same = True
    for key, label in (("valid", "valid file"), ("bad", "1%-bad file")):
        ours = run([CLI, "validate", "--format", "json", "--max-samples", str(10**9),
                    str(small[key] / "events.csv")], stdout=None)[2]  # fmt: skip
        errors = small[key] / "frictionless-errors.json"
        run([PYTHON, FRICTIONLESS_RULES, "events.csv.resource.json", "--check", "--errors",
             errors.name], cwd=small[key])  # fmt: skip
        theirs = {frictionless_flag(*e) for e in json.loads(errors.read_text())}
        same &= agreement(our_flags(ours), theirs, label)
    return same


def big_file(folder: Path, rows: int) -> None:
    """One large Parquet file written in chunks; ours and the read-only floor, once each."""
    big = folder / "big"
    big.mkdir(exist_ok=True)
    path = big / "events.parquet"
    chunk = 1_000_000
    with pq.ParquetWriter(path, ARROW_SCHEMAS["events"], compression="zstd") as writer:
        for i in range(0, rows, chunk):
            writer.write_table(events_table(min(chunk, rows - i), seed=10 + i, offset=i),
                               row_group_size=chunk)  # fmt: skip
    seconds, rss, _ = run([CLI, "validate", str(path)])
    floor_big = run([PYTHON, "-c", READ_ONLY, str(path)])
    print(
        f"{rows:,} rows (one run each): ours {seconds:.1f} s, peak RSS {rss:.0f} MB; "
        f"read-only (whole table in memory) {floor_big[0]:.1f} s, {floor_big[1]:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the fast tools")
    parser.add_argument("--slow-rows", type=int, default=20_000, help="rows for every tool")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (median)")
    parser.add_argument("--big", type=int, default=0, help="also validate this many rows")
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="validate-flat-"))
    folder.mkdir(parents=True, exist_ok=True)
    n, m = args.rows, args.slow_rows

    t0 = time.perf_counter()
    big, small, expected = write_inputs(folder, n, m)
    print(f"generated {n:,} rows in {time.perf_counter() - t0:.1f} s in {folder}", flush=True)
    jobs = build_jobs(big, small, n, m)
    t0 = time.perf_counter()
    time_jobs(jobs, args.repeats)
    print()
    print(f"rows: {n:,} (fast tools) and {m:,} (every tool, the first rows of the same files); "
          f"{os.cpu_count()} cores (shared); medians of {args.repeats} rounds; timing took "
          f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
    print()
    print_table(jobs, n)
    print()
    print_ratios(jobs, n, m)
    print()
    same = compare_findings(small)
    print()
    counted = check_counts(jobs, expected, n)
    if args.big:
        print()
        big_file(folder, args.big)
    sys.exit(0 if same and counted else 1)


if __name__ == "__main__":
    main()

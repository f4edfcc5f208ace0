"""PLOVER / POLECAT JSON records: the parsing rules.

- a file is a JSON array of records (or one record per line: JSON lines, where a line
  that is not one JSON value is a rejected row), read record by record
  (``read_records``), with duplicate keys and NaN/Infinity refused;
- a record with several sources or targets becomes **one event per (source, target)
  pair**, the pairs of one record tied by ``same_as`` links to the first pair;
- a date the producer marks as a placeholder is not a date: the gold-standard records
  (``PLOVER-GSR`` ids) set every date to ``2000-01-01`` (their readme says so), so such a
  record is rejected with a finding, never imported with a made-up date;
- ``target`` may be empty (``""``), absent, or not an actor at all (a string such as
  ``"diplomatic"``): no target, and the last is reported;
- a sector may carry an ethnic or other suffix (``REFKUR``, ``ELIyor``): the first three
  letters are the sector, the rest is kept verbatim;
- size and casualty fields written as words (``Thousands``) become quantities through a
  declared table (``SIZE_WORDS``: the smallest number the word must mean, ``at_least``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers import crosswalks
from coded_events.importers.columns import map_distinct, map_rows, matches, strict_date
from coded_events.importers.dates import DATE_TARGETS, date_columns
from coded_events.importers.format import Batch, Converted, Format, Issue, Layout, Rule
from coded_events.importers.plover_reader import (
    COLUMNS,
    OTHER_KEYS,
    JsonError,
    pairs,
    read_plover,
    read_records,
)
from coded_events.importers.rules import lossy_issue, quantities
from coded_events.importers.sources import file_source_id, slug
from coded_events.spec import codebook

__all__ = [
    "COLUMNS",
    "FORMAT",
    "OTHER_KEYS",
    "PLACEHOLDER_DATES",
    "SIZE_WORDS",
    "JsonError",
    "actor",
    "is_placeholder_date",
    "pairs",
    "quantity",
    "read_plover",
    "read_records",
]

PLACEHOLDER_DATES = {"PLOVER-GSR": ("2000-01-01",)}
"""Id prefix -> dates its producer documents as placeholders (PLOVER_GSR_CAMEO_readme:
"All date fields are set to 2000-01-01")."""

SIZE_WORDS = {
    "dozens": 24.0,
    "hundreds": 200.0,
    "thousands": 2000.0,
    "tens of thousands": 20000.0,
    "hundreds of thousands": 200000.0,
    "millions": 2000000.0,
}
"""A plural count word -> the smallest number it can mean (two of the unit)."""


def is_placeholder_date(record: dict[str, Any]) -> bool:
    """True when the record's date is one its producer documents as a placeholder."""
    record_id = str(record.get("id", ""))
    return any(
        record_id.startswith(prefix) and record.get("date") in dates
        for prefix, dates in PLACEHOLDER_DATES.items()
    )


@dataclass(frozen=True)
class PloverActor:
    """A PLOVER actor entry as our actor code (None: nothing expressible) and its text."""

    code: str | None
    text: str | None
    lossy: bool
    kept: str | None  # what of the sector could not be mapped, verbatim


def actor(entry: Any) -> PloverActor | None:
    """Our actor for one PLOVER source/target entry (None: not an actor)."""
    if not isinstance(entry, dict):
        return None
    raw_code = str(entry.get("code") or "").strip()
    sector = str(entry.get("sector") or "").strip()
    lossy, kept = False, None
    mapping = crosswalks.plover_actor_code(raw_code)  # first: PLOVER EUR is the EU
    if mapping is not None:
        first, lossy = mapping.code, mapping.lossy
    elif raw_code in codebook.actor_countries():
        first = raw_code
    else:
        first, lossy = None, True
    role = None
    if sector:
        found = crosswalks.plover_sector(sector[:3])
        role = found.code if found else None
        lossy = lossy or found is None or found.lossy or len(sector) > 3
        kept = sector if (found is None or len(sector) > 3) else None
    code = (first or "") + (role or "")
    try:
        codebook.actor(code)
    except codebook.UnknownCodeError:
        code, lossy = first or "", True
    return PloverActor(code or None, entry.get("actorText"), lossy, kept)


def quantity(value: Any, unit: str) -> dict[str, object] | None:
    """A size or casualty field as a quantity: a number is exact, a count word is
    ``at_least`` its smallest meaning; None for anything else (kept in provenance)."""
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return {"value": float(text), "unit": unit, "qualifier": "exact", "as_written": text}
    smallest = SIZE_WORDS.get(text.casefold())
    if smallest is None:
        return None
    return {"value": smallest, "unit": unit, "qualifier": "at_least", "as_written": text}


# --- the reader and the declared format -----------------------------------------------------


def first_of_record(batch: Batch) -> pa.Array:
    """True on the first row of each record (its place in the record, ``pair``, null or
    1; records, not lines, since several records may share a line): record-level
    findings are shown and counted once per record."""
    if batch.pair is None:
        return pa.repeat(pa.scalar(True), len(batch))
    return pc.fill_null(pc.less_equal(batch.pair, 1), True)


def _once(issues: list[Issue], batch: Batch) -> list[Issue]:
    first = first_of_record(batch)
    return [
        Issue(i.code, pc.and_(pc.fill_null(i.mask, False), first), i.value, i.params, i.column)
        for i in issues
    ]


_ACTOR = pa.struct(
    [("code", pa.string()), ("name", pa.string()), ("lossy", pa.bool_()),
     ("note", pa.string()), ("actor", pa.bool_())]
)  # fmt: skip


def _actor_cell(cell: str | None) -> dict[str, object]:
    none = {"code": None, "name": None, "lossy": False, "note": None, "actor": cell is None}
    if cell is None:
        return none
    try:
        entry = json.loads(cell)
    except ValueError:
        return none
    found = actor(entry)
    if found is None:
        return none
    note = (
        f"code {entry.get('code')!r} with sector {entry.get('sector')!r} is not wholly "
        "expressible as a CAMEO actor code (kept)"
    )
    if found.kept:
        note = f"sector {found.kept!r} has no CAMEO role or carries a suffix (kept)"
    text = found.text if isinstance(found.text, str) else None
    return {"code": found.code, "name": text, "lossy": found.lossy, "note": note, "actor": True}


def _actor_rule(prefix: str, column: str, doc: str) -> Rule:
    targets = (f"events.{prefix}_code", f"events.{prefix}_name")

    def convert(batch: Batch, cells: pa.Array) -> Converted:
        built = map_distinct(cells, _actor_cell, _ACTOR)
        issues = [
            lossy_issue(
                built.field("lossy"), cells, "plover_sectors.csv / plover_actor_codes.csv",
                built.field("note"), column,
            ),
        ]  # fmt: skip
        if column == "target":
            issues.append(
                Issue("import-target-not-actor", pc.invert(built.field("actor")), cells, {}, column)
            )
        return Converted({targets[0]: built.field("code"), targets[1]: built.field("name")},
                         issues)  # fmt: skip

    return Rule(targets, (column,), convert, doc, keep=True)


_EVENT = pa.struct(
    [("code", pa.string()), ("lossy", pa.bool_()), ("note", pa.string()),
     ("document", pa.bool_())]
)  # fmt: skip


def _event(event: str, mode: str) -> dict[str, object]:
    if event == "DOCUMENT":
        return {"code": None, "lossy": False, "note": None, "document": True}
    found = crosswalks.plover_event(event, mode or None)
    if found is None:
        return {"code": None, "lossy": False, "note": None, "document": False}
    return {"code": found.cameo_code, "lossy": found.lossy, "note": found.note,
            "document": False}  # fmt: skip


def _event_rule(doc: str) -> Rule:
    def convert(batch: Batch, event: pa.Array, mode: pa.Array) -> Converted:
        built = map_rows([event, mode], _event, _EVENT)
        category = pc.utf8_rtrim(
            pc.binary_join_element_wise(event, mode, " / ", null_handling="replace",
                                        null_replacement=""), characters=" /"
        )  # fmt: skip
        document = built.field("document")
        issues = [
            Issue("import-not-an-event", document, event, {"category": category}, "event"),
            Issue(
                "import-category-unmapped",
                pc.and_(pc.is_null(built.field("code")), pc.invert(document)),
                event,
                {
                    "category": pc.fill_null(category, "(none)"),
                    "crosswalk": "plover_event_types.csv",
                },
                "event",
            ),
            lossy_issue(
                built.field("lossy"),
                category,
                "plover_event_types.csv",
                built.field("note"),
                "event",
            ),
        ]
        return Converted({"events.cameo_code": built.field("code")}, _once(issues, batch))

    return Rule(("events.cameo_code",), ("event", "mode"), convert, doc, keep=True)


def _date_rule(doc: str) -> Rule:
    def convert(batch: Batch, raw: pa.Array, ids: pa.Array) -> Converted:
        day = strict_date(pc.utf8_trim_whitespace(raw), "%Y-%m-%d")
        rows = zip(ids.to_pylist(), raw.to_pylist(), strict=True)
        placeholder = pa.array(
            [is_placeholder_date({"id": i or "", "date": d}) for i, d in rows], pa.bool_()
        )
        columns = date_columns(day, pa.repeat(pa.scalar("day"), len(batch)))
        issues = [
            Issue("import-bad-date", pc.is_null(day), raw, {"name": "date"}, "date"),
            Issue("import-placeholder-date", placeholder, raw, {"name": "date"}, "date"),
        ]
        return Converted(columns, _once(issues, batch))

    return Rule(DATE_TARGETS, ("date", "id"), convert, doc, keep=("date",))


def _quantity_rule(doc: str) -> Rule:
    units = {"size": "participants", "casualties": "casualties"}

    def convert(batch: Batch, size: pa.Array, casualties: pa.Array) -> Converted:
        found: list[list[dict[str, object]]] = [[] for _ in range(len(batch))]
        issues = []
        for column, values in (("size", size), ("casualties", casualties)):
            unreadable = []
            for row, value in enumerate(values.to_pylist()):
                q = quantity(value, units[column]) if value is not None else None
                if q is not None:
                    found[row].append(q)
                unreadable.append(value is not None and q is None)
            issues.append(
                Issue(
                    "import-quantity-unreadable",
                    pa.array(unreadable, pa.bool_()),
                    values,
                    {"name": column},
                    column,
                )
            )
        return Converted({"events.quantities": quantities(found)}, issues)

    return Rule(("events.quantities",), ("size", "casualties"), convert, doc, keep=True)


def _place_name(cell: str | None) -> str | None:
    try:
        loc = json.loads(cell) if cell else None
    except ValueError:
        return cell
    name = loc.get("name") if isinstance(loc, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def _place_rule(doc: str) -> Rule:
    def convert(batch: Batch, loc: pa.Array) -> Converted:
        name = map_distinct(loc, _place_name, pa.string())
        return Converted(
            {"events.location_name": name,
             "events.geo_precision": pa.repeat(pa.scalar("none"), len(batch))}
        )  # fmt: skip

    return Rule(("events.location_name", "events.geo_precision"), ("eventLoc",), convert, doc,
                keep=True)  # fmt: skip


def _source_rule(doc: str) -> Rule:
    targets = ("events.source_id", "sources.source_id", "sources.publisher", "sources.language")

    def convert(batch: Batch, ids: pa.Array, publication: pa.Array,
                language: pa.Array) -> Converted:  # fmt: skip
        part = map_distinct(ids, lambda v: None if v is None else slug(v), pa.string())
        source = pc.binary_join_element_wise("plover-record-", part, "")
        source = pc.fill_null(source, file_source_id(batch))
        good = matches(language, r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
        values = (source, source, publication, pc.if_else(good, language, None))
        return Converted(dict(zip(targets, values, strict=True)))

    return Rule(
        targets, ("id", "publication", "language"), convert, doc, keep=("publication", "language")
    )


def _coder_rule(doc: str) -> Rule:
    def convert(batch: Batch, coder: pa.Array) -> Converted:
        named = pc.utf8_trim_whitespace(coder)
        named = pc.if_else(pc.equal(named, ""), None, named)
        producer = batch.format.producer
        return Converted(
            {"events.coder": pc.binary_join_element_wise(f"{producer} (", named, ")", "")}
        )

    return Rule(("events.coder",), ("coder",), convert, doc, keep=True)


def _sniff(rows: list[list[str]]) -> str | None:
    head = "\n".join(r[0] for r in rows)
    if head.lstrip()[:1] in ("[", "{") and any(
        f'"{key}"' in head for key in ("event", "eventText", "actorText", "source", "mode")
    ):
        return "JSON records with PLOVER keys (event, source, target)"
    return None


FORMAT = Format(
    name="plover",
    producer="PLOVER",
    producer_version="",
    description="PLOVER / POLECAT event records as JSON (an array of records, or one record "
    "per line).",
    layouts=(Layout((*COLUMNS, OTHER_KEYS), "PLOVER record keys"),),
    header="required",
    delimiter="\n",
    id_column="id",
    reader=read_plover,
    sniff=_sniff,
    rules=(
        _event_rule(
            "event with mode where the mode decides, through `plover_event_types.csv`. A "
            "`DOCUMENT` record (documentation of the file) is not an event "
            "(`import-not-an-event`); a type with no CAMEO code is rejected."
        ),
        _date_rule(
            "`date` (YYYY-MM-DD, strict). A date the producer documents as a placeholder is "
            "not a date: the gold-standard records (`PLOVER-GSR` ids) set every date to "
            "2000-01-01 (their readme says so), so such a record is rejected "
            "(`import-placeholder-date`), never imported with a made-up date."
        ),
        _actor_rule(
            "source_actor",
            "source",
            "One event per (source, target) pair of the record. The entry's actorText is "
            "the name; code and sector to a CAMEO code through `plover_actor_codes.csv` "
            "(PLOVER `EUR` is the European Union, CAMEO `IGOEEC`) and `plover_sectors.csv` "
            "(PLOVER `MED` is health, `HLH`); a sector suffix (`REFkur`) or an unknown "
            "sector is lossy and kept.",
        ),
        _actor_rule(
            "target_actor",
            "target",
            "As the source. An empty or absent target: no target; a target that is not a "
            'list of actors (`"diplomatic"`) is reported (`import-target-not-actor`).',
        ),
        _quantity_rule(
            "size (unit `participants`) and casualties (unit `casualties`): a number is "
            "exact; a count word is `at_least` its smallest meaning (`Thousands`: 2000, the "
            "declared table `SIZE_WORDS`); other words are reported and kept."
        ),
        _place_rule(
            "eventLoc's name is the place; PLOVER gives no coordinates and its "
            "`country code` is not stated to be ISO: geo_precision `none`, the country "
            "empty, eventLoc kept verbatim."
        ),
        _source_rule(
            "One source per record (`plover-record-<id>`): publisher from publication, "
            "language from language. The record's text is not stored as a source text (no "
            "text_sha256); it stays verbatim in provenance."
        ),
        _coder_rule(
            "`coder` is the producer and, where the record names its coder, that coder in "
            "parentheses (`PLOVER (Parus Analytics)`); a record that names none: `PLOVER`. "
            "The record's `coder` stays verbatim in provenance."
        ),
    ),
    licence="PLOVER gold-standard records: CC BY-SA 4.0; POLECAT: its Dataverse terms",
    homepage="https://github.com/openeventdata/PLOVER",
    notes=(
        "**Rows read count records**, as the producer's file holds them; a record with "
        "several sources or targets is written as one event per pair (`<id>-1`, "
        "`<id>-2`, ...): the summary and dataset.json say `events_written` beside "
        "`rows_written` (records) when they differ. An id that already starts with "
        "`PLOVER` (the gold-standard `PLOVER-GSR01-...`) is not prefixed twice: "
        "`plover-gsr01-...`. The later events of a record are tied to the first by "
        "`same_as` links in the "
        "`links` table, and a record is written or rejected whole. Each pair's provenance "
        "keeps the record's keys verbatim, with `source` and `target` holding that pair's "
        "entries; unknown keys go to `(other keys)` as one JSON object.",
    ),
)

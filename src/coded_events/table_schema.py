"""The Frictionless Table Schemas of the published tables: one source of truth.

Column names, order, types and ``required`` come from the Arrow schemas in
``coded_events.tables``; descriptions, examples and constraints live here, with every
enum taken from the models or the codebook. The manifest (``datapackage.json``), the
data dictionary (``docs/data-dictionary.md``) and column-wise validators read them.

>>> table_schema("events")["primaryKey"]
['event_id']
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pyarrow as pa

from coded_events import codebook, models
from coded_events.tables import ARROW_SCHEMAS, TABLE_NAMES

__all__ = [
    "FOREIGN_KEYS",
    "MISSING_VALUES",
    "PRIMARY_KEYS",
    "frictionless_type",
    "table_schema",
]

MISSING_VALUES = [""]
"""In CSV an empty unquoted cell is a null; an empty string is written as ``""``."""

PRIMARY_KEYS: dict[str, list[str]] = {
    "events": ["event_id"],
    "evidence": ["event_id", "evidence_index"],
    "sources": ["source_id"],
}

FOREIGN_KEYS: dict[str, list[tuple[list[str], str, list[str]]]] = {
    "events": [(["source_id"], "sources", ["source_id"])],
    "evidence": [
        (["event_id"], "events", ["event_id"]),
        (["source_id"], "sources", ["source_id"]),
    ],
    "sources": [],
}


def _unanchored(pattern: str) -> str:
    """Table Schema patterns match the whole value; drop the ``^...$`` anchors."""
    return pattern.removeprefix("^").removesuffix("$")


def _enum(values: Any) -> dict[str, Any]:
    return {"enum": sorted(v.value if hasattr(v, "value") else v for v in values)}


_ID = {"pattern": _unanchored(models.EVENT_ID_PATTERN), "maxLength": 128}
_SOURCE_ID = {"pattern": _unanchored(models.SOURCE_ID_PATTERN), "maxLength": 128}
_DATE_TEXT = {"pattern": _unanchored(models.DATE_PATTERN)}
_TEXT = {"minLength": 1}
_COUNTRY = _enum(codebook.actor_countries())
_ROOTS = sorted({e.root_code for e in codebook.event_codes().values()})

_ACTOR_DOCS = {
    "code": ("CAMEO actor code of the {who} (country or type, then role segments).",
             "RUSMIL", {"pattern": _unanchored(codebook.actor_code_pattern())}),
    "name": ("The {who} as the source names it.", "Russian peacekeepers", _TEXT),
    "country": ("Country, region or sub-national segment of the {who}'s code, derived from "
                "the codebook; empty for an international or role-only code.", "RUS", _COUNTRY),
    "roles": ("Role, type and known-group segments of the {who}'s code in order, derived "
              "from the codebook. CSV: a JSON array of strings.", ["MIL"], {}),
    "ethnic": ("CAMEO ethnic-group code of the {who} (lower case).", "arm",
               _enum(codebook.ethnic_groups())),
    "religion": ("CAMEO religion code of the {who}.", "CHR", _enum(codebook.religions())),
    "known_group": ("CAMEO known-group code of the {who}.", "NAT",
                    _enum(codebook.known_groups())),
}  # fmt: skip


def _actor_docs(prefix: str, who: str) -> dict[str, tuple[str, Any, dict[str, Any]]]:
    extra = " Empty when the event has no target." if prefix == "target_actor" else ""
    return {
        f"{prefix}_{key}": (text.format(who=who) + extra, example, constraints)
        for key, (text, example, constraints) in _ACTOR_DOCS.items()
    }


# column -> (description, example, constraints other than "required")
_DOCS: dict[str, dict[str, tuple[str, Any, dict[str, Any]]]] = {
    "events": {
        "event_id": ("Stable identifier of the event; never changed or reused once "
                     "published.", "sc-0001", _ID),
        "source_id": ("The source document the event was coded from (see sources).",
                      "myind-2024-04-17-russia-peacekeepers-withdrawal", _SOURCE_ID),
        "date_start": ("First calendar day the date can mean (a month's first day, a "
                       "year's 1 January).", "2024-04-01", {}),
        "date_end": ("Last calendar day the date or range can mean (inclusive).",
                     "2024-04-30", {}),
        "date_precision": ("Precision of the coded start date, derived from its form.",
                           "month", _enum(models.Precision)),
        "date_start_text": ("The start date exactly as coded: ISO 8601 at reduced precision "
                            "(YYYY, YYYY-MM or YYYY-MM-DD).", "2024-04", _DATE_TEXT),
        "date_end_text": ("The end date of a range exactly as coded; empty when the date is "
                          "not a range.", "2024-05", _DATE_TEXT),
        "date_approximate": ("True when the text gives the date only roughly.", False, {}),
        "date_note": ("How the coder arrived at the date, where reasoning was needed.",
                      "Answer given on the day of publication.", {}),
        **_actor_docs("source_actor", "source actor"),
        **_actor_docs("target_actor", "target actor"),
        "cameo_code": ("CAMEO event code, a string: leading zeros matter ('010').", "0874",
                       _enum(codebook.event_codes())),
        "cameo_label": ("Codebook label of the event code (derived).",
                        "Retreat or surrender militarily", _TEXT),
        "root_code": ("Two-digit CAMEO root code of the event code (derived).", "08",
                      {"enum": _ROOTS}),
        "quad_class": ("QuadClass of the root code (derived): 1 verbal cooperation, 2 material "
                       "cooperation, 3 verbal conflict, 4 material conflict.", 2,
                       {"enum": sorted(codebook.QUAD_LABELS)}),
        "goldstein": ("Goldstein score of the event code (derived; -10 conflict to +10 "
                      "cooperation); empty where the codebook has none.", 10.0,
                      {"minimum": -10, "maximum": 10}),
        "location_name": ("The place as the coder identifies it.", "Karabakh", _TEXT),
        "location_country": ("ISO 3166-1 alpha-3 code of the country the place lies in.",
                             "AZE", _enum(codebook.iso_countries())),
        "location_admin1": ("First-level administrative division.", "Karabakh economic region",
                            {}),
        "location_admin2": ("Second-level administrative division (district).",
                            "Kalbajar district", {}),
        "latitude": ("WGS84 latitude in decimal degrees.", 39.82,
                     {"minimum": -90, "maximum": 90}),
        "longitude": ("WGS84 longitude in decimal degrees.", 46.76,
                      {"minimum": -180, "maximum": 180}),
        "geo_precision": ("What the coordinates stand for.", "region",
                          _enum(models.GeoPrecision)),
        "geonames_id": ("GeoNames id of the place, where one fits.", 524901, {"minimum": 1}),
        "certainty": ("How firmly the source establishes the event.", "confirmed",
                      _enum(models.Certainty)),
        "status": ("Whether the event occurred, is ongoing, or is planned, demanded or "
                   "threatened.", "occurred", _enum(models.Status)),
        "quantities": ("Numbers the text gives about the event: a list of objects with "
                       "value (number), unit, qualifier (exact, approximately, at_least, "
                       "at_most) and as_written (or null). CSV: a JSON array.",
                       [{"value": 2000.0, "unit": "troops", "qualifier": "approximately",
                         "as_written": "nearly 2,000"}], {}),
        "coder": ("Who coded the event.", "coded-events team", _TEXT),
        "notes": ("The coder's reasoning: code choice, doubts, corrections to the text.",
                  "Coded 0874 rather than 087: the troops physically leave.", {}),
    },
    "evidence": {
        "event_id": ("The event the quote supports (see events).", "sc-0001", _ID),
        "evidence_index": ("Position of the quote in the event's evidence list, from 0 (as "
                           "in the record's JSON Pointer /events/i/evidence/<index>).", 0,
                           {"minimum": 0}),
        "source_id": ("The source the quote comes from (see sources).",
                      "myind-2024-04-17-russia-peacekeepers-withdrawal", _SOURCE_ID),
        "char_start": ("Offset of the quote's first character in the source text (Unicode "
                       "code points, 0-based).", 1658, {"minimum": 0}),
        "char_end": ("Offset just after the quote's last character (exclusive).", 1684,
                     {"minimum": 1}),
        "quote": ("The verbatim text, character for character.",
                  "Yes, it is indeed the case", _TEXT),
    },
    "sources": {
        "source_id": ("Stable identifier of the source document.",
                      "myind-2024-04-17-russia-peacekeepers-withdrawal", _SOURCE_ID),
        "title": ("The headline as published.",
                  "Russia commences withdrawal of troops from Nagorno Karabakh", _TEXT),
        "publisher": ("Who published it.", "Myind", _TEXT),
        "published": ("Publication date: its first calendar day, when coded at reduced "
                      "precision.", "2024-04-17", {}),
        "published_text": ("Publication date exactly as coded (ISO 8601, reduced precision "
                           "allowed).", "2024-04-17", _DATE_TEXT),
        "url": ("Where the source was published, if known.", "https://example.org/article",
                {"pattern": "https?://.*"}),
        "language": ("BCP 47 language tag of the text.", "en",
                     {"pattern": _unanchored(models.LANGUAGE_PATTERN)}),
        "text_sha256": ("sha256 (hex) of the UTF-8 bytes of the source text.", "0" * 64,
                        {"pattern": _unanchored(models.SHA256_PATTERN)}),
    },
}  # fmt: skip

_TYPES: list[tuple[Any, str]] = [
    (pa.types.is_dictionary, "string"),
    (pa.types.is_string, "string"),
    (pa.types.is_date, "date"),
    (pa.types.is_floating, "number"),
    (pa.types.is_integer, "integer"),
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_list, "array"),
]


def frictionless_type(arrow_type: pa.DataType) -> str:
    """The Table Schema type of a published Arrow column type."""
    for test, name in _TYPES:
        if test(arrow_type):
            return name
    raise TypeError(f"no Table Schema type for Arrow type {arrow_type}")


def _check_documented() -> None:
    for name in TABLE_NAMES:
        columns, documented = ARROW_SCHEMAS[name].names, list(_DOCS[name])
        if columns != documented:
            raise RuntimeError(f"table {name}: documented columns {documented} != {columns}")


_check_documented()


def _field(table: str, arrow_field: pa.Field) -> dict[str, Any]:
    description, example, constraints = _DOCS[table][arrow_field.name]
    field: dict[str, Any] = {
        "name": arrow_field.name,
        "type": frictionless_type(arrow_field.type),
        "description": description,
        "example": example,
    }
    merged = {"required": True} if not arrow_field.nullable else {}
    merged.update(constraints)
    if merged:
        field["constraints"] = merged
    return field


@cache
def _fields(table: str) -> tuple[dict[str, Any], ...]:
    return tuple(_field(table, f) for f in ARROW_SCHEMAS[table])


def table_schema(table: str, resource_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The Table Schema (v2) of one published table, as a JSON-ready dict.

    ``resource_names`` maps table names to the resource names that foreign keys point
    at (for instance ``{"events": "events-csv"}``); by default the table names.
    """
    names = resource_names or {}
    return {
        "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
        "fields": [dict(f) for f in _fields(table)],
        "missingValues": list(MISSING_VALUES),
        "primaryKey": list(PRIMARY_KEYS[table]),
        "foreignKeys": [
            {
                "fields": list(fields),
                "reference": {"resource": names.get(target, target), "fields": list(ref)},
            }
            for fields, target, ref in FOREIGN_KEYS[table]
        ],
    }

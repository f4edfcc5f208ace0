"""Source documents to flat Arrow tables and back, losslessly.

Four tables, one row per event, per evidence quote, per source and per event link:

>>> list(ARROW_SCHEMAS)
['events', 'evidence', 'sources', 'links']

Derived columns (date bounds and precision, actor country and roles, CAMEO label, root
code, QuadClass, Goldstein) are computed from the models and ``coded_events.codebook``.
A date keeps both forms: ``date_start``/``date_end`` are the first and last calendar day
(date32) and ``date_start_text``/``date_end_text`` the ISO strings as coded, so that a
month or a year survives as a month or a year.

``documents_from_tables(*tables_from_documents(docs))`` equals ``[canonical(d) ...]``:
the round trip keeps everything except what is redundant by construction (see
``canonical``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from coded_events import codebook
from coded_events.versions import SCHEMA_VERSION
from coded_events.vocabulary import first_day

if TYPE_CHECKING:  # pydantic loads only when documents are converted
    from coded_events.models import Actor, Event, Source, SourceDocument

__all__ = [
    "ARROW_SCHEMAS",
    "EVENTS_SCHEMA",
    "EVIDENCE_SCHEMA",
    "SOURCES_SCHEMA",
    "TABLE_NAMES",
    "TableError",
    "canonical",
    "documents_from_tables",
    "tables_from_documents",
]

CODE = pa.dictionary(pa.int32(), pa.string())
"""Low-cardinality codes and enum values: dictionary-encoded strings."""

QUANTITY = pa.struct(
    [
        pa.field("value", pa.float64(), nullable=False),
        pa.field("unit", pa.string(), nullable=False),
        pa.field("qualifier", pa.string(), nullable=False),
        pa.field("as_written", pa.string()),
    ]
)


def _actor_fields(prefix: str, required: bool) -> list[pa.Field]:
    return [
        pa.field(f"{prefix}_code", CODE, nullable=not required),
        pa.field(f"{prefix}_name", pa.string(), nullable=not required),
        pa.field(f"{prefix}_country", CODE),
        pa.field(f"{prefix}_roles", pa.list_(pa.string()), nullable=not required),
        pa.field(f"{prefix}_ethnic", CODE),
        pa.field(f"{prefix}_religion", CODE),
        pa.field(f"{prefix}_known_group", CODE),
    ]


EVENTS_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("source_id", pa.string(), nullable=False),
        pa.field("date_start", pa.date32(), nullable=False),
        pa.field("date_end", pa.date32(), nullable=False),
        pa.field("date_precision", CODE, nullable=False),
        pa.field("date_start_text", pa.string(), nullable=False),
        pa.field("date_end_text", pa.string()),
        pa.field("date_approximate", pa.bool_(), nullable=False),
        pa.field("date_note", pa.string()),
        *_actor_fields("source_actor", required=True),
        *_actor_fields("target_actor", required=False),
        pa.field("cameo_code", CODE, nullable=False),
        pa.field("cameo_label", pa.string(), nullable=False),
        pa.field("root_code", CODE, nullable=False),
        pa.field("quad_class", pa.int8(), nullable=False),
        pa.field("goldstein", pa.float64()),
        pa.field("location_name", pa.string(), nullable=False),
        pa.field("location_country", CODE),
        pa.field("location_admin1", pa.string()),
        pa.field("location_admin2", pa.string()),
        pa.field("latitude", pa.float64()),
        pa.field("longitude", pa.float64()),
        pa.field("geo_precision", CODE, nullable=False),
        pa.field("geonames_id", pa.int64()),
        pa.field("certainty", CODE, nullable=False),
        pa.field("status", CODE, nullable=False),
        pa.field(
            "quantities", pa.list_(pa.field("item", QUANTITY, nullable=False)), nullable=False
        ),
        pa.field("coder", pa.string(), nullable=False),
        pa.field("notes", pa.string()),
    ]
)

EVIDENCE_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("evidence_index", pa.int32(), nullable=False),
        pa.field("source_id", pa.string(), nullable=False),
        pa.field("char_start", pa.int64(), nullable=False),
        pa.field("char_end", pa.int64(), nullable=False),
        pa.field("quote", pa.string(), nullable=False),
    ]
)

SOURCES_SCHEMA = pa.schema(
    [
        pa.field("source_id", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("publisher", pa.string(), nullable=False),
        pa.field("published", pa.date32(), nullable=False),
        pa.field("published_text", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("language", CODE, nullable=False),
        pa.field("text_sha256", pa.string(), nullable=False),
    ]
)

LINKS_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("link_index", pa.int32(), nullable=False),
        pa.field("type", CODE, nullable=False),
        pa.field("target_event_id", pa.string(), nullable=False),
    ]
)

ARROW_SCHEMAS: dict[str, pa.Schema] = {
    "events": EVENTS_SCHEMA,
    "evidence": EVIDENCE_SCHEMA,
    "sources": SOURCES_SCHEMA,
    "links": LINKS_SCHEMA,
}
TABLE_NAMES = tuple(ARROW_SCHEMAS)

# The key each table's rows are sorted by.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "events": ("event_id",),
    "evidence": ("event_id", "evidence_index"),
    "sources": ("source_id",),
    "links": ("event_id", "link_index"),
}


class TableError(ValueError):
    """Documents that cannot form one consistent set of tables (duplicate or dangling ids)."""


def canonical(document: SourceDocument) -> SourceDocument:
    """The document as the tables keep it: equal in meaning, redundancy removed.

    Dropped: the optional ``$schema`` editor hint; the readability copies of the action
    (``label``, ``root_code``, ``quad_class``, ``goldstein``), which the validator checks
    against the codebook and the tables derive from it; an evidence ``source_id`` equal
    to the document's own source (the default). Events are ordered by ``event_id``.
    """
    own = document.source.source_id
    events = []
    for event in sorted(document.events, key=lambda e: e.event_id):
        action = event.action.model_copy(
            update={"label": None, "root_code": None, "quad_class": None, "goldstein": None}
        )
        evidence = [
            e.model_copy(update={"source_id": None}) if e.source_id == own else e
            for e in event.evidence
        ]
        events.append(event.model_copy(update={"action": action, "evidence": evidence}))
    return document.model_copy(update={"schema_ref": None, "events": events})


def _actor_row(prefix: str, actor: Actor | None) -> dict[str, Any]:
    if actor is None:
        return {f"{prefix}_{k}": None for k in _ACTOR_KEYS}
    parsed = actor.parsed
    return {
        f"{prefix}_code": actor.code,
        f"{prefix}_name": actor.name,
        f"{prefix}_country": parsed.country,
        f"{prefix}_roles": list(parsed.roles),
        f"{prefix}_ethnic": actor.ethnic,
        f"{prefix}_religion": actor.religion,
        f"{prefix}_known_group": actor.known_group,
    }


_ACTOR_KEYS = ("code", "name", "country", "roles", "ethnic", "religion", "known_group")


def _event_row(event: Event, source_id: str) -> dict[str, Any]:
    date, action, place = event.date, codebook.event(event.action.code), event.location
    return {
        "event_id": event.event_id,
        "source_id": source_id,
        "date_start": date.first_day,
        "date_end": date.last_day,
        "date_precision": date.precision.value,
        "date_start_text": date.start,
        "date_end_text": date.end,
        "date_approximate": date.approximate,
        "date_note": date.note,
        **_actor_row("source_actor", event.source_actor),
        **_actor_row("target_actor", event.target_actor),
        "cameo_code": action.code,
        "cameo_label": action.label,
        "root_code": action.root_code,
        "quad_class": action.quad_class,
        "goldstein": action.goldstein,
        "location_name": place.name,
        "location_country": place.country,
        "location_admin1": place.admin1,
        "location_admin2": place.admin2,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "geo_precision": place.geo_precision.value,
        "geonames_id": place.geonames_id,
        "certainty": event.certainty.value,
        "status": event.status.value,
        "quantities": [
            {
                "value": float(q.value),
                "unit": q.unit,
                "qualifier": q.qualifier.value,
                "as_written": q.as_written,
            }
            for q in event.quantities
        ],
        "coder": event.coder,
        "notes": event.notes,
    }


def _evidence_rows(event: Event, source_id: str) -> list[dict[str, Any]]:
    return [
        {
            "event_id": event.event_id,
            "evidence_index": index,
            "source_id": quote.source_id or source_id,
            "char_start": quote.char_start,
            "char_end": quote.char_end,
            "quote": quote.quote,
        }
        for index, quote in enumerate(event.evidence)
    ]


def _link_rows(event: Event) -> list[dict[str, Any]]:
    return [
        {
            "event_id": event.event_id,
            "link_index": index,
            "type": link.type.value,
            "target_event_id": link.event_id,
        }
        for index, link in enumerate(event.links)
    ]


def _source_row(source: Source) -> dict[str, Any]:
    return {
        "source_id": source.source_id,
        "title": source.title,
        "publisher": source.publisher,
        "published": first_day(source.published),
        "published_text": source.published,
        "url": source.url,
        "language": source.language,
        "text_sha256": source.text_sha256,
    }


def arrow_table(name: str, columns: dict[str, Any]) -> pa.Table:
    """Columns (Python lists or Arrow arrays, by column name) as a table in the published
    Arrow schema of ``name``: each cast to its declared type, codes dictionary-encoded."""
    schema = ARROW_SCHEMAS[name]
    arrays = []
    for field in schema:
        values = columns[field.name]
        if pa.types.is_dictionary(field.type):
            array = pa.array(values, pa.string()) if isinstance(values, list) else values
            arrays.append(array.cast(pa.string()).dictionary_encode())
        else:
            array = pa.array(values, field.type) if isinstance(values, list) else values
            arrays.append(array.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    rows = sorted(rows, key=lambda row: tuple(row[k] for k in SORT_KEYS[name]))
    return arrow_table(name, {f.name: [row[f.name] for row in rows] for f in ARROW_SCHEMAS[name]})


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]


def tables_from_documents(
    documents: Iterable[SourceDocument],
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """The ``events``, ``evidence``, ``sources`` and ``links`` tables of validated documents.

    Rows are sorted by their key (event id; event id and evidence index; source id;
    event id and link index). Raises TableError on a duplicate event or source id,
    evidence that cites a source no document holds, or a link to no event.
    """
    events, evidence, sources, links = [], [], [], []
    for document in documents:
        source_id = document.source.source_id
        sources.append(_source_row(document.source))
        for event in document.events:
            events.append(_event_row(event, source_id))
            evidence.extend(_evidence_rows(event, source_id))
            links.extend(_link_rows(event))
    for kind, rows, key in (("event", events, "event_id"), ("source", sources, "source_id")):
        dupes = _duplicates(row[key] for row in rows)
        if dupes:
            raise TableError(f"duplicate {kind} id(s): {', '.join(dupes)}")
    known = {row["source_id"] for row in sources}
    dangling = sorted({row["source_id"] for row in evidence} - known)
    if dangling:
        raise TableError(f"evidence cites source(s) that no record file holds: {dangling}")
    ids = {row["event_id"] for row in events}
    unresolved = sorted({row["target_event_id"] for row in links} - ids)
    if unresolved:
        raise TableError(f"links point at event(s) that no record file holds: {unresolved}")
    return (
        _table("events", events),
        _table("evidence", evidence),
        _table("sources", sources),
        _table("links", links),
    )


def _actor_from_row(row: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    if row[f"{prefix}_code"] is None:
        return None
    keys = ("code", "name", "ethnic", "religion", "known_group")  # country, roles: derived
    return {k: row[f"{prefix}_{k}"] for k in keys}


def _event_from_row(
    row: dict[str, Any], quotes: list[dict[str, Any]], links: list[dict[str, Any]]
) -> dict[str, Any]:
    date = {
        "start": row["date_start_text"],
        "end": row["date_end_text"],
        "approximate": row["date_approximate"],
        "note": row["date_note"],
    }
    location = {
        "name": row["location_name"],
        "country": row["location_country"],
        "admin1": row["location_admin1"],
        "admin2": row["location_admin2"],
        "latitude": row["latitude"],
        "longitude": row["longitude"],
        "geo_precision": row["geo_precision"],
        "geonames_id": row["geonames_id"],
    }
    event = {
        "event_id": row["event_id"],
        "date": date,
        "source_actor": _actor_from_row(row, "source_actor"),
        "target_actor": _actor_from_row(row, "target_actor"),
        "action": {"code": row["cameo_code"]},
        "location": location,
        "certainty": row["certainty"],
        "status": row["status"],
        "quantities": row["quantities"],
        "evidence": [
            {
                "quote": q["quote"],
                "char_start": q["char_start"],
                "char_end": q["char_end"],
                "source_id": None if q["source_id"] == row["source_id"] else q["source_id"],
            }
            for q in sorted(quotes, key=lambda q: q["evidence_index"])
        ],
        "coder": row["coder"],
        "notes": row["notes"],
        "links": [
            {"type": link["type"], "event_id": link["target_event_id"]}
            for link in sorted(links, key=lambda link: link["link_index"])
        ],
    }
    return event


def documents_from_tables(
    events: pa.Table, evidence: pa.Table, sources: pa.Table, links: pa.Table
) -> list[SourceDocument]:
    """Rebuild source documents (in canonical form, ordered by source id) from the tables."""
    from coded_events import models

    quotes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in evidence.to_pylist():
        quotes[row["event_id"]].append(row)
    linked: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in links.to_pylist():
        linked[row["event_id"]].append(row)
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(events.to_pylist(), key=lambda r: r["event_id"]):
        by_source[row["source_id"]].append(
            _event_from_row(row, quotes[row["event_id"]], linked[row["event_id"]])
        )
    documents = []
    for row in sorted(sources.to_pylist(), key=lambda r: r["source_id"]):
        source = {k: row[k] for k in ("source_id", "title", "publisher", "url", "language")}
        source["published"] = row["published_text"]
        source["text_sha256"] = row["text_sha256"]
        documents.append(
            models.SourceDocument.model_validate(
                {
                    "schema_version": SCHEMA_VERSION,
                    "source": source,
                    "events": by_source.get(row["source_id"], []),
                }
            )
        )
    return documents

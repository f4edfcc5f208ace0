"""Source documents to flat Arrow tables and back, losslessly.

Five tables, one row per event, per evidence quote, per source, per event link and per
event that has provenance:

>>> list(ARROW_SCHEMAS)
['events', 'evidence', 'sources', 'links', 'provenance']

Every table and column is declared in ``coded_events.spec.tables``: the Arrow schemas
and the conversion both ways are generated from it. Derived columns (date bounds and
precision, actor country and roles, CAMEO label, root code, QuadClass, Goldstein) are
computed from the models and ``coded_events.spec.codebook`` by the spec's value functions.
A date keeps both forms: ``date_start``/``date_end`` are the first and last calendar day
(date32) and ``date_start_text``/``date_end_text`` the ISO strings as coded, so that a
month or a year survives as a month or a year.

``documents_from_tables(*tables_from_documents(docs))`` equals ``[canonical(d) ...]``:
the round trip keeps everything except what is redundant by construction (see
``canonical``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from coded_events.spec.tables import CODE, QUANTITY, TABLE, TABLES, Row, Table
from coded_events.spec.versions import SCHEMA_VERSION

if TYPE_CHECKING:  # pydantic loads only when documents are converted
    from coded_events.spec.models import SourceDocument

__all__ = [  # CODE and QUANTITY: re-exported from coded_events.spec.tables
    "ARROW_SCHEMAS",
    "CODE",
    "EVENTS_SCHEMA",
    "EVIDENCE_SCHEMA",
    "QUANTITY",
    "SOURCES_SCHEMA",
    "TABLE_NAMES",
    "TableError",
    "canonical",
    "documents_from_tables",
    "tables_from_documents",
]

ARROW_SCHEMAS: dict[str, pa.Schema] = {table.name: table.arrow_schema() for table in TABLES}
"""The published Arrow schema of each table, generated from ``coded_events.spec.tables``."""
TABLE_NAMES = tuple(ARROW_SCHEMAS)
EVENTS_SCHEMA = ARROW_SCHEMAS["events"]
EVIDENCE_SCHEMA = ARROW_SCHEMAS["evidence"]
SOURCES_SCHEMA = ARROW_SCHEMAS["sources"]
LINKS_SCHEMA = ARROW_SCHEMAS["links"]
PROVENANCE_SCHEMA = ARROW_SCHEMAS["provenance"]

# The key each table's rows are sorted by.
SORT_KEYS: dict[str, tuple[str, ...]] = {table.name: table.sort_key for table in TABLES}


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


def _items(
    holder: Any, parts: list[str], parent: Any = None, index: int | None = None
) -> Iterator[tuple[Any, Any, int | None]]:
    """The objects at attribute path ``parts`` below ``holder`` (lists walked), each with
    the object whose attribute holds it and its position in that list (an optional object
    that is absent, such as an event's provenance, gives nothing)."""
    if not parts:
        yield holder, parent, index
        return
    value = getattr(holder, parts[0])
    if value is None:
        return
    for position, item in enumerate(value) if isinstance(value, list) else [(None, value)]:
        yield from _items(item, parts[1:], holder, position)


def _rows(table: Table, document: SourceDocument) -> Iterator[dict[str, Any]]:
    """The rows of ``table`` that one document gives, column by column from the spec."""
    for item, parent, index in _items(document, table.record.split(".")):
        row = Row(item, parent, index, document)
        yield {column.name: column.row_value(row) for column in table.columns}


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
    return arrow_table(name, {c: [row[c] for row in rows] for c in TABLE[name].column_names})


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]


def tables_from_documents(
    documents: Iterable[SourceDocument],
) -> tuple[pa.Table, ...]:
    """The ``events``, ``evidence``, ``sources``, ``links`` and ``provenance`` tables of
    validated documents, in ``TABLE_NAMES`` order.

    Rows are sorted by their key (event id; event id and evidence index; source id;
    event id and link index; event id). Raises TableError on a duplicate event or source id,
    evidence that cites a source no document holds, or a link to no event.
    """
    rows_of: dict[str, list[dict[str, Any]]] = {table.name: [] for table in TABLES}
    for document in documents:
        for table in TABLES:
            rows_of[table.name].extend(_rows(table, document))
    events, evidence, sources, links = (rows_of[name] for name in TABLE_NAMES[:4])
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
    return tuple(_table(name, rows_of[name]) for name in TABLE_NAMES)


def _record(table: Table, row: dict[str, Any], parent: dict[str, Any] | None) -> dict[str, Any]:
    """The record object a row stands for, rebuilt from the columns that have a path
    (``parent``: the row of the event that holds it). Derived columns are left out; a
    nested object whose values are all null (an event without a target) is null."""
    record: dict[str, Any] = {}
    for column in table.columns:
        if column.path is None:
            continue
        value = row[column.name]
        if column.restore is not None:
            value = column.restore(value, parent or {})
        *outer, last = column.path.split(".")
        holder = record
        for part in outer:
            holder = holder.setdefault(part, {})
        holder[last] = value
    return {
        key: None if isinstance(value, dict) and all(v is None for v in value.values()) else value
        for key, value in record.items()
    }


# Tables whose rows are lists of an event ("events.evidence"): key = event key + position;
# and those whose row is one optional object of an event ("events.provenance"): key = event key.
_BELOW_EVENTS = [t for t in TABLES if t.record.startswith(TABLE["events"].record + ".")]
_EVENT_LISTS = [t for t in _BELOW_EVENTS if len(t.primary_key) == 2]
_EVENT_OBJECTS = [t for t in _BELOW_EVENTS if len(t.primary_key) == 1]


def documents_from_tables(
    events: pa.Table,
    evidence: pa.Table,
    sources: pa.Table,
    links: pa.Table,
    provenance: pa.Table | None = None,
) -> list[SourceDocument]:
    """Rebuild source documents (in canonical form, ordered by source id) from the tables
    (``provenance`` may be left out: a release before it had none)."""
    from coded_events.spec import models

    if provenance is None:
        provenance = TABLE["provenance"].arrow_schema().empty_table()
    tables = (events, evidence, sources, links, provenance)
    given = dict(zip(TABLE_NAMES, tables, strict=True))
    event_rows = {row["event_id"]: row for row in events.to_pylist()}
    records = {key: _record(TABLE["events"], row, None) for key, row in event_rows.items()}
    for table in _EVENT_OBJECTS:
        attribute = table.record.rsplit(".", 1)[1]
        for row in given[table.name].to_pylist():
            if row[table.primary_key[0]] in records:
                parent = event_rows[row[table.primary_key[0]]]
                records[row[table.primary_key[0]]][attribute] = _record(table, row, parent)
    for table in _EVENT_LISTS:
        attribute, (key, position) = table.record.rsplit(".", 1)[1], table.primary_key
        for record in records.values():
            record[attribute] = []
        for row in sorted(given[table.name].to_pylist(), key=lambda r: r[position]):
            if row[key] in records:
                parent = event_rows[row[key]]
                records[row[key]][attribute].append(_record(table, row, parent))
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key in sorted(records):
        by_source[event_rows[key]["source_id"]].append(records[key])
    documents = []
    for row in sorted(sources.to_pylist(), key=lambda r: r["source_id"]):
        documents.append(
            models.SourceDocument.model_validate(
                {
                    "schema_version": SCHEMA_VERSION,
                    "source": _record(TABLE["sources"], row, None),
                    "events": by_source.get(row["source_id"], []),
                }
            )
        )
    return documents

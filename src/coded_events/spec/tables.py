"""The published tables, declared once: each table and each of its columns.

Long because: every published table and column is declared here, in one place (the single
owner of the tables); the functions are the few the declarations need.

A :class:`Table` says what a row is, where its rows come from in a source document, its
primary key, sort order and foreign keys. A :class:`Column` says its name, Arrow type,
whether it is required, where its value lives in the record (``path``) or how it is
derived (``value``), and its description, example and constraints. Constraints that the
record models already state (patterns, lengths, ranges, enums) are read from the models'
JSON Schema (:func:`model_constraints`, from the generated file of the current schema
version, so that no pydantic loads), never typed again here.

Everything else is generated from these declarations: the Arrow schemas and the records
<-> rows conversion (``coded_events.release.rows``), the Table Schemas in ``datapackage.json``
and the data dictionary (``coded_events.release.table_schema``), the flat validator's column
rules (``coded_events.flat``) and the row nouns of ``coded_events.release.data_versions``.

To add a column derived from fields the records already have: add one :class:`Column`
to its table below (with a ``value`` function), then run ``coded-events data-dictionary``.

>>> [table.name for table in TABLES]
['events', 'evidence', 'sources', 'links', 'provenance']
>>> TABLE["evidence"].primary_key
('event_id', 'evidence_index')
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from coded_events.resources import schema_dir
from coded_events.spec import codebook, vocabulary
from coded_events.spec.layout import DOCUMENT_SCHEMA_FILE
from coded_events.spec.versions import SCHEMA_VERSION

if TYPE_CHECKING:  # pydantic loads only when documents are converted
    from coded_events.spec.models import Actor, SourceDocument

__all__ = ["CODE", "QUANTITY", "TABLE", "TABLES", "TABLE_NAMES", "Column", "ForeignKey"]
__all__ += ["Row", "Table", "constraints", "model_constraints", "table_pattern"]

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


@dataclass(frozen=True)
class Row:
    """What a column's value is computed from: the record object a row stands for
    (``item``: an event, a quote, a link or a source), the object whose list holds it
    (``parent``: the document, or the event), its position in that list, and the document."""

    item: Any
    parent: Any
    index: int | None
    document: SourceDocument


Constraints = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


@dataclass(frozen=True)
class Column:
    """One published column.

    ``path`` is where the value lives in the row's record object (dotted, as in
    ``"date.start"``); a column with a path is restored into the record when documents
    are rebuilt from the tables. ``value`` computes a derived value from a :class:`Row`
    (by default the value at ``path``). ``model`` names the model field (``"Model.field"``)
    whose constraints apply when the column has no path or its path is not the field
    that states them. ``constraints`` are the ones the models do not state (a callable
    is called when the Table Schema is built, so that codebook lists load lazily).
    ``restore`` turns the cell back into the record's value, given the parent row
    (default: the cell as it is). ``opaque`` marks an optional free text that no rule
    reads but its type: the flat validator does not decode it from Parquet.
    ``hand_coded`` marks a nullable column that the record models require: never empty in
    a hand-coded row, empty only where an imported event (one with a provenance row), or a
    source only imported events name, does not have it (the flat validator's
    ``hand-coded-value-missing``; the Table Schema's description says so).
    """

    name: str
    type: pa.DataType
    required: bool
    description: str
    example: Any
    path: str | None = None
    value: Callable[[Row], Any] | None = None
    model: str | None = None
    constraints: Constraints = field(default_factory=dict)
    restore: Callable[[Any, dict[str, Any]], Any] | None = None
    opaque: bool = False
    hand_coded: bool = False

    @property
    def arrow_field(self) -> pa.Field:
        """The column as an Arrow field."""
        return pa.field(self.name, self.type, nullable=not self.required)

    def row_value(self, row: Row) -> Any:
        """The cell of this column for ``row``."""
        if self.value is not None:
            return self.value(row)
        return plain(lookup(row.item, self.path or self.name))


@dataclass(frozen=True)
class ForeignKey:
    """Columns of this table that must match ``fields`` of the ``reference`` table."""

    columns: tuple[str, ...]
    reference: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """One published table.

    ``record`` is where its rows come from in a source document, as attribute names
    from the document: ``"source"`` (one row per document), ``"events"`` (one per
    event), ``"events.evidence"`` (one per quote of each event). ``model`` names the
    model of that record object, the root of the columns' paths.
    """

    name: str
    row: str
    nouns: tuple[str, str]
    record: str
    model: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    sort_order: tuple[str, ...] | None = None

    @property
    def sort_key(self) -> tuple[str, ...]:
        """The columns the rows are sorted by (the primary key unless stated)."""
        return self.sort_order or self.primary_key

    @property
    def column_names(self) -> list[str]:
        """The column names in order."""
        return [c.name for c in self.columns]

    def arrow_schema(self) -> pa.Schema:
        """The published Arrow schema of the table."""
        return pa.schema([c.arrow_field for c in self.columns])


# --- reading values from records ------------------------------------------------------------


def lookup(item: Any, path: str) -> Any:
    """The value at a dotted ``path`` of a model object (None below a missing object)."""
    for part in path.split("."):
        if item is None:
            return None
        item = getattr(item, part)
    return item


def plain(value: Any) -> Any:
    """An enum member as its value; anything else as it is."""
    return value.value if isinstance(value, Enum) else value


def _actor_country(prefix: str) -> Callable[[Row], Any]:
    def value(row: Row) -> Any:
        actor: Actor | None = getattr(row.item, prefix)
        return None if actor is None else actor.parsed.country

    return value


def _actor_roles(prefix: str) -> Callable[[Row], Any]:
    def value(row: Row) -> Any:
        actor: Actor | None = getattr(row.item, prefix)
        return None if actor is None else list(actor.parsed.roles)

    return value


def _action(attribute: str) -> Callable[[Row], Any]:
    """A value of the event code's codebook entry (label, root code, QuadClass, Goldstein)."""

    def value(row: Row) -> Any:
        return getattr(codebook.event(row.item.action.code), attribute)

    return value


def _quantities(row: Row) -> list[dict[str, Any]]:
    return [
        {
            "value": float(q.value),
            "unit": q.unit,
            "qualifier": q.qualifier.value,
            "as_written": q.as_written,
        }
        for q in row.item.quantities
    ]


def _quote_source_id(row: Row) -> str:
    return row.item.source_id or row.document.source.source_id


def _unless_own_source(value: Any, event_row: dict[str, Any]) -> Any:
    """A quote's source id, dropped when it is the event's own source (the default)."""
    return None if value == event_row["source_id"] else value


def _enum(values: Any) -> dict[str, Any]:
    return {"enum": sorted(plain(v) for v in values)}


# --- the declarations -------------------------------------------------------------------------

_TEXT = {"minLength": 1}


def _actor_columns(prefix: str, who: str, required: bool) -> list[Column]:
    extra = " Empty when the event has no target." if prefix == "target_actor" else ""
    hand_coded = prefix == "source_actor"  # a record's event always has a source actor
    return [
        Column(f"{prefix}_code", CODE, required,
               f"CAMEO actor code of the {who} (country or type, then role segments).{extra}",
               "RUSMIL", path=f"{prefix}.code", hand_coded=hand_coded),
        Column(f"{prefix}_name", pa.string(), required,
               f"The {who} as the source names it.{extra}", "Russian peacekeepers",
               path=f"{prefix}.name", hand_coded=hand_coded),
        Column(f"{prefix}_country", CODE, False,
               f"Country, region or sub-national segment of the {who}'s code, derived from "
               f"the codebook; empty for an international or role-only code.{extra}", "RUS",
               value=_actor_country(prefix),
               constraints=lambda: _enum(codebook.actor_countries())),
        Column(f"{prefix}_roles", pa.list_(pa.string()), required,
               f"Role, type and known-group segments of the {who}'s code in order, derived "
               f"from the codebook. CSV: a JSON array of strings.{extra}", ["MIL"],
               value=_actor_roles(prefix), hand_coded=hand_coded),
        Column(f"{prefix}_ethnic", CODE, False,
               f"CAMEO ethnic-group code of the {who} (lower case).{extra}", "arm",
               path=f"{prefix}.ethnic"),
        Column(f"{prefix}_religion", CODE, False, f"CAMEO religion code of the {who}.{extra}",
               "CHR", path=f"{prefix}.religion"),
        Column(f"{prefix}_known_group", CODE, False,
               f"CAMEO known-group code of the {who}.{extra}", "NAT",
               path=f"{prefix}.known_group"),
    ]  # fmt: skip


_SOURCE_ID_EXAMPLE = "myind-2024-04-17-russia-peacekeepers-withdrawal"

EVENTS = Table(
    name="events",
    row="coded event",
    nouns=("event", "events"),
    record="events",
    model="Event",
    primary_key=("event_id",),
    foreign_keys=(ForeignKey(("source_id",), "sources", ("source_id",)),),
    columns=(
        Column("event_id", pa.string(), True, "Stable identifier of the event; never changed "
               "or reused once published.", "sc-0001", path="event_id"),
        Column("source_id", pa.string(), True, "The source document the event was coded from "
               "(see sources).", _SOURCE_ID_EXAMPLE, model="Source.source_id",
               value=lambda row: row.document.source.source_id),
        Column("date_start", pa.date32(), True, "First calendar day the date can mean (a "
               "month's first day, a year's 1 January).", "2024-04-01",
               value=lambda row: row.item.date.first_day),
        Column("date_end", pa.date32(), True, "Last calendar day the date or range can mean "
               "(inclusive).", "2024-04-30", value=lambda row: row.item.date.last_day),
        Column("date_precision", CODE, True, "Precision of the coded start date, derived from "
               "its form.", "month", value=lambda row: row.item.date.precision.value,
               constraints=_enum(vocabulary.Precision)),
        Column("date_start_text", pa.string(), True, "The start date exactly as coded: ISO "
               "8601 at reduced precision (YYYY, YYYY-MM or YYYY-MM-DD).", "2024-04",
               path="date.start"),
        Column("date_end_text", pa.string(), False, "The end date of a range exactly as "
               "coded; empty when the date is not a range.", "2024-05", path="date.end"),
        Column("date_approximate", pa.bool_(), True, "True when the text gives the date only "
               "roughly.", False, path="date.approximate"),
        Column("date_note", pa.string(), False, "How the coder arrived at the date, where "
               "reasoning was needed.", "Answer given on the day of publication.",
               path="date.note", opaque=True),
        *_actor_columns("source_actor", "source actor", required=False),
        *_actor_columns("target_actor", "target actor", required=False),
        Column("cameo_code", CODE, True, "CAMEO event code, a string: leading zeros matter "
               "('010').", "0874", path="action.code"),
        Column("cameo_label", pa.string(), True, "Codebook label of the event code (derived).",
               "Retreat or surrender militarily", value=_action("label"), constraints=_TEXT),
        Column("root_code", CODE, True, "Two-digit CAMEO root code of the event code "
               "(derived).", "08", value=_action("root_code"),
               constraints=lambda: _enum({e.root_code for e in codebook.event_codes().values()})),
        Column("quad_class", pa.int8(), True, "QuadClass of the root code (derived): 1 verbal "
               "cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict.",
               2, value=_action("quad_class"), constraints=lambda: _enum(codebook.QUAD_LABELS)),
        Column("goldstein", pa.float64(), False, "Goldstein score of the event code (derived; "
               "-10 conflict to +10 cooperation); empty where the codebook has none.", 10.0,
               value=_action("goldstein"), model="Action.goldstein"),
        Column("location_name", pa.string(), False, "The place as the coder identifies it.",
               "Karabakh", path="location.name", hand_coded=True),
        Column("location_country", CODE, False, "ISO 3166-1 alpha-3 code of the country the "
               "place lies in.", "AZE", path="location.country"),
        Column("location_admin1", pa.string(), False, "First-level administrative division.",
               "Karabakh economic region", path="location.admin1", opaque=True),
        Column("location_admin2", pa.string(), False, "Second-level administrative division "
               "(district).", "Kalbajar district", path="location.admin2", opaque=True),
        Column("latitude", pa.float64(), False, "WGS84 latitude in decimal degrees.", 39.82,
               path="location.latitude"),
        Column("longitude", pa.float64(), False, "WGS84 longitude in decimal degrees.", 46.76,
               path="location.longitude"),
        Column("geo_precision", CODE, True, "What the coordinates stand for.", "region",
               path="location.geo_precision"),
        Column("geonames_id", pa.int64(), False, "GeoNames id of the place, where one fits.",
               524901, path="location.geonames_id"),
        Column("certainty", CODE, False, "How firmly the source establishes the event.",
               "confirmed", path="certainty", hand_coded=True),
        Column("status", CODE, False, "Whether the event occurred, is ongoing, or is planned, "
               "demanded or threatened.", "occurred", path="status", hand_coded=True),
        Column("quantities", pa.list_(pa.field("item", QUANTITY, nullable=False)), True,
               "Numbers the text gives about the event: a list of objects with value "
               "(number), unit, qualifier (exact, approximately, at_least, at_most) and "
               "as_written (or null). CSV: a JSON array.",
               [{"value": 2000.0, "unit": "troops", "qualifier": "approximately",
                 "as_written": "nearly 2,000"}], path="quantities", value=_quantities),
        Column("coder", pa.string(), True, "Who coded the event (for an imported event: the "
               "producer and its version, as in provenance).", "coded-events team",
               path="coder"),
        Column("notes", pa.string(), False, "The coder's reasoning: code choice, doubts, "
               "corrections to the text.",
               "Coded 0874 rather than 087: the troops physically leave.", path="notes",
               opaque=True),
    ),
)  # fmt: skip

EVIDENCE = Table(
    name="evidence",
    row="verbatim quote supporting an event",
    nouns=("evidence quote", "evidence quotes"),
    record="events.evidence",
    model="Evidence",
    primary_key=("event_id", "evidence_index"),
    foreign_keys=(
        ForeignKey(("event_id",), "events", ("event_id",)),
        ForeignKey(("source_id",), "sources", ("source_id",)),
    ),
    columns=(
        Column("event_id", pa.string(), True, "The event the quote supports (see events).",
               "sc-0001", value=lambda row: row.parent.event_id, model="Event.event_id"),
        Column("evidence_index", pa.int32(), True, "Position of the quote in the event's "
               "evidence list, from 0 (as in the record's JSON Pointer "
               "/events/i/evidence/<index>).", 0, value=lambda row: row.index,
               constraints={"minimum": 0}),
        Column("source_id", pa.string(), True, "The source the quote comes from (see "
               "sources).", _SOURCE_ID_EXAMPLE, path="source_id", value=_quote_source_id,
               model="Source.source_id", restore=_unless_own_source),
        Column("char_start", pa.int64(), True, "Offset of the quote's first character in the "
               "source text (Unicode code points, 0-based).", 1658, path="char_start"),
        Column("char_end", pa.int64(), True, "Offset just after the quote's last character "
               "(exclusive).", 1684, path="char_end"),
        Column("quote", pa.string(), True, "The verbatim text, character for character.",
               "Yes, it is indeed the case", path="quote"),
    ),
)  # fmt: skip

SOURCES = Table(
    name="sources",
    row="source document (news article)",
    nouns=("source", "sources"),
    record="source",
    model="Source",
    primary_key=("source_id",),
    columns=(
        Column("source_id", pa.string(), True, "Stable identifier of the source document.",
               _SOURCE_ID_EXAMPLE, path="source_id"),
        Column("title", pa.string(), False, "The headline as published.",
               "Russia commences withdrawal of troops from Nagorno Karabakh", path="title",
               hand_coded=True),
        Column("publisher", pa.string(), False, "Who published it.", "Myind",
               path="publisher", hand_coded=True),
        Column("published", pa.date32(), False, "Publication date: its first calendar day, "
               "when coded at reduced precision.", "2024-04-17",
               value=lambda row: vocabulary.first_day(row.item.published), hand_coded=True),
        Column("published_text", pa.string(), False, "Publication date exactly as coded (ISO "
               "8601, reduced precision allowed).", "2024-04-17", path="published",
               hand_coded=True),
        Column("url", pa.string(), False, "Where the source was published, if known.",
               "https://example.org/article", path="url"),
        Column("language", CODE, False, "BCP 47 language tag of the text.", "en",
               path="language", hand_coded=True),
        Column("text_sha256", pa.string(), False, "sha256 (hex) of the UTF-8 bytes of the "
               "source text (the dataset does not hold the text of an imported event's "
               "source).", "0" * 64, path="text_sha256", hand_coded=True),
    ),
)  # fmt: skip

LINKS = Table(
    name="links",
    row="typed link from one event to another (schema 1.1.0)",
    nouns=("link", "links"),
    record="events.links",
    model="Link",
    primary_key=("event_id", "link_index"),
    foreign_keys=(
        ForeignKey(("event_id",), "events", ("event_id",)),
        ForeignKey(("target_event_id",), "events", ("event_id",)),
    ),
    columns=(
        Column("event_id", pa.string(), True, "The event that holds the link (see events).",
               "sc-0017", value=lambda row: row.parent.event_id, model="Event.event_id"),
        Column("link_index", pa.int32(), True, "Position of the link in the event's list of "
               "links, from 0.", 0, value=lambda row: row.index, constraints={"minimum": 0}),
        Column("type", CODE, True, "How the event relates to the target event. " + " ".join(
               f"{t.value}: {d}" for t, d in vocabulary.LINK_TYPE_DOCS.items()), "part_of",
               path="type"),
        Column("target_event_id", pa.string(), True, "The linked event (see events); never "
               "the event itself.", "sc-0001", path="event_id"),
    ),
)  # fmt: skip


def _producer_fields(row: Row) -> str | None:
    """The producer's leftover columns as one JSON object (its column order kept)."""
    fields = row.item.producer_fields
    if fields is None:
        return None
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def _fields_object(value: str | None, event_row: dict[str, Any]) -> dict[str, str] | None:
    return None if value is None else json.loads(value)


PROVENANCE = Table(
    name="provenance",
    row="where an event taken from another producer comes from (schema 1.2.0)",
    nouns=("provenance row", "provenance rows"),
    record="events.provenance",
    model="Provenance",
    primary_key=("event_id",),
    foreign_keys=(ForeignKey(("event_id",), "events", ("event_id",)),),
    columns=(
        Column("event_id", pa.string(), True, "The event (see events).", "gdelt2-1161357865",
               value=lambda row: row.parent.event_id, model="Event.event_id"),
        Column("producer", CODE, True, "Who produced the event record.", "GDELT",
               path="producer"),
        Column("producer_version", pa.string(), False, "The producer's version or edition, "
               "as it names it.", "2.0", path="producer_version"),
        Column("producer_event_id", pa.string(), True, "The producer's own id of the event, "
               "verbatim.", "1161357865", path="producer_event_id"),
        Column("source_url", pa.string(), False, "The article URL (or other source "
               "reference) the producer gives, verbatim.", "https://example.org/article",
               path="source_url"),
        Column("story_id", pa.string(), False, "The producer's id of the story the event "
               "was coded from.", "28223817", path="story_id"),
        Column("input_file", pa.string(), False, "The input file the event was imported "
               "from, by its name as listed in dataset.json; empty for a hand-coded record.",
               "20240417.export.CSV.zip", value=lambda row: None),
        Column("input_line", pa.int64(), False, "The event's line in that input file (from "
               "1); empty for a hand-coded record.", 42, value=lambda row: None,
               constraints={"minimum": 1}),
        Column("producer_fields", pa.string(), False, "The producer's columns that have no "
               "home in our model: a JSON object, keys the producer's column names in its "
               "column order, values the cells verbatim as text.",
               '{"NumMentions":"10","AvgTone":"-2.5"}', path="producer_fields",
               value=_producer_fields, restore=_fields_object),
    ),
)  # fmt: skip

TABLES: tuple[Table, ...] = (EVENTS, EVIDENCE, SOURCES, LINKS, PROVENANCE)
"""The published tables, in manifest order."""

TABLE: dict[str, Table] = {table.name: table for table in TABLES}
TABLE_NAMES: tuple[str, ...] = tuple(TABLE)


# --- constraints read from the models ---------------------------------------------------------

_MODEL_KEYS = ("enum", "pattern", "maxLength", "minLength", "minimum", "maximum")
"""The JSON Schema keywords a Table Schema shares, in the order the Table Schemas list them."""


def table_pattern(pattern: str) -> str:
    """A JSON Schema pattern (a search) as a Table Schema pattern (matches the whole value):
    ``^[a-z]+$`` becomes ``[a-z]+``, ``^https?://`` becomes ``https?://.*``."""
    start = pattern[1:] if pattern.startswith("^") else ".*" + pattern
    return start[:-1] if start.endswith("$") else start + ".*"


@cache
def _model_schema() -> dict[str, Any]:
    """The models' JSON Schema, as ``coded-events schema generate`` published it for the
    current schema version (a test fails when that file is stale). Read from the file
    rather than from pydantic so that the flat validator never loads pydantic."""
    path = schema_dir() / SCHEMA_VERSION / DOCUMENT_SCHEMA_FILE
    return json.loads(path.read_text("utf-8"))


def _property(model: str, path: str) -> dict[str, Any]:
    """The JSON Schema of the field at ``path`` below ``model`` (nulls and $refs resolved)."""
    definitions = _model_schema()["$defs"]
    node: dict[str, Any] = definitions[model]
    for part in path.split("."):
        node = _resolved(node, definitions)["properties"][part]
    return _resolved(node, definitions)


def _resolved(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    for option in node.get("anyOf", []):  # ``X | None``: the X
        if option.get("type") != "null":
            node = option
    if "$ref" in node:
        node = definitions[node["$ref"].rsplit("/", 1)[-1]]
    return node


def model_constraints(table: Table, column: Column) -> dict[str, Any]:
    """The Table Schema constraints the record models state for ``column`` (none for a
    derived column that names no model field)."""
    if column.model:
        model, path = column.model.split(".", 1)
    elif column.path:
        model, path = table.model, column.path
    else:
        return {}
    schema = _property(model, path)
    out: dict[str, Any] = {}
    for key in _MODEL_KEYS:
        if key in schema:
            value = schema[key]
            out[key] = {"enum": sorted, "pattern": table_pattern}.get(key, lambda v: v)(value)
    return out


def constraints(table: Table, column: Column) -> dict[str, Any]:
    """Every constraint of ``column`` other than ``required``: the models', then its own."""
    own = column.constraints() if callable(column.constraints) else column.constraints
    return {**model_constraints(table, column), **own}

"""The Frictionless Table Schemas of the published tables, generated from the table spec.

Column names, order, types, ``required``, descriptions, examples, keys and constraints
all come from ``coded_events.spec.tables`` (constraints the record models state are read
from the models there). The manifest (``datapackage.json``), the data dictionary
(``docs/data-dictionary.md``) and column-wise validators read these schemas.

>>> table_schema("events")["primaryKey"]
['event_id']
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pyarrow as pa

from coded_events.release.csv_snippets import reading_csv
from coded_events.spec.tables import TABLE, TABLE_NAMES, TABLES, Column, Table, constraints

__all__ = [
    "FOREIGN_KEYS",
    "MISSING_VALUES",
    "PRIMARY_KEYS",
    "data_dictionary",
    "frictionless_type",
    "table_schema",
]

MISSING_VALUES = [""]
"""In CSV an empty unquoted cell is a null; an empty string is written as ``""``."""

PRIMARY_KEYS: dict[str, list[str]] = {t.name: list(t.primary_key) for t in TABLES}

FOREIGN_KEYS: dict[str, list[tuple[list[str], str, list[str]]]] = {
    t.name: [(list(k.columns), k.reference, list(k.fields)) for k in t.foreign_keys] for t in TABLES
}

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


HAND_CODED_NOTES = {
    "events": " Empty only for an event imported from a producer that does not give it "
    "(one with a provenance row); never empty for a hand-coded event.",
    "sources": " Empty only for a source that imported events alone name (events with a "
    "provenance row), when the producer does not give it; never empty for a source of "
    "hand-coded events.",
}
"""The note a ``hand_coded`` column's description ends with, by table (``Column.hand_coded``;
checked by the flat validator's ``hand-coded-value-missing``)."""


def description(table: Table, column: Column) -> str:
    """A column's description, with the note of a ``hand_coded`` column."""
    return column.description + (HAND_CODED_NOTES[table.name] if column.hand_coded else "")


def _field(table: Table, column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": column.name,
        "type": frictionless_type(column.type),
        "description": description(table, column),
        "example": column.example,
    }
    merged = {"required": True} if column.required else {}
    merged.update(constraints(table, column))
    if merged:
        field["constraints"] = merged
    return field


@cache
def _fields(table: str) -> tuple[dict[str, Any], ...]:
    spec = TABLE[table]
    return tuple(_field(spec, c) for c in spec.columns)


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


# --- the data dictionary (docs/data-dictionary.md) ---------------------------------

_HEAD = """\
# Data dictionary

Generated from `src/coded_events/spec/tables.py` by `coded-events data-dictionary`;
do not edit by hand (a test fails when this page is stale).

Each dataset is published as {count} tables, each as Parquet and as CSV, described by a
Frictionless Data Package v2 manifest, `datapackage.json`:

| table | one row per | key |
| --- | --- | --- |
"""

_COUNTS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def _head() -> str:
    """The page's opening: what it is, and one line per table."""
    rows = [
        f"| `{t.name}` | {t.row} | {', '.join(f'`{k}`' for k in t.primary_key)} |\n" for t in TABLES
    ]
    return _HEAD.format(count=_COUNTS.get(len(TABLES), len(TABLES))) + "".join(rows) + "\n"


_INTRO = """\
Derived columns (date bounds and precision, actor country and roles, CAMEO label, root
code, QuadClass, Goldstein) are computed from the records and the shipped codebook at
build time, never typed by hand. A reduced-precision date keeps both forms: the
`*_text` column holds the ISO 8601 string as coded (`2024-04`), the date columns its
first and last calendar day (`2024-04-01`, `2024-04-30`).

## Parquet

- Arrow types: `date32` dates, `float64` coordinates and scores, `int64` offsets and
  GeoNames ids, `int8` QuadClass, `bool` flags, dictionary-encoded strings for codes and
  enums, `list<string>` for actor roles, `list<struct<value, unit, qualifier,
  as_written>>` for quantities. Codes are strings: `"010"` keeps its leading zero.
- zstd compression, one row group, rows sorted by the table's key (declared as the file's
  sorting columns).
- File key-value metadata: `coded_events.table`, `coded_events.dataset`,
  `coded_events.dataset_version`, `coded_events.schema_version`,
  `coded_events.codebook_version`.
- Reproducible: the same records, metadata and pyarrow version give the same bytes.

## CSV

- UTF-8 without byte-order mark, comma-separated, CRLF line ends, a header row.
- RFC 4180 quoting: a field is quoted when it holds a comma, a double quote, CR or LF, or
  is the empty string; a double quote inside is doubled.
- Null is an empty, *unquoted* field; the empty string is `""` (quoted). With pyarrow:
  `quoted_strings_can_be_null=False`, and `newlines_in_values=True` (text cells may hold
  quoted line breaks).
- Dates ISO 8601 (`2024-04-17`); booleans `true` / `false`; numbers as the shortest text
  that reads back to the same float64 (`55.7558`, `2000.0`).
- List columns (`*_roles`, `quantities`) hold a compact JSON array (`["MIL"]`).
- **Spreadsheet formula injection**: in text columns only, a cell that begins with `=`,
  `+`, `-`, `@`, tab, CR or an apostrophe `'` is written with one extra `'` in front, so
  a spreadsheet shows it as text. To read the exact value, remove one leading `'` from
  every text cell that has one (`coded_events.release.build.read_csv` does). Numeric and date
  columns are never changed (a negative longitude stays `-0.5`), and the Parquet files
  always hold the exact values.
- Always read with explicit column types (codes are strings): see the types below.

## datapackage.json

Data Package v2. One resource per table and format: `events`, `evidence`, `sources`,
`links` (Parquet) and `events-csv`, `evidence-csv`, `sources-csv`, `links-csv` (CSV), each
with `bytes`,
`hash` (`sha256:<hex>`) and the Table Schema below (`missingValues: [""]`, primary and
foreign keys). The CSV resources are `type: table`, so `frictionless validate` checks
every cell against the schema; the Parquet resources are `type: file` because
frictionless 5 reads Parquet through pandas, where list columns do not match its `array`
type, so it checks their bytes and hash and the project's tests check their contents.
(The Data Package v2 profile lists only `table` as a resource type; `file` is
frictionless's own. Declaring the Parquet resources `table` would make `frictionless
validate` fail on the list columns; leaving the type out has the same effect.)

## Loading with `coded_events.load`

`load()` returns the Parquet tables as they are (Arrow types) and `as_="polars"` keeps
them too. `as_="pandas"` gives each column the pandas type an analyst expects:

- dates as `datetime64[ms]`, not Arrow-backed `date32[pyarrow]`: `.dt`, `resample` and
  `dt.to_period("M")` work on them, as do the pandas snippets below; a date has no time
  part, and millisecond units cover any year, so nothing is lost;
- every integer (QuadClass, GeoNames id, offsets, indices) as nullable `Int64`: a missing
  GeoNames id stays missing instead of turning the column into floats;
- every code and text column as `string` (the dictionary-encoded codes decoded, so
  `cameo_code == "010"` works and the leading zero stays), flags as `boolean`; list
  columns (actor roles, quantities) stay Python objects.
"""


def _constraint_text(constraints: dict[str, Any]) -> str:
    parts = []
    for key, value in constraints.items():
        if key == "required":
            continue
        if key == "enum":
            shown = ", ".join(f"`{v}`" for v in value[:8])
            more = f" … ({len(value)} codes from the codebook)" if len(value) > 8 else ""
            parts.append(f"one of {shown}{more}")
        elif key == "pattern":
            text = value if len(value) <= 60 else "the codebook's actor-code pattern"
            parts.append(f"pattern `{text}`" if len(value) <= 60 else text)
        else:
            parts.append(f"{key} {value}")
    return "; ".join(parts)


def _arrow_type_text(arrow_type: pa.DataType) -> str:
    """Arrow types as a reader sees them: ``string (dictionary)``, ``list<string>``."""
    if pa.types.is_dictionary(arrow_type):
        return f"{arrow_type.value_type} (dictionary)"
    if pa.types.is_list(arrow_type):
        return f"list<{_arrow_type_text(arrow_type.value_type)}>"
    if pa.types.is_struct(arrow_type):
        inner = ", ".join(f"{f.name}: {_arrow_type_text(f.type)}" for f in arrow_type)
        return f"struct<{inner}>"
    return str(arrow_type)


def _cell(text: Any) -> str:
    value = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
    return value.replace("|", "\\|").replace("\n", " ")


def data_dictionary() -> str:
    """The Markdown data dictionary of the published tables."""
    lines = [_head() + _INTRO, reading_csv()]
    for table in TABLE_NAMES:
        schema = table_schema(table)
        lines.append(f"## `{table}`\n")
        lines.append(f"Primary key: {', '.join(f'`{k}`' for k in schema['primaryKey'])}.")
        for key in schema["foreignKeys"]:
            ref = key["reference"]
            lines.append(
                f"Foreign key: `{', '.join(key['fields'])}` → "
                f"`{ref['resource']}.{', '.join(ref['fields'])}`."
            )
        lines.append("")
        lines.append("| column | Parquet type | Table Schema type | required | description "
                     "| constraints | example |")  # fmt: skip
        lines.append("| --- | --- | --- | --- | --- | --- | --- |")
        for column, field in zip(TABLE[table].columns, schema["fields"], strict=True):
            constraints = field.get("constraints", {})
            row = [
                f"`{field['name']}`",
                f"`{_arrow_type_text(column.type)}`",
                field["type"],
                "yes" if constraints.get("required") else "",
                field["description"],
                _constraint_text(constraints),
                f"`{_cell(field['example'])}`",
            ]
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        lines.append("")
    return "\n".join(lines)

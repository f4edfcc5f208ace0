"""The CSV dialect of the published tables: one writer, one set of reader options.

Conventions (see ``docs/data-dictionary.md``): UTF-8 without BOM, comma, CRLF line ends,
RFC 4180 quoting (a field is quoted when it holds a comma, a double quote, CR or LF, or
is one of the declared missing values, the empty string); a null is an empty *unquoted*
field (``table_schema.MISSING_VALUES``, declared in ``datapackage.json``); dates
ISO 8601; booleans ``true``/``false``; numbers as the shortest text that reads back to
the same float; list columns as compact JSON arrays. Formula injection: in text columns
only, a cell that begins with ``=``, ``+``, ``-``, ``@``, tab, CR or ``'`` gets one
``'`` in front; a reader removes one leading ``'`` from every text cell
(:func:`unescape_text`). Numbers and dates are never changed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from coded_events.release.table_schema import MISSING_VALUES

DELIMITER = ","
LINE_END = "\r\n"
NULL = MISSING_VALUES[0]
"""How a null is written: the first declared missing value, unquoted."""
TRUE, FALSE = "true", "false"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")
"""A text cell starting with one of these gets a ``'`` in front in CSV."""
ESCAPE = "'"
_QUOTE_IF = (DELIMITER, '"', "\r", "\n")


# --- writing ---------------------------------------------------------------------------


def quote(text: str) -> str:
    """One field, quoted when it must be (RFC 4180, or it reads as a missing value)."""
    if text in MISSING_VALUES or any(c in text for c in _QUOTE_IF):
        return '"' + text.replace('"', '""') + '"'
    return text


def _text_cell(value: str) -> str:
    return ESCAPE + value if value.startswith(FORMULA_PREFIXES) else value


def _json_cell(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _cell_writer(arrow_type: pa.DataType) -> Callable[[Any], str]:
    if pa.types.is_list(arrow_type):
        return lambda v: _text_cell(_json_cell(v))
    if pa.types.is_string(arrow_type) or pa.types.is_dictionary(arrow_type):
        return _text_cell
    if pa.types.is_boolean(arrow_type):
        return lambda v: TRUE if v else FALSE
    if pa.types.is_floating(arrow_type):
        return repr
    if pa.types.is_date(arrow_type):
        return dt.date.isoformat
    return str


def csv_bytes(table: pa.Table) -> bytes:
    """One table as CSV bytes in this dialect (header row first)."""
    writers = [_cell_writer(f.type) for f in table.schema]
    lines = [DELIMITER.join(quote(name) for name in table.column_names)]
    for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
        cells = (NULL if v is None else quote(w(v)) for w, v in zip(writers, row, strict=True))
        lines.append(DELIMITER.join(cells))
    return (LINE_END.join(lines) + LINE_END).encode("utf-8")


# --- reading ---------------------------------------------------------------------------


def read_options(**extra: Any) -> pa_csv.ReadOptions:
    """pyarrow's read options for this dialect (UTF-8); ``extra`` adds e.g. a block size."""
    return pa_csv.ReadOptions(encoding="utf8", **extra)


def parse_options(**extra: Any) -> pa_csv.ParseOptions:
    """pyarrow's parse options: text cells may hold quoted line breaks (notes, quotes)."""
    return pa_csv.ParseOptions(delimiter=DELIMITER, newlines_in_values=True, **extra)


def convert_options(
    column_types: dict[str, pa.DataType], *, booleans: bool = True
) -> pa_csv.ConvertOptions:
    """pyarrow's convert options: the declared missing values (unquoted) are null, a
    quoted one is text; with ``booleans``, ``true``/``false`` are the only booleans."""
    words = {"true_values": [TRUE], "false_values": [FALSE]} if booleans else {}
    return pa_csv.ConvertOptions(
        column_types=column_types,
        null_values=list(MISSING_VALUES),
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        **words,
    )


def unescape_text(column: pa.Array) -> pa.Array:
    """A text column with the formula guard removed: one leading ``'`` dropped."""
    escaped = pc.starts_with(column, ESCAPE)
    if not pc.any(escaped).as_py():
        return column
    return pc.if_else(escaped, pc.utf8_slice_codeunits(column, len(ESCAPE)), column)


def _read_type(arrow_type: pa.DataType) -> pa.DataType:
    if pa.types.is_list(arrow_type) or pa.types.is_dictionary(arrow_type):
        return pa.string()
    return arrow_type


def read_table(path: Path, schema: pa.Schema) -> pa.Table:
    """Read a CSV file of this dialect into ``schema`` exactly (types explicit).

    Raises ValueError when the columns are not the schema's, and pyarrow's errors when a
    cell does not parse.
    """
    raw = pa_csv.read_csv(
        path,
        read_options=read_options(),
        parse_options=parse_options(),
        convert_options=convert_options({f.name: _read_type(f.type) for f in schema}),
    )
    if raw.column_names != schema.names:
        raise ValueError(f"{path}: columns {raw.column_names} are not {schema.names}")
    columns = []
    for field in schema:
        column = raw.column(field.name)
        if pa.types.is_string(column.type):
            column = unescape_text(column)
        if pa.types.is_list(field.type):
            items = [None if v is None else json.loads(v) for v in column.to_pylist()]
            column = pa.array(items, field.type)
        elif pa.types.is_dictionary(field.type):
            column = column.combine_chunks().dictionary_encode()
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)

"""Publish a dataset: Parquet, CSV and ``datapackage.json``, deterministic to the byte.

``build(dataset_dir)`` reads ``records/*.json``, refuses records that do not validate,
and writes ``data/{events,evidence,sources}.{parquet,csv}`` and ``datapackage.json``.
Nothing depends on the clock: every date comes from the records or ``dataset.json``.

CSV conventions (see ``docs/data-dictionary.md``): UTF-8 without BOM, comma, CRLF line
ends, RFC 4180 quoting (a field is quoted when it holds a comma, a double quote, CR or
LF, or is the empty string); a null is an empty *unquoted* field; dates ISO 8601; booleans
``true``/``false``; numbers as the shortest text that reads back to the same float;
list columns as compact JSON arrays. Formula injection: in text columns only, a cell that
begins with ``=``, ``+``, ``-``, ``@``, tab, CR or ``'`` gets one ``'`` in front; a
reader removes one leading ``'`` from every text cell (``read_csv`` does). Numbers,
dates and the Parquet files are never changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from coded_events import codebook
from coded_events.models import SourceDocument
from coded_events.table_schema import table_schema
from coded_events.tables import (
    ARROW_SCHEMAS,
    SORT_KEYS,
    TABLE_NAMES,
    TableError,
    tables_from_documents,
)
from coded_events.versions import SCHEMA_VERSION

__all__ = [
    "FORMULA_PREFIXES",
    "BuildError",
    "build",
    "check",
    "csv_bytes",
    "load_documents",
    "output_paths",
    "parquet_bytes",
    "read_csv",
    "render",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")
"""A text cell starting with one of these gets a ``'`` in front in CSV."""

PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "version": "2.6",
    "data_page_version": "1.0",
    "write_statistics": True,
    "use_dictionary": True,
    "store_schema": True,
}
ROW_GROUP_SIZE = 1_000_000
PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
DIALECT_PROFILE = "https://datapackage.org/profiles/2.0/tabledialect.json"
# Parquet resources are declared ``type: file``: frictionless 5 reads Parquet through pandas,
# where list columns arrive as numpy arrays and fail its ``array`` type, and it cannot count
# their bytes. As files, frictionless checks their ``bytes`` and ``hash``; the attached Table
# Schema documents them and the tests check them with pyarrow, DuckDB, polars and pandas.
# The CSV resources are tables: frictionless checks types, constraints and keys on them.
FORMATS = {
    "parquet": {"type": "file", "format": "parquet", "mediatype": "application/vnd.apache.parquet"},
    "csv": {"type": "table", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"},
}


class BuildError(Exception):
    """The build cannot go on; ``problems`` lists each reason (file, place, rule)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# --- reading and validating records -------------------------------------------------


def _finding_text(finding: Any) -> str:
    """``file:line:column pointer [code] message (hint)`` from a ``Finding``."""
    where = ":".join(
        str(v) for v in (getattr(finding, k, None) for k in ("file", "line", "column")) if v
    )
    pointer = getattr(finding, "pointer", "") or ""
    code = getattr(finding, "code", "")
    message = getattr(finding, "message", None) or str(finding)
    hint = getattr(finding, "hint", "")
    text = f"{where} {pointer} [{code}] {message}".strip()
    return f"{text} (fix: {hint})" if hint else text


def load_documents(dataset_dir: Path) -> list[SourceDocument]:
    """The validated source documents of ``dataset_dir/records``; BuildError if any fails.

    The records must pass ``coded-events validate`` (errors refuse the build; warnings do
    not). Documents of an older released schema are migrated in memory, as the validator
    checks them; the files are not changed.
    """
    from coded_events.migrate import migrate_document
    from coded_events.validate import validate_paths

    records_dir = dataset_dir / "records"
    files = sorted(records_dir.glob("*.json"))
    if not files:
        raise BuildError([f"{records_dir}: no record files (*.json) to build from"])
    problems = [_finding_text(f) for f in validate_paths([records_dir]) if f.is_error]
    if problems:
        raise BuildError(problems)
    documents = []
    for path in files:
        try:
            current = migrate_document(json.loads(path.read_text(encoding="utf-8")))
            documents.append(SourceDocument.model_validate(current))
        except ValueError as error:  # the validator passed it: should not happen
            raise BuildError(
                [f"{path}: cannot be read as schema {SCHEMA_VERSION}: {error}"]
            ) from None
    return documents


# --- Parquet ------------------------------------------------------------------------


def _file_metadata(table: str, meta: dict[str, Any]) -> dict[bytes, bytes]:
    values = {
        "coded_events.table": table,
        "coded_events.dataset": meta["name"],
        "coded_events.dataset_version": meta["version"],
        "coded_events.schema_version": SCHEMA_VERSION,
        "coded_events.codebook_version": codebook.codebook_version(),
    }
    return {k.encode(): v.encode() for k, v in values.items()}


def parquet_bytes(name: str, table: pa.Table, meta: dict[str, Any]) -> bytes:
    """One table as Parquet bytes: zstd, one row group, versions in the key-value metadata."""
    table = table.replace_schema_metadata(_file_metadata(name, meta))
    sorting = [pq.SortingColumn(table.schema.get_field_index(c)) for c in SORT_KEYS[name]]
    sink = pa.BufferOutputStream()
    pq.write_table(
        table, sink, row_group_size=ROW_GROUP_SIZE, sorting_columns=sorting, **PARQUET_OPTIONS
    )
    return sink.getvalue().to_pybytes()


# --- CSV ----------------------------------------------------------------------------


def _csv_field(text: str) -> str:
    if text == "" or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _json_cell(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _cell_writer(arrow_type: pa.DataType) -> Callable[[Any], str]:
    if pa.types.is_list(arrow_type):
        return lambda v: _text_cell(_json_cell(v))
    if pa.types.is_string(arrow_type) or pa.types.is_dictionary(arrow_type):
        return _text_cell
    if pa.types.is_boolean(arrow_type):
        return lambda v: "true" if v else "false"
    if pa.types.is_floating(arrow_type):
        return repr
    if pa.types.is_date(arrow_type):
        return dt.date.isoformat
    return str


def csv_bytes(table: pa.Table) -> bytes:
    """One table as RFC 4180 CSV bytes (see the module docstring for the conventions)."""
    writers = [_cell_writer(f.type) for f in table.schema]
    lines = [",".join(_csv_field(name) for name in table.column_names)]
    for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
        cells = ("" if v is None else _csv_field(w(v)) for w, v in zip(writers, row, strict=True))
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _csv_read_type(arrow_type: pa.DataType) -> pa.DataType:
    if pa.types.is_list(arrow_type) or pa.types.is_dictionary(arrow_type):
        return pa.string()
    return arrow_type


def read_csv(path: Path, table: str) -> pa.Table:
    """Read a published CSV back into the table's exact Arrow schema (types explicit)."""
    schema = ARROW_SCHEMAS[table]
    raw = pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(encoding="utf8"),
        # text cells may hold quoted line breaks (notes, quotes)
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={f.name: _csv_read_type(f.type) for f in schema},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["true"],
            false_values=["false"],
        ),
    )
    if raw.column_names != schema.names:
        raise ValueError(f"{path}: columns {raw.column_names} are not {schema.names}")
    columns = []
    for field in schema:
        column = raw.column(field.name)
        if pa.types.is_string(column.type):
            column = pc.if_else(
                pc.starts_with(column, "'"), pc.utf8_slice_codeunits(column, 1), column
            )
        if pa.types.is_list(field.type):
            items = [None if v is None else json.loads(v) for v in column.to_pylist()]
            column = pa.array(items, field.type)
        elif pa.types.is_dictionary(field.type):
            column = column.combine_chunks().dictionary_encode()
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


# --- datapackage.json ---------------------------------------------------------------


def _resource_name(table: str, fmt: str) -> str:
    return table if fmt == "parquet" else f"{table}-{fmt}"


def _resource(table: str, fmt: str, content: bytes) -> dict[str, Any]:
    names = {t: _resource_name(t, fmt) for t in TABLE_NAMES}
    resource: dict[str, Any] = {
        "$schema": RESOURCE_PROFILE,
        "name": names[table],
        "path": f"data/{table}.{fmt}",
        **FORMATS[fmt],
        "bytes": len(content),
        "hash": f"sha256:{hashlib.sha256(content).hexdigest()}",
    }
    if fmt == "csv":
        resource["dialect"] = {
            "$schema": DIALECT_PROFILE,
            "delimiter": ",",
            "lineTerminator": "\r\n",
            "quoteChar": '"',
            "doubleQuote": True,
            "header": True,
        }
    resource["schema"] = table_schema(table, names)
    return resource


def _created(value: str) -> str:
    """dataset.json gives a date; Data Package wants an RFC 3339 date-time."""
    return value if "T" in value else f"{value}T00:00:00Z"


def _package(
    meta: dict[str, Any], documents: list[SourceDocument], files: dict[str, bytes]
) -> dict[str, Any]:
    sources = []
    for document in sorted(documents, key=lambda d: d.source.source_id):
        source: dict[str, Any] = {"title": f"{document.source.publisher}: {document.source.title}"}
        if document.source.url:
            source["path"] = document.source.url
        sources.append(source)
    package: dict[str, Any] = {
        "$schema": PACKAGE_PROFILE,
        "name": meta["name"],
        "title": meta["title"],
        "description": meta["description"],
        "version": meta["version"],
        "created": _created(meta["created"]),
        "homepage": meta.get("homepage"),
        "keywords": meta.get("keywords"),
        "licenses": meta["licenses"],
        "contributors": meta["contributors"],
        "sources": sources,
        "schema_version": SCHEMA_VERSION,
        "codebook_version": codebook.codebook_version(),
        "citation": meta.get("citation", "").replace("{version}", meta["version"]) or None,
        "licence_note": meta.get("licence_note"),
        "resources": [
            _resource(table, fmt, files[f"data/{table}.{fmt}"])
            for fmt in FORMATS
            for table in TABLE_NAMES
        ],
    }
    return {k: v for k, v in package.items() if v is not None}


# --- the build ----------------------------------------------------------------------


def output_paths() -> list[str]:
    """The files a build writes, relative to the dataset folder."""
    data = [f"data/{table}.{fmt}" for fmt in FORMATS for table in TABLE_NAMES]
    return [*data, "datapackage.json"]


# dataset.json: key -> the JSON type it must have (required keys first, then optional ones)
_METADATA_REQUIRED = {"name": str, "title": str, "description": str, "version": str,
                      "created": str, "licenses": list, "contributors": list}  # fmt: skip
_METADATA_OPTIONAL = {"schema_version": str, "citation": str, "homepage": str,
                      "keywords": list, "licence_note": str}  # fmt: skip
_SEMVER = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")


def _metadata(dataset_dir: Path) -> dict[str, Any]:
    path = dataset_dir / "dataset.json"
    if not path.is_file():
        raise BuildError([f"{path}: missing (the dataset's metadata: name, version, ...)"])
    try:
        meta = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise BuildError([f"{path}: not readable JSON: {error}"]) from None
    if not isinstance(meta, dict):
        raise BuildError([f"{path}: must hold a JSON object"])
    problems = [f"{path}: missing key {k!r}" for k in _METADATA_REQUIRED if k not in meta]
    for key, kind in {**_METADATA_REQUIRED, **_METADATA_OPTIONAL}.items():
        if key in meta and not isinstance(meta[key], kind):
            problems.append(f"{path}: {key!r} must be a JSON {_JSON_NAMES[kind]}")
    if isinstance(meta.get("version"), str) and not _SEMVER.fullmatch(meta["version"]):
        problems.append(
            f"{path}: version {meta['version']!r} is not MAJOR.MINOR.PATCH (see docs/versioning.md)"
        )
    if isinstance(meta.get("created"), str) and not _is_iso_date(meta["created"]):
        problems.append(f"{path}: created {meta['created']!r} is not an ISO 8601 date")
    if problems:
        raise BuildError(problems)
    if meta.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise BuildError(
            [
                f"{path}: schema_version {meta['schema_version']} is not this package's "
                f"schema {SCHEMA_VERSION}"
            ]
        )
    return meta


_JSON_NAMES = {str: "string", list: "array"}


def _is_iso_date(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def render(
    dataset_dir: Path, inspect: Callable[[dict[str, bytes]], None] | None = None
) -> dict[str, bytes]:
    """Every output file's bytes, keyed by path relative to the dataset folder.

    ``inspect`` sees them before they are returned and may refuse them (BuildError).
    """
    meta = _metadata(dataset_dir)
    documents = load_documents(dataset_dir)
    try:
        tables = dict(zip(TABLE_NAMES, tables_from_documents(documents), strict=True))
    except TableError as error:
        raise BuildError([f"{dataset_dir / 'records'}: {error}"]) from None
    files: dict[str, bytes] = {}
    for name, table in tables.items():
        files[f"data/{name}.parquet"] = parquet_bytes(name, table, meta)
        files[f"data/{name}.csv"] = csv_bytes(table)
    package = _package(meta, documents, files)
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    files["datapackage.json"] = text.encode("utf-8")
    if inspect is not None:
        inspect(files)
    return files


def build(
    dataset_dir: Path,
    out_dir: Path | None = None,
    *,
    inspect: Callable[[dict[str, bytes]], None] | None = None,
) -> list[Path]:
    """Build the dataset into ``out_dir`` (default: the dataset folder); the written paths.

    ``inspect`` sees the rendered files before anything is written and may refuse them by
    raising BuildError (the CLI checks the version bump there: ``data_versions``).
    """
    target = out_dir or dataset_dir
    files = render(dataset_dir, inspect)
    written = []
    for relative, content in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def check(
    dataset_dir: Path, *, inspect: Callable[[dict[str, bytes]], None] | None = None
) -> list[str]:
    """Relative paths whose committed bytes differ from a fresh build (empty: up to date).

    The fresh build is rendered in memory; nothing in ``dataset_dir`` is written.
    ``inspect`` sees the rendered files first, as in ``build``.
    """
    files = render(dataset_dir, inspect)
    stale = []
    for relative, content in files.items():
        committed = dataset_dir / relative
        if not committed.is_file() or committed.read_bytes() != content:
            stale.append(relative)
    return stale

"""The ``datapackage.json`` of a release: one resource per table and format, with the Table
Schemas, sizes and sha256 of the files (Frictionless Data Package 2.0 profiles)."""

from __future__ import annotations

from typing import Any

from coded_events import safe_files
from coded_events.release.rows import (
    TABLE_NAMES,
)
from coded_events.release.table_schema import table_schema
from coded_events.spec import codebook
from coded_events.spec.layout import data_path
from coded_events.spec.models import SourceDocument
from coded_events.spec.versions import SCHEMA_VERSION

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


# --- datapackage.json ---------------------------------------------------------------


def _resource_name(table: str, fmt: str) -> str:
    return table if fmt == "parquet" else f"{table}-{fmt}"


def _resource(table: str, fmt: str, size: int, digest: str) -> dict[str, Any]:
    names = {t: _resource_name(t, fmt) for t in TABLE_NAMES}
    resource: dict[str, Any] = {
        "$schema": RESOURCE_PROFILE,
        "name": names[table],
        "path": data_path(table, fmt),
        **FORMATS[fmt],
        "bytes": size,
        "hash": f"sha256:{digest}",
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
    digests = {k: (len(v), safe_files.sha256_bytes(v)) for k, v in files.items()}
    return package_manifest(meta, sources, digests)


def package_manifest(
    meta: dict[str, Any],
    sources: list[dict[str, Any]],
    files: dict[str, tuple[int, str]],
    formats: tuple[str, ...] = tuple(FORMATS),
) -> dict[str, Any]:
    """The ``datapackage.json`` content: ``meta`` (dataset.json's keys), the package's
    ``sources``, and each table file's (bytes, sha256 hex) by its relative path, for the
    tables in every one of ``formats``. The build and ``coded-events import`` both write
    their manifests with it."""
    package: dict[str, Any] = {
        "$schema": PACKAGE_PROFILE,
        "name": meta["name"],
        "title": meta["title"],
        "description": meta["description"],
        "version": meta["version"],
        "created": _created(meta["created"]) if "created" in meta else None,
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
            _resource(table, fmt, *files[data_path(table, fmt)])
            for fmt in formats
            for table in TABLE_NAMES
        ],
    }
    return {k: v for k, v in package.items() if v is not None}

"""Publish a dataset: Parquet, CSV and ``datapackage.json``, deterministic to the byte.

``build(dataset_dir)`` reads ``records/*.json``, refuses records that do not validate,
and writes ``data/<table>.<format>`` for every published table
(``coded_events.release.rows.TABLE_NAMES``) in both formats (``parquet``, ``csv``) and
``datapackage.json`` (the folder layout: ``coded_events.spec.layout``).
Nothing depends on the clock: every date comes from the records or ``dataset.json``.

Writing is crash-consistent (``coded_events.safe_files``): each file goes to a temporary
file in its folder and is renamed into place, files whose bytes are already right are not
touched, and ``datapackage.json`` is replaced last, so an interrupted build leaves complete
old or complete new files whose torn state the manifest's hashes reveal; the next build
removes the temporary debris and repairs it. No file is written through a symbolic link.
A committed Parquet file that holds the same rows, schema and metadata as the fresh one,
written by another pyarrow (only the writer differs), is kept, and the manifest
describes the kept file.

The CSV dialect (quoting, nulls, booleans, the formula guard) is
``coded_events.release.csv_dialect``: ``csv_bytes`` writes it and ``read_csv`` reads it
back. The Parquet files (``coded_events.release.parquet``) are never escaped; the manifest
is ``coded_events.release.package``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import pyarrow as pa

from coded_events import safe_files
from coded_events.findings import Finding, visible
from coded_events.release import csv_dialect
from coded_events.release.csv_dialect import FORMULA_PREFIXES, csv_bytes
from coded_events.release.package import FORMATS, _package, package_manifest
from coded_events.release.parquet import parquet_bytes, parquet_writer, same_parquet_content
from coded_events.release.rows import (
    ARROW_SCHEMAS,
    TABLE_NAMES,
    TableError,
    tables_from_documents,
)
from coded_events.spec.layout import MANIFEST, DatasetLayout, data_path
from coded_events.spec.models import SourceDocument
from coded_events.spec.versions import SCHEMA_VERSION
from coded_events.spec.vocabulary import CONTROL_CHARACTERS_PATTERN

__all__ = [
    "FORMULA_PREFIXES",
    "BuildError",
    "BuildResult",
    "build",
    "check",
    "csv_bytes",
    "load_documents",
    "manifest_mismatches",
    "output_paths",
    "package_manifest",
    "parquet_bytes",
    "read_csv",
    "render",
    "same_parquet_content",
]


_CONTROL_BYTES = re.compile(CONTROL_CHARACTERS_PATTERN.encode())
"""C0 control characters other than tab, line feed and carriage return: never published."""


class BuildError(Exception):
    """The build cannot go on; ``problems`` lists each reason (file, place, rule)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# --- reading and validating records -------------------------------------------------


def _finding_text(finding: Finding) -> str:
    """``file:line:column pointer [code] message (hint)`` from a ``Finding``, control
    characters escaped visibly (the CLI prints it)."""
    where = ":".join(str(v) for v in (finding.file, finding.line, finding.column) if v)
    text = f"{where} {finding.pointer} [{finding.code}] {finding.message}".strip()
    return visible(f"{text} (fix: {finding.hint})" if finding.hint else text)


def load_documents(dataset_dir: Path) -> list[SourceDocument]:
    """The validated source documents of ``dataset_dir/records``; BuildError if any fails.

    The records must pass ``coded-events validate`` (errors refuse the build; warnings do
    not). Each file is read and parsed once, by the validator's strict reader, and its
    parsed JSON passed on here. Documents of an older released schema are migrated in
    memory, as the validator checks them; the files are not changed.
    """
    from coded_events.records.validate import validate_paths
    from coded_events.spec.migrate import migrate_document

    records_dir = DatasetLayout(dataset_dir).records
    files = sorted(records_dir.glob("*.json"))
    if not files:
        raise BuildError([f"{records_dir}: no record files (*.json) to build from"])
    parsed: dict[str, Any] = {}
    findings = validate_paths([records_dir], parsed=parsed)
    problems = [_finding_text(f) for f in findings if f.is_error]
    if problems:
        raise BuildError(problems)
    by_path = {os.path.abspath(file): data for file, data in parsed.items()}
    documents: list[SourceDocument] = []
    for path in files:
        try:
            safe_files.check_no_links(path, dataset_dir)
            if os.path.abspath(path) not in by_path:
                raise ValueError("the validator did not read it as a record")
            current = migrate_document(by_path[os.path.abspath(path)])
            documents.append(SourceDocument.model_validate(current))
        except (ValueError, OSError) as error:  # the validator passed it: should not happen
            raise BuildError(
                [f"{path}: cannot be read as schema {SCHEMA_VERSION}: {error}"]
            ) from None
    return documents


# --- CSV ----------------------------------------------------------------------------


def read_csv(path: Path, table: str) -> pa.Table:
    """Read a published CSV back into the table's exact Arrow schema (types explicit)."""
    return csv_dialect.read_table(path, ARROW_SCHEMAS[table])


# --- the build ----------------------------------------------------------------------


def output_paths() -> list[str]:
    """The files a build writes, relative to the dataset folder."""
    data = [data_path(table, fmt) for fmt in FORMATS for table in TABLE_NAMES]
    return [*data, MANIFEST]


def _metadata(dataset_dir: Path) -> dict[str, Any]:
    """``dataset.json``, checked; never read through a symbolic link (the file or a folder
    below ``dataset_dir``): a link is refused, as for the records and the outputs."""
    path = DatasetLayout(dataset_dir).metadata
    try:
        safe_files.check_no_links(path, dataset_dir)
    except safe_files.LinkRefused as error:
        raise BuildError(
            [f"{error.path}: a symbolic link; the dataset's metadata is read from a real file"]
        ) from None
    if not path.is_file():
        raise BuildError([f"{path}: missing (the dataset's metadata: name, version, ...)"])
    try:
        meta = json.loads(safe_files.read_regular(path).decode("utf-8"))
    except (OSError, ValueError) as error:
        raise BuildError([f"{path}: not readable JSON: {error}"]) from None
    from coded_events.records.checks.inputs import dataset_problems  # the one owner

    problems = [f"{path}{where and ' ' + where}: {what}" for where, what in dataset_problems(meta)]
    if problems:
        raise BuildError(problems)
    if "imported" in meta:
        raise BuildError(
            [f"{path}: an import's dataset (`imported`): its tables are written by "
             "`coded-events import`; build builds a dataset of hand-coded records"]
        )  # fmt: skip
    if meta.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise BuildError(
            [
                f"{path}: schema_version {meta['schema_version']} is not this package's "
                f"schema {SCHEMA_VERSION}"
            ]
        )
    return meta


def _csv_control_problems(relative: str, content: bytes) -> list[str]:
    """The last guard: a rendered CSV never carries a C0 control character (but tab/LF/CR)."""
    match = _CONTROL_BYTES.search(content)
    if match is None:
        return []
    line = content.count(b"\n", 0, match.start()) + 1
    return [
        f"{relative}: line {line} would hold the control character "
        f"U+{match.group()[0]:04X} [control-character]; not written"
    ]


@dataclass
class _Rendered:
    files: dict[str, bytes]
    kept: dict[str, str] = dataclass_field(default_factory=dict)  # relative path -> why it was kept


def _keep_committed_parquet(files: dict[str, bytes], committed: Path) -> dict[str, str]:
    """Swap in committed Parquet files whose content equals the fresh one's; say why."""
    kept = {}
    for relative, fresh in files.items():
        if not relative.endswith(".parquet"):
            continue
        old = _current_bytes(committed / relative, committed)
        if old is None or old == fresh or not same_parquet_content(old, fresh):
            continue
        files[relative] = old
        kept[relative] = (
            "same rows, schema and metadata as a fresh build; only the writer differs "
            f"({parquet_writer(old)!r} committed, {parquet_writer(fresh)!r} here)"
        )
    return kept


def _render(
    dataset_dir: Path,
    inspect: Callable[[dict[str, bytes]], None] | None = None,
    committed: Path | None = None,
) -> _Rendered:
    meta = _metadata(dataset_dir)
    documents = load_documents(dataset_dir)
    try:
        tables = dict(zip(TABLE_NAMES, tables_from_documents(documents), strict=True))
    except TableError as error:
        raise BuildError([f"{DatasetLayout(dataset_dir).records}: {error}"]) from None
    files: dict[str, bytes] = {}
    for name, table in tables.items():
        files[data_path(name, "parquet")] = parquet_bytes(name, table, meta)
        files[data_path(name, "csv")] = csv_bytes(table)
    problems = [
        p for k, v in files.items() if k.endswith(".csv") for p in _csv_control_problems(k, v)
    ]
    if problems:
        raise BuildError(problems)
    kept = _keep_committed_parquet(files, committed) if committed is not None else {}
    package = _package(meta, documents, files)
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    files[MANIFEST] = text.encode("utf-8")
    if inspect is not None:
        inspect(files)
    return _Rendered(files, kept)


def render(
    dataset_dir: Path,
    inspect: Callable[[dict[str, bytes]], None] | None = None,
    *,
    committed: Path | None = None,
) -> dict[str, bytes]:
    """Every output file's bytes, keyed by path relative to the dataset folder.

    ``inspect`` sees them before they are returned and may refuse them (BuildError).
    With ``committed`` (a built folder), its Parquet files that differ from the fresh ones
    only in their writer are returned instead, and the manifest describes them.
    """
    return _render(dataset_dir, inspect, committed).files


@dataclass
class BuildResult:
    """What a build did to each output file."""

    written: list[Path] = dataclass_field(default_factory=list)
    """Files replaced by new bytes (the manifest last)."""
    unchanged: list[Path] = dataclass_field(default_factory=list)
    """Files that already held the fresh bytes; not touched."""
    kept: dict[Path, str] = dataclass_field(default_factory=dict)
    """Committed Parquet files kept because only their writer differs, with the reason."""
    debris: list[Path] = dataclass_field(default_factory=list)
    """Temporary files of an interrupted build, removed."""


def _current_bytes(path: Path, root: Path) -> bytes | None:
    """The bytes of an output file (None if absent); links and non-files refused."""
    safe_files.check_no_links(path, root)
    if not path.exists():
        return None
    return safe_files.read_regular(path)


def _check_outputs(target: Path) -> None:
    """Refuse, before anything is written, an output path that is a link or not a file."""
    data = DatasetLayout(target).data
    safe_files.check_no_links(data, target)
    if data.exists() and not data.is_dir():
        raise safe_files.UnsafePathError(data, "is not a folder")
    for relative in output_paths():
        path = target / relative
        safe_files.check_no_links(path, target)
        if path.exists() and not path.is_file():
            raise safe_files.NotRegularFile(path, path.lstat().st_mode)


def build(
    dataset_dir: Path,
    out_dir: Path | None = None,
    *,
    inspect: Callable[[dict[str, bytes]], None] | None = None,
) -> BuildResult:
    """Build the dataset into ``out_dir`` (default: the dataset folder); what was done.

    ``inspect`` sees the rendered files before anything is written and may refuse them by
    raising BuildError (the CLI checks the version bump there: ``data_versions``). A link
    or a non-file among the outputs raises ``safe_files.UnsafePathError`` before any write.
    """
    target = out_dir or dataset_dir
    _check_outputs(target)
    rendered = _render(dataset_dir, inspect, committed=target)
    data = DatasetLayout(target).data
    result = BuildResult(kept={target / k: v for k, v in rendered.kept.items()})
    result.debris = safe_files.remove_debris(target)
    if data.is_dir():
        result.debris += safe_files.remove_debris(data)
    safe_files.make_dirs(data, target)
    order = sorted(rendered.files, key=lambda relative: relative == MANIFEST)  # manifest last
    for relative in order:
        path, content = target / relative, rendered.files[relative]
        if relative == MANIFEST:
            safe_files.sync_folder(data)  # the tables' renames reach the disk first
        if _current_bytes(path, target) == content:
            result.unchanged.append(path)
            continue
        safe_files.write_atomic(path, content, root=target)
        result.written.append(path)
    safe_files.sync_folder(target)
    return result


def manifest_mismatches(folder: Path) -> list[str]:
    """Where ``folder/datapackage.json`` does not describe the files on disk (bytes, sha256).

    Empty when every resource matches: a build interrupted between its tables and its
    manifest shows up here.
    """
    path = folder / MANIFEST
    try:
        manifest = json.loads(_current_bytes(path, folder) or b"null")
        resources = manifest["resources"]
    except (OSError, ValueError, TypeError, KeyError) as error:
        return [f"{path}: not a readable manifest ({error})"]
    problems = []
    for resource in resources:
        relative = str(resource.get("path"))
        try:
            content = _current_bytes(folder / relative, folder)
        except OSError as error:
            problems.append(f"{folder / relative}: {error}")
            continue
        if content is None:
            problems.append(f"{folder / relative}: missing, though {MANIFEST} lists it")
        elif resource.get("bytes") != len(content) or resource.get("hash") != (
            f"sha256:{safe_files.sha256_bytes(content)}"
        ):
            problems.append(
                f"{folder / relative}: its size or sha256 differs from {MANIFEST} "
                "(an interrupted build or an edit)"
            )
    return problems


def check(
    dataset_dir: Path,
    *,
    inspect: Callable[[dict[str, bytes]], None] | None = None,
    echo: Callable[[str], None] | None = None,
) -> list[str]:
    """Relative paths whose committed bytes differ from a fresh build (empty: up to date).

    The fresh build is rendered in memory; nothing in ``dataset_dir`` is written.
    ``inspect`` sees the rendered files first, as in ``build``. Committed Parquet files
    that differ only in their writer count as up to date (``echo`` is told), as ``build``
    keeps them; the manifest must then describe them, hashes included.
    """
    rendered = _render(dataset_dir, inspect, committed=dataset_dir)
    for relative, reason in rendered.kept.items():
        if echo is not None:
            echo(f"up to date: {dataset_dir / relative}: {reason}")
    stale = []
    for relative, content in rendered.files.items():
        if _current_bytes(dataset_dir / relative, dataset_dir) != content:
            stale.append(relative)
    return stale

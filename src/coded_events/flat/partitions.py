"""Partitions of flat-table inputs, for the Dask engine: one file, or one Parquet row group.

A CSV file is one partition (never split mid-file, so line numbers stay exact). A Parquet
file is one partition per row group, numbered by file row (``TablePart.first_row``).
Inputs are local paths (listed as the single-machine validator lists them, links and
irregular files included) or fsspec URLs (``s3://bucket/events/``, ``file:///data``):
these are listed with fsspec and read through it on the workers. A hive folder such as
``year=2024/`` only groups files; its key is not a column of the table.

Importing this module needs neither Dask nor fsspec: fsspec is imported for URLs only.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow.parquet as pq

from coded_events.flat import discovery
from coded_events.flat.parts import FORMATS, TablePart, TableSet


def is_url(location: str | Path) -> bool:
    """Whether ``location`` is an fsspec URL (``scheme://...``) rather than a local path."""
    return isinstance(location, str) and "://" in location


def _fs(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path on it."""
    from fsspec.core import url_to_fs

    return url_to_fs(url)


def _remote_files(url: str) -> list[tuple[str, str | None]]:
    """The table files under ``url`` (a file, or a folder searched recursively), as URLs
    in name order, each with the folder URL it was found under (None for a file)."""
    fs, root = _fs(url)
    protocol = url.split("://", 1)[0]
    if not fs.isdir(root):
        return [(url, None)]
    names = sorted(p for p in fs.find(root) if PurePosixPath(p).suffix.lower() in FORMATS)
    return [(f"{protocol}://{name}", url.rstrip("/")) for name in names]


def _remote_table(url: str, root: str | None) -> tuple[str | None, str, bool]:
    """The table of a remote file, as :func:`coded_events.flat.discovery.identify` finds it
    (metadata, name, folders below ``root``, columns), reading the header or footer only;
    and whether the file cannot be read (``file-unreadable``, whatever its name)."""
    path = PurePosixPath(url.split("://", 1)[1])
    base = PurePosixPath(root.split("://", 1)[1]) if root else None
    fs, remote = _fs(url)
    try:
        with fs.open(remote, "rb") as handle:
            return discovery.identify(path, _format(url), base, source=handle)  # type: ignore[arg-type]
    except OSError as error:
        return None, f"{type(error).__name__}: {error}", True


def _format(location: str | Path) -> str:
    return FORMATS.get(PurePosixPath(str(location)).suffix.lower(), "csv")


def table_sets(paths: list[str | Path]) -> list[TableSet]:
    """Group inputs into sets checked together (one per format), as the single-machine
    validator does; fsspec URLs are listed and read through fsspec (findings name the URL).
    Local paths and URLs are not mixed in one run."""
    urls = [str(p) for p in paths if is_url(p)]
    if not urls:
        return discovery.table_sets([Path(p) for p in paths])
    if len(urls) < len(paths):
        raise ValueError("give local paths or URLs (file:///... for local ones), not both")
    sets: dict[str, TableSet] = {}
    unreadable: list[tuple[Path, str]] = []
    for url in urls:
        for file, root in _remote_files(url):
            fmt = _format(file)
            group = sets.setdefault(fmt, TableSet())
            table, reason, broken = _remote_table(file, root)
            if broken:
                unreadable.append((file, reason))  # type: ignore[arg-type]
            elif table is None:
                group.unknown.append((file, reason))  # type: ignore[arg-type]
            else:
                part = TablePart(table, Path(PurePosixPath(file).name), fmt, label=file)
                group.parts.setdefault(table, []).append(part)
    out = [sets[f] for f in ("parquet", "csv") if f in sets] or [TableSet()]
    out[0].unreadable = unreadable
    return out


@contextmanager
def opened(part: TablePart) -> Iterator[TablePart]:
    """``part`` ready for :func:`coded_events.flat.reader.batches`: a local file as it is;
    a URL's Parquet opened through fsspec (row groups read as needed); a URL's CSV copied
    to a temporary local file (read whole anyway), findings still naming the URL."""
    if part.label is None or not is_url(part.label):
        yield part
        return
    fs, remote = _fs(part.label)
    if part.fmt == "parquet":
        with fs.open(remote, "rb") as handle:
            yield dataclasses.replace(part, source=handle)
        return
    folder = tempfile.mkdtemp(prefix="coded-events-")
    try:
        local = Path(folder) / PurePosixPath(remote).name
        fs.get_file(remote, str(local))
        yield dataclasses.replace(part, path=local)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def split(part: TablePart) -> list[TablePart]:
    """One partition per Parquet row group (first rows from the footer); a CSV file, an
    empty or unreadable Parquet file: the file itself (its reader reports the problem)."""
    if part.fmt != "parquet":
        return [part]
    try:
        with opened(part) as ready:
            source = ready.source if ready.source is not None else ready.path
            metadata = pq.ParquetFile(source).metadata
    except Exception:  # any failure: reported by the partition that reads the file
        return [part]
    if metadata.num_row_groups < 2:
        return [part]
    out, first = [], 0
    for group in range(metadata.num_row_groups):
        out.append(dataclasses.replace(part, row_groups=(group,), first_row=first))
        first += metadata.row_group(group).num_rows
    return out

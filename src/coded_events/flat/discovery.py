"""Which files hold which table.

Inputs are ``.parquet`` and ``.csv`` files, folders in the published layout (a dataset's
``data/`` folder, or a folder holding ``events.parquet``, ``evidence.csv`` ...), and
partitioned datasets (a folder named after its table holding Parquet or CSV parts).
Links, FIFOs and devices are listed to be reported, never followed or opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from coded_events.flat.parts import (
    FORMATS,
    TABLE_METADATA_KEY,
    TablePart,
    TableSet,
    error_reason,
)
from coded_events.release.rows import ARROW_SCHEMAS, TABLE_NAMES
from coded_events.release.table_schema import PRIMARY_KEYS
from coded_events.safe_files import file_kind
from coded_events.spec.layout import DATA_DIR, MANIFEST, METADATA_FILE, RECORDS_DIR

# --- which table ----------------------------------------------------------------------


def _table_named(name: str) -> str | None:
    name = name.split("=")[-1]
    for table in TABLE_NAMES:
        if name == table or name.startswith((f"{table}-", f"{table}_", f"{table}.")):
            return table
    return None


def _table_from_name(path: Path, root: Path | None) -> str | None:
    """The table named by the file's stem, else by a folder between ``root`` (the input
    folder, included) and the file; folders above the input never count."""
    names = [path.stem]
    if root is not None:
        names += [p.name for p in path.parents if p == root or root in p.parents]
    return next((t for t in map(_table_named, names) if t), None)


def _columns_of(
    path: Path, fmt: str, source: Any = None
) -> tuple[list[str], dict[bytes, bytes], str]:
    """The column names and Parquet metadata of a file, and the error that kept them from
    being read ("" when read): a Parquet footer or a CSV header."""
    try:
        if fmt == "parquet":
            schema = pq.read_schema(path if source is None else source)
            return schema.names, dict(schema.metadata or {}), ""
        if source is not None:
            header = source.readline().decode("utf-8", "replace").strip().lstrip("\ufeff")
            return [c.strip('"') for c in header.split(",")], {}, ""
        with path.open("rb") as handle:
            header = handle.readline().decode("utf-8", "replace").strip().lstrip("\ufeff")
        return [c.strip('"') for c in header.split(",")], {}, ""
    except (OSError, pa.ArrowException, ValueError) as error:  # ArrowInvalid: a ValueError
        return [], {}, error_reason(error)


def identify(
    path: Path, fmt: str, root: Path | None = None, source: Any = None
) -> tuple[str | None, str, bool]:
    """:func:`table_of`, and whether the file is unreadable: a footer or header that
    cannot be read, and no name to tell its table by (the reason then is the error)."""
    names, metadata, error = _columns_of(path, fmt, source)
    declared = metadata.get(TABLE_METADATA_KEY, b"").decode("utf-8", "replace")
    if declared in TABLE_NAMES:
        return declared, "", False
    by_name = _table_from_name(path, root)
    if by_name:  # read as that table: its reader reports the file unreadable
        return by_name, "", False
    if error:
        return None, error, True
    table, reason = _table_by_columns(names)
    return table, reason, False


def table_of(
    path: Path, fmt: str, root: Path | None = None, source: Any = None
) -> tuple[str | None, str]:
    """The table a file holds (by Parquet metadata, its name, the folders below the input
    folder ``root``, or its columns), or None and why not. ``source``: the file opened
    elsewhere (an fsspec file object), ``path`` then only names it."""
    table, reason, _ = identify(path, fmt, root, source)
    return table, reason


def _table_by_columns(names: list[str]) -> tuple[str | None, str]:
    best = max(TABLE_NAMES, key=lambda t: len(set(names) & set(ARROW_SCHEMAS[t].names)))
    if set(PRIMARY_KEYS[best]) <= set(names) and 2 * len(
        set(names) & set(ARROW_SCHEMAS[best].names)
    ) >= len(ARROW_SCHEMAS[best].names):
        return best, ""
    known = ", ".join(TABLE_NAMES)
    return None, f"neither its name, its metadata nor its columns match a table ({known})"


METADATA = (MANIFEST, METADATA_FILE)
"""JSON files of a dataset folder that are not records."""


# --- which files ----------------------------------------------------------------------


def _table_files(folder: Path) -> list[Path]:
    """Files of the published layout in ``folder``: ``<table>.<fmt>`` and ``<table>/`` parts.
    Symbolic links, FIFOs and devices are listed (to be reported), never followed or
    opened; a folder ``<table>.<fmt>/`` is a partitioned table."""
    out = []
    for table in TABLE_NAMES:
        for suffix in FORMATS:
            candidate = folder / f"{table}{suffix}"
            if candidate.is_dir() and not candidate.is_symlink():
                out += _parts(candidate)
            elif os.path.lexists(candidate):
                out.append(candidate)
        sub = folder / table
        if sub.is_symlink():
            out.append(sub)
        elif sub.is_dir():
            out += _parts(sub)
    # in a folder of tables (no record files), the other .csv/.parquet files are checked
    # too (told by their metadata or columns, else ``unknown-table``), never skipped
    if folder.is_dir() and not folder.is_symlink():
        entries = sorted(folder.iterdir())
        records = [f for f in entries if f.suffix.lower() == ".json" and f.name not in METADATA]
        if not records:
            named = set(out)
            out += [
                f
                for f in entries
                if f.suffix.lower() in FORMATS and f not in named and not f.is_dir()
            ]
    return out


def _parts(folder: Path) -> list[Path]:
    """Table files under ``folder``, in folder order; links to folders or files are listed,
    not entered (``os.walk`` does not follow them)."""
    if folder.is_symlink():
        return [folder]
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        here = Path(root)
        found += [here / d for d in dirs if (here / d).is_symlink()]
        found += [here / n for n in sorted(names) if Path(n).suffix.lower() in FORMATS]
    return found


def _data_folder(folder: Path) -> Path:
    data = folder / DATA_DIR
    return data if data.is_symlink() or _table_files(data) else folder


def is_flat(path: Path) -> bool:
    """Whether ``path`` is a flat-table input (a table file or a folder of tables)."""
    if path.is_dir():
        if (path / RECORDS_DIR).is_dir() or (path / RECORDS_DIR).is_symlink():
            return False
        if path.name in TABLE_NAMES and _parts(path):
            return True
        return bool(_table_files(_data_folder(path)))
    return path.suffix.lower() in FORMATS


def expand(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """The table files of flat inputs (links among them, to be reported), each once, with
    the input folder they were found in (None for a file given itself)."""
    files: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_symlink() or not path.is_dir():
            files.append((path, None))
        elif path.name in TABLE_NAMES:
            files += [(p, path) for p in _parts(path)]
        else:
            data = _data_folder(path)
            files += (
                [(data, None)] if data.is_symlink() else [(p, data) for p in _table_files(data)]
            )
    seen: set[str] = set()
    out = []
    for path, root in files:
        if os.path.abspath(path) not in seen:
            seen.add(os.path.abspath(path))
            out.append((path, root))
    return out


def _irregular(path: Path) -> tuple[str, str]:
    """Why ``path`` is not read: ("", "") for a regular file, else ("unreadable", the
    error) or ("irregular", what it is: "a FIFO", "a directory", ...)."""
    try:
        info = path.lstat()
    except OSError as error:
        return "unreadable", f"{type(error).__name__}: {error}"
    return ("", "") if stat.S_ISREG(info.st_mode) else ("irregular", file_kind(info.st_mode))


def table_sets(paths: list[Path]) -> list[TableSet]:
    """Group flat inputs into sets checked together: one per format (Parquet, CSV)."""
    sets: dict[str, TableSet] = {}
    links: list[Path] = []
    odd: dict[str, list[tuple[Path, str]]] = {"unreadable": [], "irregular": []}
    for path, root in expand(paths):
        if path.is_symlink():
            links.append(path)
            continue
        kind, reason = _irregular(path)
        if kind:
            odd[kind].append((path, reason))
            continue
        fmt = FORMATS.get(path.suffix.lower(), "csv")
        group = sets.setdefault(fmt, TableSet())
        table, reason, unreadable = identify(path, fmt, root)
        if unreadable:
            odd["unreadable"].append((path, reason))
        elif table is None:
            group.unknown.append((path, reason))
        else:
            group.parts.setdefault(table, []).append(TablePart(table, path, fmt))
    out = [sets[f] for f in ("parquet", "csv") if f in sets] or [TableSet()]
    out[0].links, out[0].unreadable, out[0].irregular = links, odd["unreadable"], odd["irregular"]
    return out

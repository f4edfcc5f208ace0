"""Which dialect a delimited file is in: the format's delimiter or a spreadsheet's (``;``,
``,``), a header line or none, and which layout its header names (``import-delimiter``,
``import-header-added``, ``import-header-mismatch``)."""

from __future__ import annotations

import csv

from coded_events.importers.format import Format, Layout
from coded_events.importers.raw import (
    SPREADSHEET_DELIMITERS,
    Dialect,
    NotEventFile,
    Notice,
    field_limit,
)


def _split_quoted(line: str, delimiter: str) -> list[str] | None:
    """One line split with quotes honoured; None when it is not CSV (a bare carriage
    return outside quotes)."""
    field_limit(len(line) + 1)  # a cell is never longer than its line
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return None


def _norm(name: str) -> str:
    return "".join(name.split()).lower()


def _header_layout(fmt: Format, names: list[str]) -> tuple[Layout, list[str], list[str]]:
    """The layout a header line gives, the names that are blank and those misplaced.

    Blank names take the format's name at that position (when a layout of this width
    exists); raises NotEventFile when a name is unknown or a required column is missing.
    """
    known = {_norm(c): c for c in fmt.columns}
    by_position = fmt.widths.get(len(names))
    columns, blank, misplaced = [], [], []
    for position, name in enumerate(names):
        if not name.strip():
            if by_position is None:
                raise NotEventFile(f"header column {position + 1} has no name")
            blank.append(str(position + 1))
            columns.append(by_position.columns[position])
            continue
        if _norm(name) not in known:
            raise NotEventFile(f"header column {position + 1} {name!r} is not a {fmt.name} column")
        column = known[_norm(name)]
        if by_position is not None and by_position.columns[position] != column:
            misplaced.append(name)
        columns.append(column)
    missing = [c for c in fmt.required_columns if c not in columns]
    if missing:
        raise NotEventFile(f"the header lacks the column(s) {', '.join(missing)}")
    if len(set(columns)) != len(columns):
        raise NotEventFile("the header names a column twice")
    return Layout(tuple(columns), "as the header names them"), blank, misplaced


def _looks_like_header(fmt: Format, fields: list[str]) -> bool:
    known = {_norm(c) for c in fmt.columns}
    named = [f for f in fields if f.strip()]
    return bool(named) and sum(_norm(f) in known for f in named) * 2 >= len(named)


def detect_dialect(fmt: Format, first_lines: list[tuple[int, str]]) -> tuple[Dialect, list[Notice]]:
    """The dialect of a file from its first non-blank lines (line number, text).

    Raises NotEventFile when no delimiter gives rows of this format.
    """
    if not first_lines:
        raise NotEventFile("the file holds no rows")
    line_no, first = first_lines[0]
    candidates = (fmt.delimiter, *[d for d in SPREADSHEET_DELIMITERS if d != fmt.delimiter])
    for delimiter in candidates:
        quoted = delimiter != fmt.delimiter
        fields = _split_quoted(first, delimiter) if quoted else first.split(delimiter)
        if fields is None:
            continue
        notices = (
            []
            if not quoted
            else [Notice("import-delimiter", line_no, delimiter, {"delimiter": repr(delimiter)})]
        )
        if fmt.header == "required" or _looks_like_header(fmt, fields):
            if len(fields) < 2 or not _looks_like_header(fmt, fields):
                continue
            layout, blank, misplaced = _header_layout(fmt, fields)
            if fmt.header != "required":
                notices.append(Notice("import-header-added", line_no, first[:80]))
            if blank or misplaced:
                detail = "; ".join(
                    part
                    for part in (
                        f"blank name at column(s) {', '.join(blank)}" if blank else "",
                        f"misplaced: {', '.join(misplaced)}" if misplaced else "",
                    )
                    if part
                )
                notices.append(
                    Notice("import-header-mismatch", line_no, first[:80], {"detail": detail})
                )
            dialect = Dialect(delimiter, quoted, {layout.width: layout}, line_no, tuple(fields))
            return dialect, notices
        if len(fields) in fmt.widths:
            return Dialect(delimiter, quoted, fmt.widths), notices
    widths = " or ".join(str(w) for w in sorted(fmt.widths))
    if fmt.header == "required":
        reason = f"its first line is not a {fmt.name} header (columns such as "
        reason += f"{', '.join(fmt.required_columns[:4])})"
    else:
        count = len(first.split(fmt.delimiter))
        reason = f"its first row has {count} {fmt.delimiter!r}-separated field(s), not {widths}"
    raise NotEventFile(reason)

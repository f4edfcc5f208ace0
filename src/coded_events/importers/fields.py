"""Split rows to named text columns: fields to the layout's columns, repeated header lines
dropped (``import-header-repeated``), rows of no layout's width or not UTF-8 rejected
(``import-wrong-width``, ``import-not-utf8``)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.dialect import _norm
from coded_events.importers.format import Format, Issue
from coded_events.importers.raw import Dialect, Notice


def _columns(lists: pa.ListArray, dialect: Dialect) -> tuple[dict[str, pa.Array], pa.Array]:
    """Producer columns by position per layout, and the mask of rows no layout fits."""
    counts = pc.list_value_length(lists)
    flat = lists.flatten()
    starts = lists.offsets.slice(0, len(lists)).cast(pa.int64())
    fits = pa.repeat(pa.scalar(False), len(lists))
    positions: dict[str, list[tuple[pa.Array, int]]] = {}
    for width, layout in dialect.layouts.items():
        mask = pc.equal(counts, width)
        fits = pc.or_(fits, mask)
        for position, name in enumerate(layout.columns):
            positions.setdefault(name, []).append((mask, position))
    null_index = pa.nulls(len(lists), pa.int64())
    columns = {}
    for name, places in positions.items():
        index = null_index
        for mask, position in places:
            index = pc.if_else(mask, pc.add(starts, position), index)
        columns[name] = flat.take(index)
    return columns, pc.invert(fits)


def _expected(dialect: Dialect) -> str:
    return " or ".join(str(w) for w in sorted(dialect.layouts))


@dataclass
class _Rows:
    """The rows of one block while the reader filters them: text, line, fields, and
    which rows are not UTF-8."""

    texts: pa.Array
    numbers: pa.Array
    not_utf8: pa.Array | None
    lists: pa.ListArray | None = None

    def keep(self, mask: pa.Array) -> None:
        self.texts, self.numbers = self.texts.filter(mask), self.numbers.filter(mask)
        if self.not_utf8 is not None:
            self.not_utf8 = self.not_utf8.filter(mask)
        if self.lists is not None:
            self.lists = self.lists.filter(mask)


def _first_field(lists: pa.ListArray) -> pa.Array:
    """Each row's first field, trimmed and lower case ("" for an empty row)."""
    nonempty = pc.if_else(
        pc.greater(pc.list_value_length(lists), 0), lists, pa.scalar([""], lists.type)
    )
    return pc.utf8_lower(pc.utf8_trim_whitespace(pc.list_element(nonempty, 0)))


def _drop_repeated_headers(rows: _Rows, fmt: Format) -> list[Notice]:
    """Header lines inside the file (the id field is the id column's name): skipped."""
    assert rows.lists is not None
    repeated = pc.is_in(_first_field(rows.lists), pa.array([_norm(fmt.id_column)]))
    if not pc.any(repeated).as_py():
        return []
    notices = [
        Notice("import-header-repeated", n) for n in rows.numbers.filter(repeated).to_pylist()
    ]
    rows.keep(pc.invert(repeated))
    return notices


def _issues(rows: _Rows, misfit: pa.Array, dialect: Dialect) -> list[Issue]:
    assert rows.lists is not None
    issues = [] if rows.not_utf8 is None else [Issue("import-not-utf8", rows.not_utf8)]
    counts = pc.cast(pc.list_value_length(rows.lists), pa.string())
    params = {
        "actual": counts,
        "expected": _expected(dialect),
        "delimiter": repr(dialect.delimiter),
    }
    return [*issues, Issue("import-wrong-width", misfit, counts, params)]

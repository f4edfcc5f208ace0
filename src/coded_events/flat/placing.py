"""Where a flat finding is: file, table row (from 1), line and column."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from coded_events.findings import Finding
from coded_events.flat.parts import Problem, TablePart
from coded_events.flat.rule_base import template
from coded_events.release.rows import ARROW_SCHEMAS

WHOLE_FILE_CODES = {"file-unreadable"}
"""Problems about a file's bytes, not about one of its tables' columns."""


@dataclass
class Place:
    """Where a batch's rows are: ``start`` is the first row's position in the table."""

    start: int
    part: TablePart
    first_row: int
    first_line: int | None
    extra_lines: Any
    lines: Any = None


def place_at(found: Finding, place: Place, table: str, row: int, column: str) -> Finding:
    """``found`` at row ``row`` (0-based, of the batch at ``place``) and ``column``."""
    data_row = place.first_row + row + 1
    line = data_row
    if place.lines is not None:
        line = int(place.lines[row])
    elif place.first_line is not None:
        extra = int(place.extra_lines[row]) if place.extra_lines is not None else 0
        line = place.first_line + row + extra
    return located(found, place.part.file, table, data_row, line, column)


def row_lines(place: Place, rows: int) -> np.ndarray:
    """Each line of a batch's ``rows`` rows, as :func:`place_at` computes it."""
    index = np.arange(rows, dtype=np.int64)
    if place.lines is not None:
        return np.asarray(place.lines, dtype=np.int64)
    if place.first_line is not None:
        extra = 0 if place.extra_lines is None else np.asarray(place.extra_lines, np.int64)
        return place.first_line + index + extra
    return place.first_row + index + 1


def located(
    found: Finding, file: str, table: str, data_row: int, line: int, column: str
) -> Finding:
    """``found`` in ``file`` at table row ``data_row`` (1-based), ``line`` and ``column``."""
    names = ARROW_SCHEMAS[table].names
    return dataclasses.replace(
        found,
        file=file,
        line=line,
        column=names.index(column) + 1 if column in names else None,
        pointer=f"/{table}/{data_row}/{column}",
        field=f"/{table}/{column}",
    )


def problem_finding(problem: Problem, part: TablePart) -> Finding:
    """A reading problem (a column, a cell type, the whole file) as a finding."""
    table = part.table
    found = template(problem.code, **problem.params)
    pointer = f"/{table}/{problem.column}" if problem.column else f"/{table}"
    if problem.code in WHOLE_FILE_CODES:
        pointer = ""
    return dataclasses.replace(
        found, file=part.file, pointer=pointer, field=pointer, line=problem.line
    )

"""What a flat rule is, and the Arrow helpers every rule family uses.

Each rule maps a batch's columns to :class:`Hit` objects: a catalogue code, the column,
a boolean mask of the rows that break the rule, and a function that describes one row
for a sample finding. Rules use ``pyarrow.compute`` kernels only; Python runs per
distinct value of low-cardinality columns (codes, dates), never per row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.spec import vocabulary
from coded_events.spec.catalogue import CATALOGUE

Columns = dict[str, pa.Array]
Describe = Callable[[int], Finding]


@dataclass
class Hit:
    """Rows of a batch that break one rule: ``mask`` is true for them (null counts as false)."""

    code: str
    column: str
    mask: pa.Array
    describe: Describe


@dataclass(frozen=True)
class Rule:
    """One rule: a name, the columns it reads, and the function that finds the bad rows.

    ``optional``: columns it reads when present but can do without. ``owns``: columns
    whose values it alone checks (the enum of their Table Schema is not checked again)."""

    name: str
    columns: tuple[str, ...]
    run: Callable[[Columns], Iterable[Hit]]
    optional: tuple[str, ...] = ()
    owns: tuple[str, ...] = ()

    @property
    def needs(self) -> tuple[str, ...]:
        """The columns it cannot run without."""
        return tuple(c for c in self.columns if c not in self.optional)


def template(code: str, found: Any = None, /, **params: Any) -> Finding:
    """A finding of ``code`` (offending value ``found``) with its message filled in; the
    engine adds the place. A check the catalogue declares for records only is a bug here."""
    check = CATALOGUE[code]
    if not check.on_tables:
        raise LookupError(f"check {code!r} is declared for record files only")
    if found is None:
        return check.finding("", "", **params)
    return check.finding("", "", found, **params)


# --- array helpers -----------------------------------------------------------------------


def text(array: pa.Array) -> pa.Array:
    """Plain strings (dictionary arrays decoded)."""
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


def encoded(array: pa.Array) -> pa.DictionaryArray:
    """Dictionary-encoded strings, so that Python sees each distinct value once."""
    return array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)


def per_value(array: pa.Array, function: Callable[[Any], Any], kind: pa.DataType) -> pa.Array:
    """``function`` of each row's value, computed once per distinct value."""
    codes = encoded(array)
    values = pa.array([function(v) for v in codes.dictionary.to_pylist()], kind)
    return values.take(codes.indices)


def differs(actual: pa.Array, expected: pa.Array, where: pa.Array | None = None) -> pa.Array:
    """Rows where the two differ, a null against a value included (only ``where`` true)."""
    unequal = pc.fill_null(pc.not_equal(actual, expected), False)
    one_null = pc.not_equal(pc.is_null(actual), pc.is_null(expected))
    out = pc.or_(unequal, one_null)
    return pc.and_(out, pc.fill_null(where, False)) if where is not None else out


def cell(array: pa.Array, row: int) -> Any:
    return array[row].as_py()


class Classifier:
    """The record validator's findings for one value, computed once per distinct value."""

    def __init__(self, check: Callable[[Any], Iterable[Finding]], limit: int = 100_000) -> None:
        self.check, self.limit, self.cache = check, limit, {}

    def __call__(self, value: Any) -> list[Finding]:
        found = self.cache.get(value)
        if found is None:
            found = [] if value is None else list(self.check(value))
            if len(self.cache) >= self.limit:
                self.cache.clear()
            self.cache[value] = found
        return found


def classified(column: str, classifier: Classifier) -> Rule:
    """Rows whose value the classifier reports, grouped by the code it reports."""

    def run(cols: Columns) -> Iterator[Hit]:
        codes = encoded(cols[column])
        values = codes.dictionary.to_pylist()
        by_code: dict[str, list[int]] = {}
        for index, value in enumerate(values):
            for finding in classifier(value):
                by_code.setdefault(finding.code, []).append(index)
        for code, indices in by_code.items():
            mask = pc.is_in(codes.indices, pa.array(indices, codes.indices.type))

            def describe(row: int, code: str = code) -> Finding:
                found = classifier(values[codes.indices[row].as_py()])
                return next(f for f in found if f.code == code)

            yield Hit(code, column, mask, describe)

    return Rule(f"values:{column}", (column,), run)


@cache
def valid_date_text(value: str) -> bool:
    """A reduced-precision ISO 8601 date that exists in the calendar."""
    if not re.fullmatch(vocabulary.DATE_PATTERN, value):
        return False
    try:
        vocabulary.first_day(value)
        vocabulary.last_day(value)
        return len(value) != 10 or dt.date.fromisoformat(value) is not None
    except ValueError:
        return False

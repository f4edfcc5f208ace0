"""Derived columns agree with the columns they are derived from.

The event code's label, root code, QuadClass and Goldstein score; an actor code's country
and roles; the date bounds and precision of a date text; a source's publication date.
Each distinct (key, value) pair is checked once, against the codebook or the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat.rule_base import (
    Columns,
    Describe,
    Hit,
    Rule,
    cell,
    differs,
    encoded,
    per_value,
    template,
    text,
    valid_date_text,
)
from coded_events.records.checks import consistency
from coded_events.spec import codebook, vocabulary


def pair_mismatch(
    key: pa.Array, actual: pa.Array, agree: Callable[[Any, Any], bool]
) -> pa.Array | None:
    """Rows whose (key, actual) pair does not ``agree``, or None when every pair agrees.

    Both columns are dictionary-encoded and each row becomes one int64 (key index, value
    index); Python sees each distinct pair once (a few hundred per batch for codes and
    their labels), so the check is a join against the codebook, not a loop over rows.
    """
    keys, values = encoded(key), encoded(actual)
    width = len(values.dictionary) + 1
    value_index = pc.fill_null(pc.cast(values.indices, pa.int64()), width - 1)
    combined = pc.add(pc.multiply(pc.cast(keys.indices, pa.int64()), width), value_index)
    key_values, actual_values = keys.dictionary.to_pylist(), values.dictionary.to_pylist()
    bad = []
    for pair in pc.unique(combined).to_pylist():
        if pair is None:
            continue
        k, v = divmod(pair, width)
        if key_values[k] is not None and not agree(key_values[k], actual_values[v] if v <
                                                   len(actual_values) else None):  # fmt: skip
            bad.append(pair)
    return pc.is_in(combined, pa.array(bad, pa.int64())) if bad else None


def _mismatch(
    column: str, actual: pa.Array, key: pa.Array, expect: Callable[[Any], Any]
) -> Describe:
    def describe(row: int) -> Finding:
        value, code = cell(actual, row), cell(key, row)
        want = expect(code)
        return template(
            "derived-value-mismatch",
            value,
            name=column,
            value=repr(value),
            expected=repr(want) if want is not None else "no value",
            code=code,
        )

    return describe


def _derived(column: str, key: pa.Array, actual: pa.Array, expect: Callable[[Any], Any],
             same: Callable[[Any, Any], bool] | None = None) -> Iterator[Hit]:  # fmt: skip
    """One derived column checked against ``expect(key value)``; keys ``expect`` cannot
    map (None) are left to the rules of the key column."""
    absent = object()

    def wanted(k: Any) -> Any:
        try:
            return expect(k)
        except LookupError:
            return absent

    def agree(k: Any, v: Any) -> bool:
        want = wanted(k)
        return want is absent or (same(v, want) if same is not None else v == want)

    mask = pair_mismatch(key, actual, agree)
    if mask is not None:
        yield Hit("derived-value-mismatch", column, mask, _mismatch(column, actual, key, expect))


def _event_value(name: str) -> Callable[[str], Any]:
    def expect(code: str) -> Any:
        return consistency.derived_values(code)[name] if code in codebook.event_codes() else (
            _raise())  # fmt: skip

    return expect


def _raise() -> Any:
    raise LookupError


def _close(value: Any, want: Any) -> bool:
    if value is None or want is None:
        return value is None and want is None
    return abs(value - want) < 1e-9


_ACTION = {"cameo_label": "label", "root_code": "root_code", "quad_class": "quad_class",
           "goldstein": "goldstein"}  # fmt: skip


def derived_event_values(cols: Columns) -> Iterator[Hit]:
    """Label, root code, QuadClass and Goldstein agree with the codebook entry of the event
    code (the root code is the code's first two digits)."""
    for column, name in _ACTION.items():
        if column in cols:
            same = _close if column == "goldstein" else None
            yield from _derived(column, cols["cameo_code"], cols[column], _event_value(name), same)


@cache
def _actor_parts(code: str) -> tuple[str | None, str]:
    """(country, roles joined) of an actor code; LookupError when it is not valid."""
    try:
        parsed = codebook.actor(code)
    except codebook.UnknownCodeError:
        raise LookupError(code) from None
    return parsed.country, "".join(parsed.roles)


def _joined_roles(roles: pa.Array) -> pa.Array:
    if pa.types.is_list(roles.type) or pa.types.is_large_list(roles.type):
        return pc.binary_join(roles, "")
    out = roles  # CSV: a JSON array of three-letter codes
    for char in ('"', "[", "]", ",", " "):
        out = pc.replace_substring(out, char, "")
    return out


def derived_actor_values(prefix: str) -> Rule:
    """The actor's country and roles columns agree with the actor code."""

    def run(cols: Columns) -> Iterator[Hit]:
        code = cols[f"{prefix}_code"]
        if f"{prefix}_country" in cols:
            yield from _derived(f"{prefix}_country", code, cols[f"{prefix}_country"],
                                lambda c: _actor_parts(c)[0])  # fmt: skip
        if f"{prefix}_roles" in cols:
            roles = _joined_roles(cols[f"{prefix}_roles"])
            yield from _derived(f"{prefix}_roles", code, roles, lambda c: _actor_parts(c)[1])

    columns = (f"{prefix}_code", f"{prefix}_country", f"{prefix}_roles")
    country = f"{prefix}_country"  # each value is the code's: no second report by enum
    return Rule(f"derived:{prefix}", columns, run, optional=columns[1:], owns=(country,))


def _checked(function: Callable[[str], Any]) -> Callable[[str], Any]:
    def expect(value: str) -> Any:
        if not valid_date_text(value):
            raise LookupError(value)
        return function(value)

    return expect


@cache
def _first_day(value: str) -> dt.date:
    return vocabulary.first_day(value)


@cache
def _last_day(value: str) -> dt.date:
    return vocabulary.last_day(value)


@cache
def _precision(value: str) -> str:
    return vocabulary.precision_of(value).value


def _or_none(function: Callable[[str], Any]) -> Callable[[Any], Any]:
    @cache
    def safe(value: Any) -> Any:
        return function(value) if value is not None and valid_date_text(value) else None

    return safe


_FIRST, _LAST, _PRECISION = _or_none(_first_day), _or_none(_last_day), _or_none(_precision)
_PRECISIONS = {p.value: i for i, p in enumerate(vocabulary.Precision)}


def _codes_of(array: pa.Array, mapping: dict[Any, int]) -> pa.Array:
    """Small-integer codes of a low-cardinality column (-1 for values not in ``mapping``)."""
    values = encoded(array)
    codes = pa.array([mapping.get(v, -1) for v in values.dictionary.to_pylist()], pa.int8())
    return codes.take(values.indices)


def derived_dates(cols: Columns) -> Iterator[Hit]:
    """Date bounds and precision agree with the date text; a range does not end before it
    starts. Python sees each distinct date text once (cached); the rest is Arrow."""
    start_text, end_text = cols["date_start_text"], cols["date_end_text"]
    starts = encoded(start_text)
    start_values = starts.dictionary.to_pylist()
    first = pa.array([_FIRST(v) for v in start_values], pa.date32()).take(starts.indices)
    ranged = pc.is_valid(end_text)
    any_range = pc.any(ranged).as_py()
    if any_range:
        last = per_value(pc.coalesce(text(end_text), text(start_text)), _LAST, pa.date32())
    else:
        last = pa.array([_LAST(v) for v in start_values], pa.date32()).take(starts.indices)
    known = pc.and_(pc.is_valid(first), pc.is_valid(last))
    expected = {"date_start": first, "date_end": last}
    if "date_precision" in cols:
        codes = [_PRECISIONS.get(_PRECISION(v), -1) for v in start_values]
        want = pa.array(codes, pa.int8()).take(starts.indices)
        expected["date_precision"] = want
    for column, want in expected.items():
        if column not in cols:
            continue
        actual = cols[column]
        if column == "date_precision":
            actual = _codes_of(actual, _PRECISIONS)
        bad = differs(actual, want, known)
        if pc.any(bad).as_py():
            shown = cols[column]

            def describe(row: int, column: str = column, shown: pa.Array = shown) -> Finding:
                value, code = cell(shown, row), cell(start_text, row)
                function = {"date_start": _FIRST, "date_end": _LAST}.get(column, _PRECISION)
                if column == "date_end" and cell(end_text, row) is not None:
                    code = cell(end_text, row)
                return template(
                    "derived-value-mismatch",
                    value,
                    name=column,
                    value=repr(value),
                    expected=repr(function(code)),
                    code=code,
                )

            yield Hit("derived-value-mismatch", column, bad, describe)
    if not any_range:
        return
    end_last = per_value(end_text, _LAST, pa.date32())
    reversed_ = pc.and_(pc.is_valid(end_text), pc.less(end_last, first))

    def describe(row: int) -> Finding:
        start, end = cell(start_text, row), cell(end_text, row)
        return template("date-range-reversed", end, start=start, end=end)

    yield Hit("date-range-reversed", "date_end_text", reversed_, describe)


def derived_published(cols: Columns) -> Iterator[Hit]:
    yield from _derived("published", cols["published_text"], cols["published"],
                        _checked(_first_day))  # fmt: skip

"""The column rules of the flat tables, derived from the Table Schemas and the codebook.

``rules_for(table)`` lists the rules of one table. Most come from the Table Schema
(``coded_events.release.table_schema``): ``required`` columns, enums, patterns, minimum/maximum,
minLength. Columns whose values the record validator checks against the codebook reuse
its functions, once per distinct value, so that both report the same codes. The rest are
the cross-column rules of the record model (derived values, date order, coordinates).

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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.records.checks import codebook_checks, consistency
from coded_events.release.table_schema import table_schema
from coded_events.spec import codebook, vocabulary
from coded_events.spec.catalogue import CATALOGUE
from coded_events.spec.tables import TABLE, table_pattern
from coded_events.spec.vocabulary import CONTROL_CHARACTERS_PATTERN

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
    """One rule: a name, the columns it reads, and the function that finds the bad rows."""

    name: str
    columns: tuple[str, ...]
    run: Callable[[Columns], Iterable[Hit]]


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


def _value(array: pa.Array, row: int) -> Any:
    return array[row].as_py()


# --- rules from the Table Schema --------------------------------------------------------


def required(column: str) -> Rule:
    def run(cols: Columns) -> Iterator[Hit]:
        if cols[column].null_count == 0:  # known without a pass over the values
            return
        yield Hit(
            "missing-field",
            column,
            pc.is_null(cols[column]),
            lambda row: template("missing-field", name=repr(column)),
        )

    return Rule(f"required:{column}", (column,), run)


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


def _record_check(function: Callable[..., Iterable[Finding]]) -> Callable[[Any], list[Finding]]:
    return lambda value: list(function(value, "", ""))


def _enum_check(values: list[Any]) -> Callable[[Any], list[Finding]]:
    allowed = set(values)
    shown = ", ".join(map(repr, values[:8])) + (" ..." if len(values) > 8 else "")

    def check(value: Any) -> list[Finding]:
        if value in allowed:
            return []
        return [template("invalid-enum", value, value=repr(value), expected=shown)]

    return check


def _pattern_check(code: str, pattern: str) -> Callable[[Any], list[Finding]]:
    compiled = re.compile(pattern)

    def check(value: Any) -> list[Finding]:
        if compiled.fullmatch(value):
            return []
        return [template(code, value, value=repr(value), pattern=pattern)]

    return check


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


def _date_check(value: str) -> list[Finding]:
    return [] if valid_date_text(value) else [template("invalid-date", value, value=repr(value))]


def enum_values(column: pa.Array, values: list[Any], column_name: str) -> Iterator[Hit]:
    """Numeric enums: ``is_in`` against the allowed values. Reported as ``out-of-range``,
    as the record validator does (the models bound ``quad_class`` by minimum and maximum)."""
    bad = pc.invert(pc.is_in(column, pa.array(values, column.type)))
    shown = "one of " + ", ".join(map(repr, values))
    yield Hit(
        "out-of-range",
        column_name,
        pc.and_(bad, pc.is_valid(column)),
        lambda row: template(
            "out-of-range", _value(column, row), value=repr(_value(column, row)), rule=shown
        ),
    )


def enum_rule(column: str, values: list[Any], numeric: bool) -> Rule:
    if numeric:
        return Rule(f"enum:{column}", (column,), lambda c: enum_values(c[column], values, column))
    return classified(column, Classifier(_enum_check(values)))


ID_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def id_rule(column: str, max_length: int) -> Rule:
    """``^[a-z0-9]+(-[a-z0-9]+)*$`` with string kernels (no regex): only those characters,
    no leading, trailing or doubled hyphen, 1 to ``max_length`` characters."""

    def run(cols: Columns) -> Iterator[Hit]:
        values = text(cols[column])
        length = pc.utf8_length(values)
        bad = pc.or_(pc.equal(length, 0), pc.greater(length, max_length))
        bad = pc.or_(bad, pc.not_equal(pc.utf8_trim(values, ID_CHARACTERS), ""))
        bad = pc.or_(bad, pc.starts_with(values, "-"))
        bad = pc.or_(bad, pc.ends_with(values, "-"))
        bad = pc.or_(bad, pc.match_substring(values, "--"))
        yield Hit(
            "invalid-id",
            column,
            bad,
            lambda row: template(
                "invalid-id", _value(values, row), value=repr(_value(values, row))
            ),
        )

    return Rule(f"id:{column}", (column,), run)


def range_rule(column: str, low: float | None, high: float | None) -> Rule:
    def run(cols: Columns) -> Iterator[Hit]:
        values = cols[column]
        bad = None
        rules = []
        if low is not None:
            bad = pc.less(values, low)
            rules.append(f"minimum {low}")
        if high is not None:
            above = pc.greater(values, high)
            bad = above if bad is None else pc.or_(bad, above)
            rules.append(f"maximum {high}")
        shown = ", ".join(rules)
        yield Hit(
            "out-of-range",
            column,
            bad,
            lambda row: template(
                "out-of-range", _value(values, row), value=repr(_value(values, row)), rule=shown
            ),
        )
        if pa.types.is_floating(values.type):
            odd = pc.or_(pc.is_nan(values), pc.is_inf(values))
            yield Hit(
                "non-finite-number",
                column,
                odd,
                lambda row: template("non-finite-number", token=repr(_value(values, row))),
            )

    return Rule(f"range:{column}", (column,), run)


def not_empty_rule(column: str) -> Rule:
    def run(cols: Columns) -> Iterator[Hit]:
        yield Hit(
            "empty-value",
            column,
            pc.equal(text(cols[column]), ""),
            lambda row: template("empty-value", what=repr(column)),
        )

    return Rule(f"not-empty:{column}", (column,), run)


# Columns whose values the record validator checks with a function of its own: the
# events columns whose record path (``source_actor.code``) has a codebook check.
_LOOKUPS = {
    column.name: codebook_checks.EVENT_FIELDS[key]
    for column in TABLE["events"].columns
    if column.path and (key := tuple(column.path.split("."))) in codebook_checks.EVENT_FIELDS
}
# Patterns checked without a regex: dates by the record validator's date check (which
# also refuses 2023-02-30), ids with string kernels (``id_rule``).
_DATE_PATTERN = table_pattern(vocabulary.DATE_PATTERN)
_ID_PATTERNS = {
    table_pattern(vocabulary.EVENT_ID_PATTERN),
    table_pattern(vocabulary.SOURCE_ID_PATTERN),
}
_DERIVED = {"source_actor_country", "target_actor_country"}  # checked against the actor code


def _is_date_text(constraints: dict[str, Any]) -> bool:
    return constraints.get("pattern") == _DATE_PATTERN


def _is_id(constraints: dict[str, Any]) -> bool:
    return constraints.get("pattern") in _ID_PATTERNS


def schema_rules(table: str) -> list[Rule]:
    """The rules the Table Schema of ``table`` states, column by column."""
    rules = []
    for field in table_schema(table)["fields"]:
        name, kind = field["name"], field["type"]
        constraints = field.get("constraints", {})
        if constraints.get("required"):
            rules.append(required(name))
        if name in _LOOKUPS:
            rules.append(classified(name, Classifier(_record_check(_LOOKUPS[name]))))
        elif _is_date_text(constraints):
            rules.append(classified(name, Classifier(_date_check)))
        elif _is_id(constraints):
            rules.append(id_rule(name, constraints.get("maxLength", 128)))
        elif "enum" in constraints and name not in _DERIVED:
            rules.append(enum_rule(name, constraints["enum"], kind in ("integer", "number")))
        elif "pattern" in constraints:
            check = _pattern_check("invalid-format", constraints["pattern"])
            rules.append(classified(name, Classifier(check)))
        if "minimum" in constraints or "maximum" in constraints:
            rules.append(range_rule(name, constraints.get("minimum"), constraints.get("maximum")))
        if constraints.get("minLength") and name not in _LOOKUPS:
            rules.append(not_empty_rule(name))
    return rules


# --- derived values --------------------------------------------------------------------------


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
        value, code = _value(actual, row), _value(key, row)
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
    return Rule(f"derived:{prefix}", columns, run)


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
                value, code = _value(shown, row), _value(start_text, row)
                function = {"date_start": _FIRST, "date_end": _LAST}.get(column, _PRECISION)
                if column == "date_end" and _value(end_text, row) is not None:
                    code = _value(end_text, row)
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
        start, end = _value(start_text, row), _value(end_text, row)
        return template("date-range-reversed", end, start=start, end=end)

    yield Hit("date-range-reversed", "date_end_text", reversed_, describe)


def derived_published(cols: Columns) -> Iterator[Hit]:
    yield from _derived("published", cols["published_text"], cols["published"],
                        _checked(_first_day))  # fmt: skip


# --- coordinates, actors, evidence, quantities ------------------------------------------------


@cache
def _boxes() -> dict[str, pa.Array]:
    boxes = consistency.country_bboxes()
    names = list(boxes)
    return {
        "country": pa.array(names),
        **{key: pa.array([getattr(boxes[n], key) for n in names], pa.float64())
           for key in ("min_lat", "max_lat", "min_lon", "max_lon")},
    }  # fmt: skip


def coordinates(cols: Columns) -> Iterator[Hit]:
    """Both coordinates or neither; the point inside the country's box (plus a margin)."""
    lat, lon = cols["latitude"], cols["longitude"]
    for present, missing, column in ((lat, lon, "longitude"), (lon, lat, "latitude")):
        other = "latitude" if column == "longitude" else "longitude"
        yield Hit(
            "coordinates-incomplete",
            column,
            pc.and_(pc.is_valid(present), pc.is_null(missing)),
            lambda row, o=other, c=column: template("coordinates-incomplete", present=o, missing=c),
        )
    if "location_country" not in cols:
        return
    boxes, margin = _boxes(), consistency.BBOX_MARGIN
    country = encoded(cols["location_country"])
    index = pc.index_in(country.dictionary, boxes["country"]).take(country.indices)
    box = {k: boxes[k].take(index) for k in ("min_lat", "max_lat", "min_lon", "max_lon")}
    lat_in = pc.and_(
        pc.greater_equal(lat, pc.subtract(box["min_lat"], margin)),
        pc.less_equal(lat, pc.add(box["max_lat"], margin)),
    )
    west, east = pc.subtract(box["min_lon"], margin), pc.add(box["max_lon"], margin)

    def between(values: pa.Array) -> pa.Array:
        return pc.and_(pc.greater_equal(values, west), pc.less_equal(values, east))

    plain = pc.or_(
        pc.or_(between(lon), between(pc.add(lon, 360.0))), between(pc.subtract(lon, 360.0))
    )
    crossing = pc.or_(pc.greater_equal(lon, west), pc.less_equal(lon, east))
    normal = pc.and_(
        pc.less_equal(box["min_lon"], box["max_lon"]), pc.less(pc.subtract(east, west), 360.0)
    )
    inside = pc.and_(lat_in, pc.if_else(normal, plain, crossing))
    in_range = pc.and_(
        pc.and_(pc.greater_equal(lat, -90.0), pc.less_equal(lat, 90.0)),
        pc.and_(pc.greater_equal(lon, -180.0), pc.less_equal(lon, 180.0)),
    )
    outside = pc.and_(pc.and_(pc.is_valid(index), in_range), pc.invert(inside))
    names = text(cols["location_country"])

    def describe(row: int) -> Finding:
        b = {k: _value(v, row) for k, v in box.items()}
        shown = f"lat {b['min_lat']}..{b['max_lat']}, lon {b['min_lon']}..{b['max_lon']}"
        latitude = _value(lat, row)
        return template(
            "coordinates-outside-country",
            latitude,
            lat=latitude,
            lon=_value(lon, row),
            country=_value(names, row),
            box=shown,
        )

    yield Hit("coordinates-outside-country", "latitude", outside, describe)


def _folded(names: pa.Array) -> pa.Array:
    return pc.utf8_lower(pc.utf8_trim_whitespace(text(names)))


def same_values(left: pa.Array, right: pa.Array) -> pa.Array:
    """Rows where two string columns are equal, compared as dictionary indices."""
    a, b = encoded(left), encoded(right)
    b_in_a = pc.index_in(b.dictionary, a.dictionary).take(b.indices)
    return pc.equal(pc.cast(a.indices, pa.int64()), pc.cast(b_in_a, pa.int64()))


def same_actor(cols: Columns) -> Iterator[Hit]:
    """Source and target with the same code and the same name (case and spaces aside)."""
    same_code = pc.fill_null(same_values(cols["source_actor_code"], cols["target_actor_code"]),
                             False)  # fmt: skip
    if not pc.any(same_code).as_py():
        return
    rows = pc.indices_nonzero(same_code)
    names = [text(cols[c]).take(rows) for c in ("source_actor_name", "target_actor_name")]
    same_name = pc.fill_null(pc.equal(_folded(names[0]), _folded(names[1])), False)
    flags = np.zeros(len(same_code), dtype=bool)  # scatter the hits back to their rows
    flags[pc.filter(rows, same_name).to_numpy()] = True
    bad = pa.array(flags)
    target, shown = text(cols["target_actor_code"]), text(cols["target_actor_name"])
    yield Hit(
        "target-equals-source",
        "target_actor_code",
        bad,
        lambda row: template(
            "target-equals-source", code=_value(target, row), name=_value(shown, row)
        ),
    )


def quotes(cols: Columns) -> Iterator[Hit]:
    quote = text(cols["quote"])
    blank = pc.and_(pc.equal(pc.utf8_trim_whitespace(quote), ""), pc.not_equal(quote, ""))
    yield Hit("quote-blank", "quote", blank, lambda row: template("quote-blank"))
    start, end = cols["char_start"], cols["char_end"]
    bad = pc.less_equal(end, start)
    yield Hit(
        "quote-offsets-invalid",
        "char_end",
        bad,
        lambda row: template(
            "quote-offsets-invalid",
            _value(end, row),
            start=_value(start, row),
            end=_value(end, row),
            length="?",
            where=" (the flat tables do not hold the source text)",
        ),
    )


def self_links(cols: Columns) -> Iterator[Hit]:
    """A link must not point at the event that holds it."""
    target, kind = text(cols["target_event_id"]), cols.get("type")
    yield Hit(
        "link-to-self",
        "target_event_id",
        pc.equal(text(cols["event_id"]), target),
        lambda row: template(
            "link-to-self",
            _value(target, row),
            type=_value(kind, row) if kind is not None else "?",
        ),
    )


_QUALIFIERS = [q.value for q in vocabulary.Qualifier]


def quantities(cols: Columns) -> Iterator[Hit]:
    """Each quantity (a list of structs; CSV JSON is parsed by the reader): value, unit and
    qualifier present, the value finite, the unit not empty, the qualifier known."""
    column = cols["quantities"]
    items = pc.list_flatten(column)
    if len(items) == 0:
        return
    parents = pc.list_parent_indices(column)
    value = pc.cast(pc.struct_field(items, "value"), pa.float64())
    unit, qualifier = (text(pc.struct_field(items, n)) for n in ("unit", "qualifier"))
    checks = [
        ("missing-field", pc.is_null(value), "value"),
        ("missing-field", pc.is_null(unit), "unit"),
        ("missing-field", pc.is_null(qualifier), "qualifier"),
        ("non-finite-number", pc.or_(pc.is_nan(value), pc.is_inf(value)), "value"),
        (
            "invalid-enum",
            pc.and_(pc.is_valid(qualifier), pc.invert(pc.is_in(qualifier, pa.array(_QUALIFIERS)))),
            "qualifier",
        ),
        ("empty-value", pc.equal(unit, ""), "unit"),
    ]
    shown = {"value": value, "unit": unit, "qualifier": qualifier}
    rows = len(column)
    for code, bad, name in checks:
        bad = pc.fill_null(bad, False)
        if not pc.any(bad).as_py():
            continue
        mask = pc.is_in(pa.array(range(rows), pa.int64()),
                        pc.cast(pc.filter(parents, bad), pa.int64()))  # fmt: skip

        def describe(row: int, code: str = code, bad: pa.Array = bad, name: str = name) -> Finding:
            here = pc.and_(pc.equal(parents, row), bad)
            value = pc.filter(shown[name], here)[0].as_py()
            if code == "missing-field":
                return template(code, name=f"{name!r} (of a quantity)")
            if code == "empty-value":
                return template(code, what=f"{name!r}")
            if code == "non-finite-number":
                return template(code, value, token=repr(value))
            return template(code, value, value=repr(value), expected=", ".join(_QUALIFIERS))

        yield Hit(code, "quantities", mask, describe)


# --- control characters ------------------------------------------------------------------------

_CONTROL_PATTERN = CONTROL_CHARACTERS_PATTERN  # RE2 reads it as Python's re does


def _may_hold_control(values: pa.Array) -> bool:
    """Whether any byte of a string array's data is a control character (one pass over the
    bytes with numpy: most columns hold none, and then no regex runs)."""
    data = values.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, np.uint8)
    low = raw[raw < 0x20]
    return bool(np.any((low != 0x09) & (low != 0x0A) & (low != 0x0D)))


def control_rule(column: str) -> Rule:
    """The record validator's ``control-character`` on a free-text column."""

    def run(cols: Columns) -> Iterator[Hit]:
        values = cols[column]
        if pa.types.is_dictionary(values.type):  # each distinct value once
            hits = pc.match_substring_regex(values.dictionary, _CONTROL_PATTERN)
            mask = pc.fill_null(hits, False).take(values.indices)
        else:
            if not _may_hold_control(values):
                return
            mask = pc.match_substring_regex(values, _CONTROL_PATTERN)
        shown = text(values)

        def describe(row: int) -> Finding:
            value = _value(shown, row)
            hit = consistency.CONTROL.search(value)
            char = f"U+{ord(hit.group()):04X}" if hit else "?"
            return template("control-character", value, char=char, at=hit.start() if hit else "?")

        yield Hit("control-character", column, mask, describe)

    return Rule(f"control:{column}", (column,), run)


def free_text_columns(table: str) -> list[str]:
    """String columns no other rule constrains (no enum, pattern, codebook or id rule)."""
    out = []
    for field in table_schema(table)["fields"]:
        name, constraints = field["name"], field.get("constraints", {})
        ruled = name in _LOOKUPS or _is_date_text(constraints) or _is_id(constraints)
        if field["type"] == "string" and not ruled and not {"enum", "pattern"} & set(constraints):
            out.append(name)
    return out


# --- the catalogue -----------------------------------------------------------------------------

CROSS_RULES: dict[str, list[Rule]] = {
    "events": [
        Rule("derived:action", ("cameo_code", "cameo_label", "root_code", "quad_class",
                                "goldstein"), derived_event_values),
        derived_actor_values("source_actor"),
        derived_actor_values("target_actor"),
        Rule("dates", ("date_start_text", "date_end_text", "date_start", "date_end",
                       "date_precision"), derived_dates),
        Rule("coordinates", ("latitude", "longitude", "location_country"), coordinates),
        Rule("same-actor", ("source_actor_code", "target_actor_code", "source_actor_name",
                            "target_actor_name"), same_actor),
        Rule("quantities", ("quantities",), quantities),
    ],
    "evidence": [Rule("quotes", ("quote", "char_start", "char_end"), quotes)],
    "sources": [Rule("published", ("published", "published_text"), derived_published)],
    "links": [Rule("self-link", ("event_id", "target_event_id"), self_links)],
}  # fmt: skip

OPTIONAL_INPUTS = {"coordinates": {"location_country"}, "derived:action": {"cameo_label",
                   "root_code", "quad_class", "goldstein"},
                   "derived:source_actor": {"source_actor_country", "source_actor_roles"},
                   "derived:target_actor": {"target_actor_country", "target_actor_roles"},
                   "dates": {"date_start", "date_end", "date_precision"}}  # fmt: skip
"""Columns a rule uses when present but can do without."""


@cache
def rules_for(table: str) -> tuple[Rule, ...]:
    """Every rule of ``table``: the Table Schema's, the cross-column ones, then control
    characters in its free-text columns."""
    controls = [control_rule(c) for c in free_text_columns(table)]
    return (*schema_rules(table), *CROSS_RULES.get(table, []), *controls)


def runnable(rule: Rule, present: set[str]) -> bool:
    """Whether a batch with columns ``present`` has what ``rule`` needs."""
    optional = OPTIONAL_INPUTS.get(rule.name, set())
    return all(c in present for c in rule.columns if c not in optional)

"""The rules a table's Table Schema states, column by column.

From ``coded_events.release.table_schema``: ``required`` columns, enums, patterns,
minimum/maximum, minLength. Columns whose values the record validator checks against the
codebook reuse its functions, once per distinct value, so that both report the same codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat.rule_base import (
    Classifier,
    Columns,
    Hit,
    Rule,
    cell,
    classified,
    template,
    text,
    valid_date_text,
)
from coded_events.records.checks import codebook_checks
from coded_events.release.table_schema import table_schema
from coded_events.spec import vocabulary
from coded_events.spec.tables import TABLE, table_pattern


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
            "out-of-range", cell(column, row), value=repr(cell(column, row)), rule=shown
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
            lambda row: template("invalid-id", cell(values, row), value=repr(cell(values, row))),
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
                "out-of-range", cell(values, row), value=repr(cell(values, row)), rule=shown
            ),
        )
        if pa.types.is_floating(values.type):
            odd = pc.or_(pc.is_nan(values), pc.is_inf(values))
            yield Hit(
                "non-finite-number",
                column,
                odd,
                lambda row: template("non-finite-number", token=repr(cell(values, row))),
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


def _is_date_text(constraints: dict[str, Any]) -> bool:
    return constraints.get("pattern") == _DATE_PATTERN


def _is_id(constraints: dict[str, Any]) -> bool:
    return constraints.get("pattern") in _ID_PATTERNS


def schema_rules(table: str, owned: frozenset[str] = frozenset()) -> list[Rule]:
    """The rules the Table Schema of ``table`` states, column by column (no enum rule for
    the ``owned`` columns, which another rule checks value by value)."""
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
        elif "enum" in constraints and name not in owned:
            rules.append(enum_rule(name, constraints["enum"], kind in ("integer", "number")))
        elif "pattern" in constraints:
            check = _pattern_check("invalid-format", constraints["pattern"])
            rules.append(classified(name, Classifier(check)))
        if "minimum" in constraints or "maximum" in constraints:
            rules.append(range_rule(name, constraints.get("minimum"), constraints.get("maximum")))
        if constraints.get("minLength") and name not in _LOOKUPS:
            rules.append(not_empty_rule(name))
    return rules

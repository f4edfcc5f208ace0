"""The flat validator's cross-field ``events`` rules as a frictionless custom ``Check``.

This is what a competent user of frictionless would write to check the rules that the
Table Schema cannot state: one row-level check class whose codebook lookups (event codes,
country boxes, qualifiers) are built once, plus small per-value memos for actor codes and
date texts. It mirrors ``coded_events.flat.rules.CROSS_RULES["events"]``:

- label, root code, QuadClass and Goldstein agree with the event code;
- actor country and roles agree with the actor code (source and target);
- date texts exist in the calendar (``2023-02-30`` fails); date bounds and precision agree
  with the date texts; a range does not end before it starts;
- both coordinates or neither; the point inside the country's box (0.5 degrees margin);
- the target actor is not the source actor (same code and same name);
- each quantity has a value, a unit and a qualifier, a finite value, a known qualifier and
  a non-empty unit.

Every error carries the catalogue code of the flat validator in ``note`` (``code: text``)
and the column in ``fieldName``, so that the findings of both sides can be compared.

Run as a script (the benchmark times it in a fresh process)::

    python benchmarks/frictionless_rules.py RESOURCE.json [--check] [--errors OUT.json]

validates the resource (a path relative to the working directory, as frictionless wants),
with the Table Schema alone or with ``--check`` as well, and prints the error count;
``--errors`` also writes ``[row, field, type, note, cell]`` for every error.
Needs frictionless (the ``test`` extra: ``pip install -e '.[test]'``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any, ClassVar

import attrs
from frictionless import Check, Checklist, Resource, errors

from coded_events.records.checks import consistency
from coded_events.spec import codebook, vocabulary


class RuleError(errors.CellError):
    """A cross-field rule of coded-events broken by one cell."""

    type = "coded-events-rule"
    title = "coded-events rule"
    description = "A cross-field rule of the coded-events schema."
    template = 'Row {rowNumber}, field "{fieldName}": {note}'


def _event_values() -> dict[str, tuple[str, str, int, float | None]]:
    out = {}
    for code in codebook.event_codes():
        values = consistency.derived_values(code)
        out[code] = (values["label"], values["root_code"], values["quad_class"],
                     values["goldstein"])  # fmt: skip
    return out


_DATE = re.compile(vocabulary.DATE_PATTERN)


def _date_bounds(value: str) -> tuple[dt.date, dt.date, str] | None:
    """(first day, last day, precision) of a date text, None when it is not a real date."""
    if not _DATE.fullmatch(value):
        return None
    try:
        first, last = vocabulary.first_day(value), vocabulary.last_day(value)
        if len(value) == 10:
            dt.date.fromisoformat(value)
    except ValueError:
        return None
    return first, last, vocabulary.precision_of(value).value


@attrs.define(kw_only=True, repr=False)
class EventRules(Check):
    """The cross-field rules of ``events`` rows (see the module docstring)."""

    type = "coded-events-events"
    Errors: ClassVar[list[type[errors.Error]]] = [RuleError]

    events: dict = attrs.field(factory=_event_values)
    boxes: dict = attrs.field(factory=consistency.country_bboxes)
    qualifiers: frozenset = attrs.field(
        factory=lambda: frozenset(q.value for q in vocabulary.Qualifier)
    )
    actors: dict = attrs.field(factory=dict)  # actor code -> (country, roles) or None
    dates: dict = attrs.field(factory=dict)  # date text -> _date_bounds(text)

    def _actor(self, code: str) -> tuple[str | None, str] | None:
        if code not in self.actors:
            try:
                parsed = codebook.actor(code)
                self.actors[code] = (parsed.country, "".join(parsed.roles))
            except codebook.UnknownCodeError:
                self.actors[code] = None
        return self.actors[code]

    def _date(self, value: str) -> tuple[dt.date, dt.date, str] | None:
        if value not in self.dates:
            self.dates[value] = _date_bounds(value)
        return self.dates[value]

    def validate_row(self, row: Any) -> Iterator[RuleError]:
        for field, code, text in self._broken(row):
            yield RuleError.from_row(row, note=f"{code}: {text}", field_name=field)

    def _broken(self, row: Any) -> Iterator[tuple[str, str, str]]:
        """(column, catalogue code, explanation) for each rule the row breaks."""
        yield from self._action(row)
        for prefix in ("source_actor", "target_actor"):
            yield from self._actor_values(row, prefix)
        yield from self._dates(row)
        yield from self._coordinates(row)
        yield from self._same_actor(row)
        yield from self._quantities(row)

    def _action(self, row: Any) -> Iterator[tuple[str, str, str]]:
        want = self.events.get(row["cameo_code"])
        if want is None:  # unknown codes are the Table Schema's enum error
            return
        label, root, quad, goldstein = want
        for field, expected in (("cameo_label", label), ("root_code", root),
                                ("quad_class", quad)):  # fmt: skip
            if row[field] != expected:
                yield field, "derived-value-mismatch", f"{row[field]!r}, expected {expected!r}"
        value = row["goldstein"]  # a Decimal: frictionless parses numbers exactly
        same = (value is None and goldstein is None) or (
            value is not None and goldstein is not None and abs(float(value) - goldstein) < 1e-9
        )
        if not same:
            yield "goldstein", "derived-value-mismatch", f"{value}, expected {goldstein}"

    def _actor_values(self, row: Any, prefix: str) -> Iterator[tuple[str, str, str]]:
        code = row[f"{prefix}_code"]
        parts = self._actor(code) if code is not None else None
        if parts is None:
            return
        country, roles = parts
        if row[f"{prefix}_country"] != country:
            yield f"{prefix}_country", "derived-value-mismatch", f"expected {country!r}"
        if "".join(row[f"{prefix}_roles"] or []) != roles:
            yield f"{prefix}_roles", "derived-value-mismatch", f"expected {roles!r}"

    def _dates(self, row: Any) -> Iterator[tuple[str, str, str]]:
        start_text, end_text = row["date_start_text"], row["date_end_text"]
        start = self._date(start_text) if start_text is not None else None
        end = self._date(end_text) if end_text is not None else None
        if start_text is not None and start is None:
            yield "date_start_text", "invalid-date", f"{start_text!r} is not a date"
        if end_text is not None and end is None:
            yield "date_end_text", "invalid-date", f"{end_text!r} is not a date"
        if start is None or (end_text is not None and end is None):
            return
        last = (end or start)[1]
        for field, expected in (("date_start", start[0]), ("date_end", last),
                                ("date_precision", start[2])):  # fmt: skip
            if row[field] != expected:
                yield field, "derived-value-mismatch", f"{row[field]}, expected {expected}"
        if end is not None and end[1] < start[0]:
            yield "date_end_text", "date-range-reversed", f"{end_text} before {start_text}"

    def _coordinates(self, row: Any) -> Iterator[tuple[str, str, str]]:
        lat, lon = row["latitude"], row["longitude"]
        if (lat is None) != (lon is None):
            missing = "latitude" if lat is None else "longitude"
            yield missing, "coordinates-incomplete", f"{missing} missing"
            return
        box = self.boxes.get(row["location_country"])
        if lat is None or box is None:
            return
        lat, lon = float(lat), float(lon)
        if -90 <= lat <= 90 and -180 <= lon <= 180 and not consistency.in_bbox(box, lat, lon):
            yield "latitude", "coordinates-outside-country", f"({lat}, {lon}) outside the box"

    def _same_actor(self, row: Any) -> Iterator[tuple[str, str, str]]:
        code = row["target_actor_code"]
        if code is None or code != row["source_actor_code"]:
            return
        names = (row["source_actor_name"], row["target_actor_name"])
        if None not in names and names[0].strip().lower() == names[1].strip().lower():
            yield "target_actor_code", "target-equals-source", f"{code} {names[1]!r}"

    def _quantities(self, row: Any) -> Iterator[tuple[str, str, str]]:
        for item in row["quantities"] or []:
            if not isinstance(item, dict):
                continue
            value, unit, qualifier = (item.get(k) for k in ("value", "unit", "qualifier"))
            for key, present in (("value", value), ("unit", unit), ("qualifier", qualifier)):
                if present is None:
                    yield "quantities", "missing-field", f"quantity without {key}"
            if isinstance(value, float) and not math.isfinite(value):
                yield "quantities", "non-finite-number", f"value {value}"
            if qualifier is not None and qualifier not in self.qualifiers:
                yield "quantities", "invalid-enum", f"qualifier {qualifier!r}"
            if unit == "":
                yield "quantities", "empty-value", "empty unit"


def validate(descriptor: str, with_check: bool) -> list[list[Any]]:
    """``[row, field, type, note, cell]`` of every error frictionless reports."""
    checklist = Checklist(checks=[EventRules()] if with_check else [])
    report = Resource.from_descriptor(descriptor).validate(checklist, limit_errors=10**9)
    if report.tasks and report.tasks[0].errors and not report.tasks[0].stats.get("rows"):
        raise SystemExit(f"frictionless could not read {descriptor}: {report.tasks[0].errors}")
    return report.flatten(["rowNumber", "fieldName", "type", "note", "cell"])


def main(argv: list[str]) -> None:
    descriptor = argv[0]
    found = validate(descriptor, "--check" in argv)
    if "--errors" in argv:
        with open(argv[argv.index("--errors") + 1], "w", encoding="utf-8") as out:
            json.dump(found, out, default=str)
    print(json.dumps({"errors": len(found)}))


if __name__ == "__main__":
    main(sys.argv[1:])

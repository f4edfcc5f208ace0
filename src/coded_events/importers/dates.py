"""Event dates from producer columns, strictly parsed, at the precision they really have.

Our date columns: ``date_start``/``date_end`` (the first and last day the date can mean),
``date_precision``, ``date_start_text`` (ISO 8601 at that precision), ``date_end_text``
(null: producers give single dates), ``date_approximate`` (false: the date is as the
producer gives it) and ``date_note`` (null).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.columns import SCIENTIFIC, matches, row_wise, strict_date
from coded_events.importers.format import Batch, Converted, Issue, Rule

__all__ = ["DATE_TARGETS", "date_columns", "gdelt_date_rule", "iso_date_rule"]

DATE_TARGETS = tuple(
    f"events.{c}"
    for c in (
        "date_start",
        "date_end",
        "date_precision",
        "date_start_text",
        "date_end_text",
        "date_approximate",
        "date_note",
    )
)

_PRECISION_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def _days(dates: pa.Array) -> pa.Array:
    return pc.cast(dates, pa.int32())


def _date(days: pa.Array) -> pa.Array:
    return pc.cast(days, pa.date32())


def date_columns(day: pa.Array, precision: pa.Array) -> dict[str, pa.Array]:
    """Our date columns for dates known to ``precision`` ("day", "month", "year"):
    integer arithmetic on days, no parsing."""
    days = _days(day)
    month_start = pc.subtract(days, pc.cast(pc.subtract(pc.day(day), 1), pa.int32()))
    year_start = pc.subtract(days, pc.cast(pc.subtract(pc.day_of_year(day), 1), pa.int32()))
    year_length = pc.if_else(pc.is_leap_year(day), 366, 365)
    year_end = pc.add(year_start, pc.cast(pc.subtract(year_length, 1), pa.int32()))
    later = _date(pc.add(month_start, pa.scalar(32, pa.int32())))  # in the next month
    next_month = pc.subtract(_days(later), pc.cast(pc.subtract(pc.day(later), 1), pa.int32()))
    month_end = pc.subtract(next_month, pa.scalar(1, pa.int32()))
    is_month = pc.equal(precision, "month")
    is_year = pc.equal(precision, "year")
    start = pc.if_else(is_year, year_start, pc.if_else(is_month, month_start, days))
    end = pc.if_else(is_year, year_end, pc.if_else(is_month, month_end, days))
    iso = pc.cast(day, pa.string())
    text = pc.if_else(
        is_year,
        pc.utf8_slice_codeunits(iso, 0, 4),
        pc.if_else(is_month, pc.utf8_slice_codeunits(iso, 0, 7), iso),
    )
    length = len(day)
    return {
        "events.date_start": _date(start),
        "events.date_end": _date(end),
        "events.date_precision": precision,
        "events.date_start_text": text,
        "events.date_end_text": pa.nulls(length, pa.string()),
        "events.date_approximate": pa.repeat(pa.scalar(False), length),
        "events.date_note": pa.nulls(length, pa.string()),
    }


def _event_day(raw: pa.Array, column: str, fmt: str) -> tuple[pa.Array, list[Issue]]:
    text = pc.utf8_trim_whitespace(raw)
    scientific = matches(text, SCIENTIFIC)
    day = strict_date(text, fmt)
    bad = pc.and_(pc.is_null(day), pc.invert(scientific))
    return day, [
        Issue("import-date-scientific", scientific, raw, {"name": column}, column),
        Issue("import-bad-date", bad, raw, {"name": column}, column),
    ]


def _arithmetic(day: pa.Array, added: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Precision per row: "year" where the date is the date added minus whole years, "month"
    where minus whole months (same day of the month), else "day"; and the mask of both."""
    earlier = pc.fill_null(pc.less(day, added), False)
    same_day = pc.equal(pc.day(day), pc.day(added))
    same_month = pc.equal(pc.month(day), pc.month(added))
    years = pc.fill_null(pc.and_(earlier, pc.and_(same_day, same_month)), False)
    months = pc.fill_null(pc.and_(earlier, pc.and_(same_day, pc.invert(same_month))), False)
    precision = pc.if_else(years, "year", pc.if_else(months, "month", "day"))
    return precision, pc.or_(years, months)


def gdelt_date_rule(sqldate: str, dateadded: str, doc: str) -> Rule:
    """GDELT's SQLDATE (YYYYMMDD), its precision lowered where it was set by arithmetic
    from DATEADDED (YYYYMMDD or YYYYMMDDHHMMSS; only its first 8 digits are read)."""

    @row_wise
    def convert(batch: Batch, raw: pa.Array, added_raw: pa.Array) -> Converted:
        day, issues = _event_day(raw, sqldate, "%Y%m%d")
        added_text = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(added_raw), 0, 8)
        added = strict_date(added_text, "%Y%m%d")
        unusable = pc.and_(pc.is_valid(added_raw), pc.is_null(added))
        issues.append(
            Issue("import-date-added-unusable", unusable, added_raw, {"name": dateadded}, dateadded)
        )
        precision, reduced = _arithmetic(day, added)
        issues.append(
            Issue("import-date-arithmetic", reduced, raw, {"precision": precision}, sqldate)
        )
        return Converted(date_columns(day, precision), issues)

    return Rule(DATE_TARGETS, (sqldate, dateadded), convert, doc, keep=True)


def iso_date_rule(column: str, doc: str) -> Rule:
    """A day given as ISO 8601 (YYYY-MM-DD)."""

    @row_wise
    def convert(batch: Batch, raw: pa.Array) -> Converted:
        day, issues = _event_day(raw, column, "%Y-%m-%d")
        precision = pa.repeat(pa.scalar("day"), len(raw))
        return Converted(date_columns(day, precision), issues)

    return Rule(DATE_TARGETS, (column,), convert, doc)

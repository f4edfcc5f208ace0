"""Event dates from producer columns, strictly parsed, at the precision they really have.

Our date columns: ``date_start``/``date_end`` (the first and last day the date can mean),
``date_precision``, ``date_start_text`` (ISO 8601 at that precision), ``date_end_text``
(null: producers give single dates), ``date_approximate`` (false: the date is as the
producer gives it) and ``date_note`` (null).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.columns import SCIENTIFIC, matches, strict_date
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


def _shift_days(dates: pa.Array, days: int) -> pa.Array:
    shifted = pc.add(pc.cast(dates, pa.int32()), pa.scalar(days, pa.int32()))
    return pc.cast(shifted, pa.date32())


def date_columns(day: pa.Array, precision: pa.Array) -> dict[str, pa.Array]:
    """Our date columns for dates known to ``precision`` ("day", "month", "year")."""
    as_ts = pc.cast(day, pa.timestamp("s"))
    year = pc.year(day)
    month_start = strict_date(pc.strftime(as_ts, format="%Y-%m-01"), "%Y-%m-%d")
    year_start = strict_date(pc.strftime(as_ts, format="%Y-01-01"), "%Y-%m-%d")
    year_end = strict_date(pc.strftime(as_ts, format="%Y-12-31"), "%Y-%m-%d")
    next_month = _shift_days(month_start, 32)
    next_month_start = strict_date(
        pc.strftime(pc.cast(next_month, pa.timestamp("s")), format="%Y-%m-01"), "%Y-%m-%d"
    )
    month_end = _shift_days(next_month_start, -1)
    is_month = pc.equal(precision, "month")
    is_year = pc.equal(precision, "year")
    start = pc.if_else(is_year, year_start, pc.if_else(is_month, month_start, day))
    end = pc.if_else(is_year, year_end, pc.if_else(is_month, month_end, day))
    text = pc.if_else(
        is_year,
        pc.cast(year, pa.string()),
        pc.if_else(
            is_month, pc.strftime(as_ts, format="%Y-%m"), pc.strftime(as_ts, format="%Y-%m-%d")
        ),
    )
    length = len(day)
    return {
        "events.date_start": start,
        "events.date_end": end,
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

    def convert(batch: Batch, raw: pa.Array) -> Converted:
        day, issues = _event_day(raw, column, "%Y-%m-%d")
        precision = pa.repeat(pa.scalar("day"), len(raw))
        return Converted(date_columns(day, precision), issues)

    return Rule(DATE_TARGETS, (column,), convert, doc)

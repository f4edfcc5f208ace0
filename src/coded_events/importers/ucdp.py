"""UCDP GED CSV (49 columns with a header; quoted cells may hold line breaks): the
parsing rules.

- rows are read with a CSV reader that honours quotes (a cell may span lines); a row's
  line is the line it starts on;
- deaths: ``best``, ``low``, ``high`` and the best estimate by side (``deaths_a``,
  ``deaths_b``, ``deaths_civilians``, ``deaths_unknown``) become quantities with their
  qualifiers (best: approximately, low: at_least, high: at_most); ``best`` outside
  ``low..high`` and ``low > high`` are reported, the producer's numbers kept as given;
- ``date_prec`` and ``where_prec`` map to our date form and geo precision
  (``ucdp_precision.csv``);
- country names carry historical names in parentheses (``Russia (Soviet Union)``);
  ``country_id``, ``gwnoa`` and ``gwnob`` are Gleditsch-Ward numbers, never ISO numeric
  codes: they are kept verbatim in provenance, the country comes from the name.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from coded_events.importers import crosswalks
from coded_events.spec import codebook

__all__ = ["QUANTITY_COLUMNS", "date", "deaths", "read_rows", "side_actor"]

QUANTITY_COLUMNS = (
    ("best", "deaths", "approximately"),
    ("low", "deaths", "at_least"),
    ("high", "deaths", "at_most"),
    ("deaths_a", "deaths of side A (best estimate)", "approximately"),
    ("deaths_b", "deaths of side B (best estimate)", "approximately"),
    ("deaths_civilians", "civilian deaths (best estimate)", "approximately"),
    ("deaths_unknown", "deaths of unknown status (best estimate)", "approximately"),
)
"""UCDP column -> (unit, qualifier) of the quantity it becomes."""


def read_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row with the line it starts on (quoted line breaks honoured)."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        return
    start = reader.line_num + 1
    for fields in reader:
        yield start, dict(zip(header, fields, strict=False))
        start = reader.line_num + 1


def deaths(row: dict[str, str]) -> tuple[list[dict[str, object]], list[str]]:
    """The death counts as quantities, and the codes of what is wrong with them
    (``best-outside-range``, ``low-above-high``); the numbers are never changed."""
    quantities, problems = [], []
    numbers: dict[str, int] = {}
    for column, unit, qualifier in QUANTITY_COLUMNS:
        text = (row.get(column) or "").strip()
        if not text.lstrip("-").isdigit():
            continue
        numbers[column] = int(text)
        quantities.append(
            {"value": float(text), "unit": unit, "qualifier": qualifier, "as_written": text}
        )
    low, best, high = (numbers.get(c) for c in ("low", "best", "high"))
    if low is not None and high is not None and low > high:
        problems.append("low-above-high")
    if best is not None and (
        (low is not None and best < low) or (high is not None and best > high)
    ):
        problems.append("best-outside-range")
    return quantities, problems


def date(row: dict[str, str]) -> tuple[str, str | None, bool] | None:
    """(start, end or None, lossy) from ``date_start``/``date_end`` (``YYYY-MM-DD``, with or
    without a time) and ``date_prec``; None when the start is no date."""
    start = (row.get("date_start") or "")[:10]
    end = (row.get("date_end") or "")[:10]
    try:
        codebook_date = [part for part in (start, end) if part]
        for part in codebook_date:
            _check(part)
    except ValueError:
        return None
    mapping = crosswalks.precision("ucdp", "date_prec", (row.get("date_prec") or "").strip())
    lossy = mapping.lossy if mapping else True
    return start, (end if end and end != start else None), lossy


def _check(value: str) -> None:
    import datetime as dt

    dt.date.fromisoformat(value)


def side_actor(row: dict[str, str], side: str) -> str | None:
    """Our actor code for side ``a`` or ``b``: the country from ``Government of X`` (the
    historical parenthesis ignored), the role from ``ucdp_sides.csv``."""
    name = (row.get(f"side_{side}") or "").strip()
    if not name:
        return None
    mapping = crosswalks.ucdp_side((row.get("type_of_violence") or "").strip(), side, name)
    country = None
    if name.startswith("Government of "):
        country = crosswalks.country_iso3(name.removeprefix("Government of "))
    if country not in codebook.actor_countries():
        country = None
    code = (country or "") + ((mapping.code if mapping else None) or "")
    return code or None

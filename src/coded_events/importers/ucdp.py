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

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers import crosswalks
from coded_events.importers.columns import map_distinct, map_rows, strict_date
from coded_events.importers.dates import DATE_TARGETS, date_columns
from coded_events.importers.format import Batch, Converted, Format, Issue, Layout, Rule
from coded_events.importers.quoted import quoted_csv_reader
from coded_events.importers.rules import lossy_issue, place_rule, quantities, text_source_rule
from coded_events.spec import codebook

__all__ = ["COLUMNS", "FORMAT", "QUANTITY_COLUMNS", "date", "deaths", "read_rows", "side_actor"]

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


# --- the declared format ------------------------------------------------------------------

COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence",
    "conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id",
    "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id",
    "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip
"""The 49 columns of UCDP GED 23.1 (CSV), in file order."""

_MAPPED = pa.struct([("code", pa.string()), ("lossy", pa.bool_()), ("note", pa.string())])


def _side(name: str, violence: str, side: str) -> dict[str, object]:
    if not name:
        return {"code": None, "lossy": False, "note": None}
    mapping = crosswalks.ucdp_side(violence, side, name)
    code = side_actor({f"side_{side}": name, "type_of_violence": violence}, side)
    lossy = mapping.lossy if mapping else True
    note = mapping.note if mapping else f"no role for side {side} of type {violence!r}"
    return {"code": code, "lossy": lossy, "note": note}


def _side_rule(prefix: str, side: str, doc: str) -> Rule:
    column = f"side_{side}"
    targets = (f"events.{prefix}_code", f"events.{prefix}_name")

    def convert(batch: Batch, names: pa.Array, violence: pa.Array) -> Converted:
        built = map_rows([names, violence], lambda n, v: _side(n, v, side), _MAPPED)
        category = pc.binary_join_element_wise(f"{column} ", names, "")
        lossy = lossy_issue(
            built.field("lossy"), category, "ucdp_sides.csv", built.field("note"), column
        )
        return Converted({targets[0]: built.field("code"), targets[1]: names}, [lossy])

    return Rule(targets, (column, "type_of_violence"), convert, doc, keep=(column,))


def _violence(value: str | None) -> dict[str, object]:
    found = crosswalks.ucdp_violence((value or "").strip())
    if found is None:
        return {"code": None, "lossy": False, "note": None}
    return {"code": found.cameo_code, "lossy": found.lossy, "note": found.note}


def _event_rule(doc: str) -> Rule:
    def convert(batch: Batch, violence: pa.Array) -> Converted:
        built = map_distinct(violence, _violence, _MAPPED)
        category = pc.binary_join_element_wise("type_of_violence ", violence, "")
        issues = [
            Issue(
                "import-category-unmapped",
                pc.is_null(built.field("code")),
                violence,
                {
                    "category": pc.fill_null(category, "type_of_violence (none)"),
                    "crosswalk": "ucdp_violence_types.csv",
                },
                "type_of_violence",
            ),
            lossy_issue(
                built.field("lossy"),
                category,
                "ucdp_violence_types.csv",
                built.field("note"),
                "type_of_violence",
            ),
        ]
        return Converted({"events.cameo_code": built.field("code")}, issues)

    return Rule(("events.cameo_code",), ("type_of_violence",), convert, doc, keep=True)


def _date_rule(doc: str) -> Rule:
    def convert(batch: Batch, start_raw: pa.Array, end_raw: pa.Array, prec: pa.Array) -> Converted:
        start = strict_date(pc.utf8_slice_codeunits(start_raw, 0, 10), "%Y-%m-%d")
        end = strict_date(pc.utf8_slice_codeunits(end_raw, 0, 10), "%Y-%m-%d")
        end = pc.coalesce(end, start)
        columns = date_columns(start, pa.repeat(pa.scalar("day"), len(batch)))
        is_range = pc.fill_null(pc.greater(end, start), False)
        columns["events.date_end"] = pc.if_else(is_range, end, start)
        columns["events.date_end_text"] = pc.if_else(
            is_range, pc.strftime(pc.cast(end, pa.timestamp("s")), format="%Y-%m-%d"), None
        )
        backwards = pc.fill_null(pc.less(end, start), False)
        bad = pc.or_(pc.is_null(start), backwards)
        issues = [
            Issue("import-bad-date", bad, start_raw, {"name": "date_start, date_end"},
                  "date_start"),
        ]  # fmt: skip
        return Converted(columns, issues)

    return Rule(DATE_TARGETS, ("date_start", "date_end", "date_prec"), convert, doc, keep=True)


def _where(code: str | None) -> dict[str, object]:
    found = crosswalks.precision("ucdp", "where_prec", (code or "").strip())
    if found is None:
        return {"code": None, "lossy": False, "note": None}
    return {"code": found.ours, "lossy": found.lossy, "note": found.note}


def _geo(row: dict[str, str | None]) -> str:
    found = _where(row.get("precision"))["code"]
    if found is not None:
        return str(found)
    return "country" if row["country"] else "none"


def _place_rule(doc: str) -> Rule:
    sources = ("where_coordinates", "adm_1", "adm_2", "country", "latitude", "longitude",
               "where_prec")  # fmt: skip
    base = place_rule(sources, crosswalks.country_iso3, _geo, doc)

    def convert(batch: Batch, *columns: pa.Array) -> Converted:
        converted = base.convert(batch, *columns)
        code = pc.utf8_trim_whitespace(columns[6])
        built = map_distinct(code, _where, _MAPPED)
        converted.issues.append(
            lossy_issue(
                built.field("lossy"),
                pc.binary_join_element_wise("where_prec ", code, ""),
                "ucdp_precision.csv",
                built.field("note"),
                "where_prec",
            )
        )
        return converted

    return Rule(base.targets, base.sources, convert, doc, keep=True)


_DEATH_COLUMNS = tuple(c for c, _, _ in QUANTITY_COLUMNS)


def _deaths_rule(doc: str) -> Rule:
    def convert(batch: Batch, *columns: pa.Array) -> Converted:
        rows = zip(*(c.to_pylist() for c in columns), strict=True)
        found = [deaths(dict(zip(_DEATH_COLUMNS, r, strict=True))) for r in rows]
        detail = pa.array(
            [", ".join(p.replace("-", " ") for p in problems) or None for _, problems in found],
            pa.string(),
        )
        issue = Issue(
            "import-estimate-inconsistent", pc.is_valid(detail), columns[0],
            {"detail": detail}, "best",
        )  # fmt: skip
        return Converted({"events.quantities": quantities([q for q, _ in found])}, [issue])

    return Rule(("events.quantities",), _DEATH_COLUMNS, convert, doc, keep=True)


def _sniff(rows: list[list[str]]) -> str | None:
    names = {n.strip().strip('"').lower() for n in (rows[0] if rows else [])}
    if {"id", "type_of_violence", "side_a", "side_b", "best"} <= names:
        return "a header with UCDP GED's id, type_of_violence, side_a, side_b, best"
    return None


FORMAT = Format(
    name="ucdp-ged",
    producer="UCDP-GED",
    producer_version="",
    description="UCDP Georeferenced Event Dataset (GED) CSV: 49 columns with a header; "
    "quoted cells may hold line breaks.",
    layouts=(Layout(COLUMNS, "GED 23.1 CSV"),),
    header="required",
    delimiter=",",
    required_columns=("id", "type_of_violence", "side_a", "side_b", "date_start", "best"),
    id_column="id",
    reader=quoted_csv_reader(),
    sniff=_sniff,
    rules=(
        _date_rule(
            "date_start to date_end (`YYYY-MM-DD`, a time after it ignored): one day when "
            "they are the same, else the range (`date_end_text`); date_prec (1 exact, 2-5 "
            "spans, `ucdp_precision.csv`) says how wide the span is and stays in provenance. "
            "An end before the start is rejected."
        ),
        _side_rule(
            "source_actor",
            "a",
            "side_a as given; the code is the country of `Government of X` (the "
            "historical parenthesis, `Russia (Soviet Union)`, ignored) and the role from "
            "`ucdp_sides.csv` by type of violence and name.",
        ),
        _side_rule(
            "target_actor",
            "b",
            "side_b, by the same rule (the victims of one-sided violence: civilians).",
        ),
        _event_rule(
            "type_of_violence through `ucdp_violence_types.csv` (1, 2: `190`; 3: `180`), "
            "lossy (a warning); an unknown type rejects the row."
        ),
        _place_rule(
            "where_coordinates is the place, adm_1 and adm_2 its divisions; country (a "
            "name, historical names in parentheses) to ISO 3166 through `country_names.csv`; "
            "country_id, gwnoa and gwnob are Gleditsch-Ward numbers, never read as ISO codes "
            "(kept in provenance); where_prec through `ucdp_precision.csv` (2, 5, 7 lossy)."
        ),
        _deaths_rule(
            "best (approximately), low (at_least), high (at_most) and the best estimate by "
            "side (deaths_a, deaths_b, deaths_civilians, deaths_unknown) as quantities; best "
            "outside low..high or low above high is reported "
            "(`import-estimate-inconsistent`), the numbers kept as given."
        ),
        text_source_rule(
            "source_article",
            "One source per distinct source_article text (`ucdp-ged-src-<sha256 prefix>`); "
            "source_office, source_date, source_headline and source_original stay verbatim "
            "in provenance.",
        ),
    ),
    licence="UCDP data: CC BY 4.0 (cite the UCDP GED codebook and Sundberg & Melander 2013)",
    homepage="https://ucdp.uu.se/downloads/",
    notes=(
        "The conflict and dyad ids and names, relid, code_status, event_clarity, "
        "where_description, geom_wkt and priogrid_gid have no home in our model: they stay "
        "verbatim in `provenance.producer_fields`. A row's `input_line` is the line it "
        "starts on (quoted cells may span lines).",
    ),
)

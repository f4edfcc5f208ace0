"""ACLED CSV exports (several layouts; the HDX ones with a tag row under the header): the
parsing rules.

- dates in three forms (``2020-05-09``, ``9-May-20``, ``28 December 2022``), checked
  against the calendar, one parse per distinct value;
- the HDX tag row (``#event+code``, ``#date`` ...) under the header is not a row;
- ``NA`` written by R is a missing value;
- a pandas index column (an unnamed or ``Unnamed: 0`` first column of integers) is not
  ACLED's and is dropped, reported;
- a truncated last row (fewer fields than the header) is rejected;
- C1 control characters (U+0080-U+009F) are cp1252 text decoded as Latin-1; they are
  repaired and reported, the original kept in provenance;
- ACLED has no source and target: **actor 1 is the source and actor 2 the target**; for
  categories whose definition gives no direction (battles, agreements: ``directed`` false
  in ``acled_event_types.csv``) the row gets a warning saying so;
- the actor's country comes from its name (``Civilians (Benin)``, ``Military Forces of
  Benin (2016-)``), never from the event's place;
- ``fatalities`` is a quantity (unit ``fatalities``, qualifier ``at_least``: ACLED
  records the most conservative reported figure).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers import crosswalks
from coded_events.importers.columns import map_distinct, map_rows, strict_date
from coded_events.importers.dates import DATE_TARGETS, date_columns
from coded_events.importers.format import Batch, Converted, Format, Issue, Layout, Rule
from coded_events.importers.quoted import quoted_csv_reader
from coded_events.importers.rules import lossy_issue, place_rule, quantities, text_source_rule
from coded_events.spec import codebook

__all__ = [
    "DATE_FORMATS",
    "FORMAT",
    "MISSING",
    "actor",
    "actor_country_name",
    "fatalities",
    "is_hdx_tag_row",
    "is_pandas_index",
    "parse_date",
    "repair_c1",
]

MISSING = ("", "NA")
"""Cell texts that mean "no value" (R writes NA)."""

DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%y", "%d %B %Y", "%d-%B-%Y", "%d %b %Y")
"""The date forms ACLED exports use: ISO, ``9-May-20`` (Excel), ``28 December 2022``."""

_C1 = re.compile("[\u0080-\u009f]")


def parse_date(value: str | None) -> str | None:
    """The ISO date of an ACLED date cell, or None when it is no date of a known form
    (a calendar-impossible date such as ``30 February 2022`` included)."""
    text = (value or "").strip()
    for form in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    return None


def is_hdx_tag_row(fields: list[str]) -> bool:
    """True for the HDX Humanitarian Exchange Language row (``#event+code`` ...)."""
    named = [f.strip() for f in fields if f.strip()]
    return bool(named) and all(f.startswith("#") for f in named)


def is_pandas_index(header: list[str], first_cells: list[str]) -> bool:
    """True when the first column is a pandas index: no name (or ``Unnamed: 0``) and
    integer cells."""
    name = header[0].strip() if header else "x"
    unnamed = name in ("", "Unnamed: 0")
    return unnamed and all(cell.strip().isdigit() for cell in first_cells if cell.strip())


def repair_c1(text: str) -> str | None:
    """The text with cp1252 mojibake repaired (``don\\x92t`` -> ``don’t``), or None
    when it holds no C1 control character (or cannot be repaired)."""
    if not _C1.search(text):
        return None
    try:
        return text.encode("latin-1").decode("cp1252")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


_OF = re.compile(r"\bof (?:the )?([A-Z][^()]*?)(?:\s*\(|$)")
_PAREN = re.compile(r"\(([^()]*)\)")


def actor_country_name(name: str) -> str | None:
    """The country an ACLED actor name gives: in parentheses (``Rioters (Benin)``), or
    after "of" (``Police Forces of Benin (2016-) Customs``); years are not countries."""
    for inside in reversed(_PAREN.findall(name)):
        if crosswalks.country_iso3(inside):
            return inside
    found = _OF.search(name)
    if found and crosswalks.country_iso3(found.group(1).strip()):
        return found.group(1).strip()
    return None


@dataclass(frozen=True)
class ActorResult:
    """An ACLED actor as our actor code, and whether the mapping loses information."""

    code: str | None
    name: str
    lossy: bool
    note: str


def actor(name: str | None, inter: str | None) -> ActorResult | None:
    """Our actor for an ACLED actor name and ``inter`` code (None: no actor)."""
    name = (name or "").strip()
    if not name or name in MISSING:
        return None
    mapping = crosswalks.acled_actor((inter or "").strip(), name)
    role = mapping.code if mapping else None
    country_name = actor_country_name(name)
    country = crosswalks.country_iso3(country_name) if country_name else None
    if country not in codebook.actor_countries():
        country = None
    code = (country or "") + (role or "")
    lossy = mapping.lossy if mapping else True
    note = mapping.note if mapping else f"unknown ACLED inter code {inter!r}: no role"
    return ActorResult(code or None, name, lossy, note)


def fatalities(value: str | None) -> dict[str, object] | None:
    """The fatalities cell as a quantity (None when missing); raises ValueError when it is
    not a whole number."""
    text = (value or "").strip()
    if text in MISSING:
        return None
    if not text.isdigit():
        raise ValueError(f"fatalities {text!r} is not a whole number")
    return {"value": float(text), "unit": "fatalities", "qualifier": "at_least", "as_written": text}


# --- the declared format ------------------------------------------------------------------

COLUMNS_2023 = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
"""The ACLED export layout since 2023 (31 columns)."""

COLUMNS_OLDER = (
    "data_id", "event_id_no_cnty", "ally_actor_1", "ally_actor_2", "iso3",
)  # fmt: skip
"""Columns of earlier exports (before 2020: ``ally_actor_*``, ``data_id``; HDX: ``iso3``)."""

_ACTOR_RESULT = pa.struct([("code", pa.string()), ("lossy", pa.bool_()), ("note", pa.string())])


def repaired(values: pa.Array, column: str) -> tuple[pa.Array, Issue]:
    """``values`` with cp1252 mojibake repaired, and the ``import-text-repaired`` issue."""
    has_c1 = pc.fill_null(pc.match_substring_regex(values, "[\u0080-\u009f]"), False)
    if not pc.any(has_c1).as_py():
        return values, Issue("import-text-repaired", has_c1)
    fixed = map_distinct(
        pc.if_else(has_c1, values, None), lambda v: v and repair_c1(v), pa.string()
    )
    changed = pc.and_(has_c1, pc.is_valid(fixed))
    out = pc.if_else(changed, fixed, values)
    return out, Issue("import-text-repaired", changed, values, {"name": column}, column)


def _actor_key(name: str, inter: str) -> dict[str, object]:
    found = actor(name, inter)
    if found is None:  # a struct of nulls, not a null struct (.field ignores validity)
        return {"code": None, "lossy": False, "note": None}
    return {"code": found.code, "lossy": found.lossy, "note": found.note}


def _actor_rule(prefix: str, name_column: str, inter_column: str, doc: str) -> Rule:
    targets = (f"events.{prefix}_code", f"events.{prefix}_name")

    def convert(batch: Batch, names: pa.Array, inter: pa.Array) -> Converted:
        fixed, repair = repaired(names, name_column)
        built = map_rows([names, inter], _actor_key, _ACTOR_RESULT)
        category = pc.binary_join_element_wise(
            f"{inter_column} ", pc.fill_null(inter, "(none)"), " ", names, ""
        )
        lossy = lossy_issue(
            built.field("lossy"), category, "acled_actor_types.csv", built.field("note"),
            inter_column,
        )  # fmt: skip
        return Converted({targets[0]: built.field("code"), targets[1]: fixed}, [repair, lossy])

    return Rule(targets, (name_column, inter_column), convert, doc, keep=True)


_EVENT_RESULT = pa.struct(
    [("code", pa.string()), ("lossy", pa.bool_()), ("note", pa.string()),
     ("directed", pa.bool_()), ("known", pa.bool_())]
)  # fmt: skip


def _event_key(event_type: str, sub_type: str) -> dict[str, object]:
    found = crosswalks.acled_event(event_type, sub_type or None)
    if found is None:
        return {"code": None, "lossy": False, "note": "", "directed": True, "known": False}
    return {"code": found.cameo_code, "lossy": found.lossy, "note": found.note,
            "directed": found.directed, "known": True}  # fmt: skip


def _event_rule(doc: str) -> Rule:
    def convert(batch: Batch, event_type: pa.Array, sub_type: pa.Array,
                actor2: pa.Array) -> Converted:  # fmt: skip
        built = map_rows([event_type, sub_type], _event_key, _EVENT_RESULT)
        code = built.field("code")
        category = pc.binary_join_element_wise(
            event_type, sub_type, " | ", null_handling="replace", null_replacement=""
        )
        category = pc.utf8_rtrim(category, characters=" |")
        unmapped = Issue(
            "import-category-unmapped",
            pc.is_null(code),
            category,
            {"category": pc.fill_null(category, "(none)"),
             "crosswalk": "acled_event_types.csv"},
            "event_type",
        )  # fmt: skip
        lossy = lossy_issue(
            built.field("lossy"), category, "acled_event_types.csv", built.field("note"),
            "sub_event_type",
        )  # fmt: skip
        undirected = Issue(
            "import-undirected",
            pc.and_(pc.invert(pc.fill_null(built.field("directed"), True)), pc.is_valid(actor2)),
            category,
            {"category": category},
            "actor2",
        )
        return Converted({"events.cameo_code": code}, [unmapped, lossy, undirected])

    return Rule(("events.cameo_code",), ("event_type", "sub_event_type", "actor2"), convert, doc,
                keep=("event_type", "sub_event_type"))  # fmt: skip


def _date_rule(doc: str) -> Rule:
    def convert(batch: Batch, raw: pa.Array, precision_raw: pa.Array) -> Converted:
        iso = map_distinct(raw, parse_date, pa.string())
        day = strict_date(iso, "%Y-%m-%d")
        code = pc.fill_null(pc.utf8_trim_whitespace(precision_raw), "1")
        mapped = map_distinct(code, lambda c: _precision("time_precision", c), _PRECISION_RESULT)
        ours = pc.fill_null(mapped.field("ours"), "day")
        precision = pc.if_else(pc.equal(ours, "month"), "month", "day")
        columns = date_columns(day, precision)
        columns["events.date_approximate"] = pc.fill_null(pc.equal(ours, "approximate_day"), False)
        issues = [
            Issue("import-bad-date", pc.is_null(day), raw, {"name": "event_date"}, "event_date"),
            lossy_issue(
                mapped.field("lossy"),
                pc.binary_join_element_wise("time_precision ", code, ""),
                "acled_precision.csv",
                mapped.field("note"),
                "time_precision",
            ),
        ]
        return Converted(columns, issues)

    return Rule(DATE_TARGETS, ("event_date", "time_precision"), convert, doc, keep=True)


_PRECISION_RESULT = pa.struct([("ours", pa.string()), ("lossy", pa.bool_()), ("note", pa.string())])


def _precision(field: str, code: str | None) -> dict[str, object]:
    found = crosswalks.precision("acled", field, (code or "").strip())
    if found is None:
        return {"ours": None, "lossy": False, "note": None}
    return {"ours": found.ours, "lossy": found.lossy, "note": found.note}


def _geo(row: dict[str, str | None]) -> str:
    found = _precision("geo_precision", row.get("precision"))["ours"]
    if found is not None:
        return str(found)
    if row["name"]:
        return "settlement"
    return "country" if row["country"] else "none"


def _place_rule(doc: str) -> Rule:
    base = place_rule(
        ("location", "admin1", "admin2", "country", "latitude", "longitude", "geo_precision"),
        crosswalks.country_iso3,
        _geo,
        doc,
    )

    def convert(batch: Batch, *columns: pa.Array) -> Converted:
        fixed = []
        issues = []
        for name, values in zip(base.sources[:3], columns[:3], strict=True):
            out, issue = repaired(values, name)
            fixed.append(out)
            issues.append(issue)
        converted = base.convert(batch, *fixed, *columns[3:])
        code = pc.utf8_trim_whitespace(columns[6])
        mapped = map_distinct(code, lambda c: _precision("geo_precision", c), _PRECISION_RESULT)
        issues.append(
            lossy_issue(
                mapped.field("lossy"),
                pc.binary_join_element_wise("geo_precision ", code, ""),
                "acled_precision.csv",
                mapped.field("note"),
                "geo_precision",
            )
        )
        converted.issues += issues
        return converted

    return Rule(base.targets, base.sources, convert, doc, keep=True)


def _fatalities(value: str | None) -> list[dict[str, object]] | None:
    try:
        found = fatalities(value)
    except ValueError:
        return None
    return [found] if found else []


def _fatalities_rule(doc: str) -> Rule:
    def convert(batch: Batch, raw: pa.Array) -> Converted:
        parsed = [_fatalities(v) for v in raw.to_pylist()]
        bad = pa.array([p is None and v is not None for p, v in
                        zip(parsed, raw.to_pylist(), strict=True)], pa.bool_())  # fmt: skip
        issue = Issue("import-bad-number", bad, raw, {"name": "fatalities"}, "fatalities")
        return Converted({"events.quantities": quantities(parsed)}, [issue])

    return Rule(("events.quantities",), ("fatalities",), convert, doc, keep=True)


def _sniff(rows: list[list[str]]) -> str | None:
    names = {n.strip().strip('"').lower() for n in (rows[0] if rows else [])}
    if {"event_id_cnty", "event_date", "event_type", "actor1"} <= names:
        return "a header with ACLED's event_id_cnty, event_date, event_type, actor1"
    return None


FORMAT = Format(
    name="acled",
    producer="ACLED",
    producer_version="",
    description="ACLED data exports (CSV with a header, quoted cells; the 2023 layout of 31 "
    "columns, earlier and reduced layouts, HDX exports with a tag row under the header).",
    layouts=(
        Layout(COLUMNS_2023, "export since 2023"),
        Layout(COLUMNS_OLDER, "columns of earlier exports"),
    ),
    header="required",
    delimiter=",",
    required_columns=("event_id_cnty", "event_date", "event_type", "actor1"),
    missing=MISSING,
    id_column="event_id_cnty",
    reader=quoted_csv_reader(tag_row=is_hdx_tag_row, index_column=True),
    sniff=_sniff,
    rules=(
        _date_rule(
            "event_date in any of ACLED's forms (`2020-05-09`, `9-May-20`, `28 December "
            "2022`), checked against the calendar; time_precision through "
            "`acled_precision.csv`: 1 day, 2 (only the week known) the day ACLED gives with "
            "`date_approximate` true, 3 the month."
        ),
        _actor_rule(
            "source_actor",
            "actor1",
            "inter1",
            "**ACLED has no source and target: actor 1 is the source.** The name as given "
            "(cp1252 mojibake repaired, `import-text-repaired`); the code is the country in "
            "the name (`Civilians (Benin)`, `Military Forces of Benin (2016-)`; never the "
            "event's place) and the role from inter1 and the name's prefix "
            "(`acled_actor_types.csv`); inter1 may be the code (`3`, or `3.0` after pandas) "
            "or its text label (`Political militia`, as newer exports write it; any case); "
            "a lossy role is a warning.",
        ),
        _actor_rule(
            "target_actor",
            "actor2",
            "inter2",
            "Actor 2 is the target, by the same rule; `NA` (R) or empty: no target.",
        ),
        _event_rule(
            "event_type and sub_event_type through `acled_event_types.csv` (earlier "
            "exports: event_type alone). A category with no CAMEO action (`Other`, `Change to "
            "group/activity`, `Disrupted weapons use`, pre-2019 `Strategic development`) "
            "rejects the row (`import-category-unmapped`), never given an invented code; a "
            "lossy row is a warning; where the category gives the actors no direction "
            "(`directed` false: battles, agreements) and there is an actor 2, "
            "`import-undirected` says the direction is only ACLED's column order."
        ),
        _place_rule(
            "location, admin1 and admin2 as given (mojibake repaired); country (an English "
            "name) to ISO 3166 (`country_names.csv`, then ISO names); geo_precision through "
            "`acled_precision.csv` (1 settlement; 2 settlement, 3 admin1: lossy)."
        ),
        _fatalities_rule(
            "fatalities as a quantity: unit `fatalities`, qualifier `at_least` (ACLED "
            "records the most conservative reported figure); `NA` none; a value that is "
            "not a whole number rejects the row (`import-bad-number`)."
        ),
        text_source_rule(
            "source",
            "One source per distinct `source` text (`acled-src-<sha256 prefix>`), its "
            "publisher that text (ACLED names publishers, not articles; no URL).",
            publisher="source",
        ),
    ),
    licence="ACLED terms of use (acleddata.com/terms-of-use): redistribution restricted",
    homepage="https://acleddata.com/data-export-tool/",
    notes=(
        "A pandas index column (a first column named `` or `Unnamed: 0`) is dropped "
        "(`import-index-column`); the HDX tag row (`#event+code`...) is skipped "
        "(`import-tag-row`); a truncated last row is rejected (`import-wrong-width`). "
        "Columns a layout lacks are empty. notes, assoc_actor_*, interaction, "
        "civilian_targeting, disorder_type, source_scale, tags and timestamp have no home "
        "in our model and stay verbatim in `provenance.producer_fields`, as do the "
        "category, actor and precision columns a mapping loses.",
    ),
)

"""Rule builders the formats of importers part 2 share (Phoenix, ACLED, UCDP GED, PLOVER):
days in a given form, places from named columns, sources from a reference text, quantities,
crosswalk lookups per distinct value, and the ``import-crosswalk-lossy`` warning.

Like the framework's own rules they work column-wise; a Python function runs once per
distinct value of a batch (``columns.map_distinct``), never once per row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.columns import map_distinct, map_rows, matches, strict_date
from coded_events.importers.dates import DATE_TARGETS, date_columns
from coded_events.importers.format import Batch, Converted, Issue, Rule
from coded_events.importers.places import PLACE_TARGETS, _coordinates, _outside
from coded_events.importers.sources import file_source_id, text_ids
from coded_events.spec import codebook
from coded_events.spec.tables import QUANTITY

__all__ = [
    "QUANTITIES",
    "day_rule",
    "lossy_issue",
    "place_rule",
    "quantities",
    "text_source_rule",
]

QUANTITIES = pa.list_(pa.field("item", QUANTITY, nullable=False))
"""The Arrow type of ``events.quantities``."""

URL = r"^https?://\S+$"


def quantities(lists: Sequence[list[dict[str, Any]] | None]) -> pa.Array:
    """``events.quantities`` from one list of quantity dicts per row (None: [])."""
    return pa.array([q or [] for q in lists], QUANTITIES)


def lossy_issue(
    lossy: pa.Array, category: pa.Array, crosswalk: str, note: pa.Array, column: str
) -> Issue:
    """``import-crosswalk-lossy`` on the rows whose crosswalk row is marked lossy."""
    return Issue(
        "import-crosswalk-lossy",
        pc.fill_null(lossy, False),
        category,
        {"category": pc.fill_null(category, "(none)"), "crosswalk": crosswalk, "note": note},
        column,
    )


def day_rule(column: str, form: str, doc: str, *, keep: bool = False) -> Rule:
    """A day in the strptime ``form`` (``%Y%m%d``), strict; anything else is rejected."""

    def convert(batch: Batch, raw: pa.Array) -> Converted:
        text = pc.utf8_trim_whitespace(raw)
        day = strict_date(text, form)
        bad = Issue("import-bad-date", pc.is_null(day), raw, {"name": column}, column)
        precision = pa.repeat(pa.scalar("day"), len(raw))
        return Converted(date_columns(day, precision), [bad])

    return Rule(DATE_TARGETS, (column,), convert, doc, keep=keep)


def place_rule(
    sources: tuple[str, str, str, str, str, str],
    country: Callable[[str], str | None],
    precision: Callable[[dict[str, str | None]], str],
    doc: str,
    *,
    keep: bool | tuple[str, ...] = True,
) -> Rule:
    """The place from (name, admin1, admin2, country, latitude, longitude) columns (an
    empty string: the format has no such column). ``country`` turns the producer's country
    into ISO 3166-1 alpha-3 (None: unknown, reported); ``precision`` gives our
    geo_precision from the row's values (keys ``name``, ``admin1``, ``admin2``,
    ``country``, ``precision``: the cell of the producer's precision column, the 7th
    source when given)."""
    names = ("name", "admin1", "admin2", "country", "latitude", "longitude")
    used = tuple(s for s in sources if s)
    targets = (*PLACE_TARGETS, "events.location_admin1", "events.location_admin2")

    def convert(batch: Batch, *columns: pa.Array) -> Converted:
        given = dict(
            zip([n for n, s in zip(names, sources[:6], strict=True) if s], columns, strict=False)
        )
        extra = columns[len(given) :]
        length = len(batch)
        nothing = pa.nulls(length, pa.string())
        name, admin1, admin2, country_raw = (given.get(k, nothing) for k in names[:4])
        lat_raw = given.get("latitude", nothing)
        lon_raw = given.get("longitude", nothing)
        lat_name, lon_name = sources[4] or "latitude", sources[5] or "longitude"
        lat, lon, issues = _coordinates(
            pc.coalesce(name, admin2, admin1, country_raw), lat_raw, lon_raw, lat_name, lon_name
        )
        iso = map_distinct(country_raw, lambda v: None if v is None else country(v), pa.string())
        unknown = pc.and_(pc.is_valid(country_raw), pc.is_null(iso))
        issues.append(
            Issue(
                "import-country-unknown",
                unknown,
                country_raw,
                {"name": country_raw, "kind": "country"},
                sources[3],
            )
        )
        outside, issue = _outside(lat, lon, iso, lat_raw, lat_name)
        lat, lon = pc.if_else(outside, None, lat), pc.if_else(outside, None, lon)
        issues.append(issue)
        geo = _geo_precision([name, admin1, admin2, country_raw, *(extra or [nothing])], precision)
        no_place = pc.and_(pc.is_null(pc.coalesce(name, admin2, admin1, iso)), pc.is_null(lat))
        geo = pc.if_else(no_place, "none", geo)
        values = (name, iso, lat, lon, geo, admin1, admin2)
        return Converted(dict(zip(targets, values, strict=True)), issues)

    return Rule(targets, used + sources[6:], convert, doc, keep=keep)


def _geo_precision(
    columns: list[pa.Array], precision: Callable[[dict[str, str | None]], str]
) -> pa.Array:
    """``precision`` of each row's (name, admin1, admin2, country, precision cell), once
    per distinct combination (a null cell and an empty one told apart)."""
    names = ("name", "admin1", "admin2", "country", "precision")

    def decide(*cells: str | None) -> str:
        return precision(dict(zip(names, cells, strict=False)))

    return map_rows(columns, decide, pa.string(), null=None)


def text_source_rule(
    column: str, doc: str, *, publisher: str | None = None, first_url: bool = False
) -> Rule:
    """One source per distinct reference text (ACLED ``source``, UCDP ``source_article``,
    Phoenix ``URLs``): ``url-<sha256 prefix>`` of the first URL when ``first_url`` (the
    same id the GDELT importer gives that URL), else ``<format>-src-<sha256 prefix>`` of
    the text. The text stays verbatim in provenance; ``publisher`` fills
    ``sources.publisher`` from that column."""
    sources = (column, publisher) if publisher and publisher != column else (column,)
    targets = ["events.source_id", "sources.source_id", "sources.url", "provenance.source_url"]
    if publisher:
        targets.append("sources.publisher")

    def convert(batch: Batch, text: pa.Array, *rest: pa.Array) -> Converted:
        if first_url:
            first = pc.utf8_trim_whitespace(pc.list_element(pc.split_pattern(text, ";"), 0))
            first = pc.if_else(pc.equal(first, ""), None, first)
            ids = text_ids("url", first)
            url = pc.if_else(matches(first, URL), first, None)
            reference = first
        else:
            prefix = f"{batch.format.name}-src"
            ids = text_ids(prefix, text)
            url = pa.nulls(len(batch), pa.string())
            reference = text if not first_url else None
        ids = pc.fill_null(ids, file_source_id(batch))
        columns = {
            "events.source_id": ids,
            "sources.source_id": ids,
            "sources.url": url,
            "provenance.source_url": reference if first_url else pa.nulls(len(batch), pa.string()),
        }
        if publisher:
            columns["sources.publisher"] = rest[0] if rest else text
        return Converted(columns)

    return Rule(tuple(targets), sources, convert, doc, keep=True)


def json_cell(value: Any) -> str | None:
    """A JSON value as cell text: a string verbatim, anything else as compact JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def known_code(code: str | None) -> bool:
    """True when ``code`` is a CAMEO actor code of the codebook."""
    if not code:
        return False
    try:
        codebook.actor(code)
    except codebook.UnknownCodeError:
        return False
    return True

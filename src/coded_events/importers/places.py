"""Locations from producer columns: FIPS or country names to ISO 3166, coordinates checked,
``0, 0`` with no place name read as missing, the producer's geographic type as our
``geo_precision``. Feature ids (GDELT: GNS/GNIS ids) are never taken for GeoNames ids:
they stay verbatim in provenance and ``geonames_id`` is left empty.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.columns import lookup, parse_float, row_wise
from coded_events.importers.format import Batch, Converted, Issue, Rule
from coded_events.importers.reference import fips_countries, icews_countries

__all__ = ["GDELT_GEO_TYPES", "gdelt_place_rule", "icews_place_rule"]

GDELT_GEO_TYPES = {
    "1": "country",
    "2": "admin1",
    "3": "settlement",
    "4": "settlement",
    "5": "admin1",
}
"""GDELT ``*Geo_Type`` -> our ``geo_precision``: 1 country, 2 US state, 3 US city, 4 world
city, 5 world state (ADM1)."""

PLACE_TARGETS = tuple(
    f"events.{c}"
    for c in ("location_name", "location_country", "latitude", "longitude", "geo_precision")
)


def _coordinates(
    name: pa.Array, lat_raw: pa.Array, lon_raw: pa.Array, lat_column: str, lon_column: str
) -> tuple[pa.Array, pa.Array, list[Issue]]:
    """Latitude and longitude, null for 0,0 without a place and where out of range."""
    lat, lat_bad = parse_float(lat_raw)
    lon, lon_bad = parse_float(lon_raw)
    lat_bad = pc.or_(lat_bad, pc.fill_null(pc.greater(pc.abs(lat), 90.0), False))
    lon_bad = pc.or_(lon_bad, pc.fill_null(pc.greater(pc.abs(lon), 180.0), False))
    zero = pc.fill_null(pc.and_(pc.equal(lat, 0.0), pc.equal(lon, 0.0)), False)
    nowhere = pc.and_(zero, pc.is_null(name))
    missing = pc.or_(pc.or_(nowhere, pc.is_null(lat)), pc.is_null(lon))
    issues = [
        Issue("import-bad-number", lat_bad, lat_raw, {"name": lat_column}, lat_column),
        Issue("import-bad-number", lon_bad, lon_raw, {"name": lon_column}, lon_column),
        Issue("import-coordinates-missing", nowhere, lat_raw, {}, lat_column),
    ]
    return pc.if_else(missing, None, lat), pc.if_else(missing, None, lon), issues


def _outside(
    lat: pa.Array, lon: pa.Array, iso: pa.Array, lat_raw: pa.Array, lat_column: str
) -> tuple[pa.Array, Issue]:
    """Where the point lies outside the country (the flat validator's own rule,
    ``coordinates-outside-country``), and the issue that reports dropping it."""
    from coded_events.flat.rules import coordinates

    columns = {"latitude": lat, "longitude": lon, "location_country": iso}
    outside = next(h.mask for h in coordinates(columns) if h.code == "coordinates-outside-country")
    outside = pc.fill_null(outside, False)
    return outside, Issue(
        "import-coordinates-outside",
        outside,
        lat_raw,
        {"country": pc.fill_null(iso, "")},
        lat_column,
    )


def _country(
    values: pa.Array, table: Mapping[str, str], column: str, kind: str, normalise: bool = False
) -> tuple[pa.Array, Issue]:
    keys = pc.utf8_lower(values) if normalise else values
    iso = lookup(keys, table, pa.string())
    unknown = pc.and_(pc.is_valid(values), pc.is_null(iso))
    return iso, Issue(
        "import-country-unknown", unknown, values, {"name": column, "kind": kind}, column
    )


def gdelt_place_rule(prefix: str, doc: str) -> Rule:
    """The event's place from GDELT's ``<prefix>_*`` columns (``ActionGeo``)."""
    sources = tuple(f"{prefix}_{p}" for p in ("Type", "FullName", "CountryCode", "Lat", "Long"))

    @row_wise
    def convert(
        batch: Batch,
        kind: pa.Array,
        name: pa.Array,
        country: pa.Array,
        lat_raw: pa.Array,
        lon_raw: pa.Array,
    ) -> Converted:
        lat, lon, issues = _coordinates(name, lat_raw, lon_raw, sources[3], sources[4])
        iso, unknown = _country(country, fips_countries(), sources[2], "FIPS 10-4 code")
        outside, issue = _outside(lat, lon, iso, lat_raw, sources[3])
        lat, lon = pc.if_else(outside, None, lat), pc.if_else(outside, None, lon)
        issues.append(issue)
        precision = lookup(pc.utf8_trim_whitespace(kind), GDELT_GEO_TYPES, pa.string())
        no_place = pc.and_(pc.is_null(name), pc.is_null(lat))
        precision = pc.if_else(pc.or_(no_place, pc.is_null(precision)), "none", precision)
        columns = dict(zip(PLACE_TARGETS, (name, iso, lat, lon, precision), strict=True))
        return Converted(columns, [*issues, unknown])

    return Rule(PLACE_TARGETS, sources, convert, doc, keep=(sources[0], *sources[2:]))


def icews_place_rule(doc: str) -> Rule:
    """The event's place from ICEWS City, District, Province, Country and coordinates:
    the name is the most precise of City, District, Province, Country."""
    sources = ("City", "District", "Province", "Country", "Latitude", "Longitude")

    @row_wise
    def convert(
        batch: Batch,
        city: pa.Array,
        district: pa.Array,
        province: pa.Array,
        country: pa.Array,
        lat_raw: pa.Array,
        lon_raw: pa.Array,
    ) -> Converted:
        name = pc.coalesce(city, district, province, country)
        lat, lon, issues = _coordinates(name, lat_raw, lon_raw, "Latitude", "Longitude")
        iso, unknown = _country(
            country, icews_countries(), "Country", "country name", normalise=True
        )
        outside, issue = _outside(lat, lon, iso, lat_raw, "Latitude")
        lat, lon = pc.if_else(outside, None, lat), pc.if_else(outside, None, lon)
        issues.append(issue)
        precision = pc.if_else(
            pc.is_valid(city),
            "settlement",
            pc.if_else(
                pc.is_valid(district),
                "admin2",
                pc.if_else(
                    pc.is_valid(province),
                    "admin1",
                    pc.if_else(pc.is_valid(country), "country", "none"),
                ),
            ),
        )
        precision = pc.if_else(pc.and_(pc.is_null(name), pc.is_null(lat)), "none", precision)
        columns = dict(zip(PLACE_TARGETS, (name, iso, lat, lon, precision), strict=True))
        columns |= {"events.location_admin1": province, "events.location_admin2": district}
        return Converted(columns, [*issues, unknown])

    targets = (*PLACE_TARGETS, "events.location_admin1", "events.location_admin2")
    return Rule(targets, sources, convert, doc, keep=sources[3:])

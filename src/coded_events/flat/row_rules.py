"""Cross-column rules of one row, as the record model states them.

Coordinates (both or neither, inside the country's box), a source actor that is also the
target, quotes and their offsets, a link to its own event, and the items of
``quantities``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat.rule_base import Columns, Hit, cell, encoded, template, text
from coded_events.records.checks import consistency
from coded_events.spec import vocabulary


@cache
def _boxes() -> dict[str, pa.Array]:
    boxes = consistency.country_bboxes()
    names = list(boxes)
    return {
        "country": pa.array(names),
        **{key: pa.array([getattr(boxes[n], key) for n in names], pa.float64())
           for key in ("min_lat", "max_lat", "min_lon", "max_lon")},
    }  # fmt: skip


def coordinates(cols: Columns) -> Iterator[Hit]:
    """Both coordinates or neither; the point inside the country's box (plus a margin)."""
    lat, lon = cols["latitude"], cols["longitude"]
    for present, missing, column in ((lat, lon, "longitude"), (lon, lat, "latitude")):
        other = "latitude" if column == "longitude" else "longitude"
        yield Hit(
            "coordinates-incomplete",
            column,
            pc.and_(pc.is_valid(present), pc.is_null(missing)),
            lambda row, o=other, c=column: template("coordinates-incomplete", present=o, missing=c),
        )
    if "location_country" not in cols:
        return
    boxes, margin = _boxes(), consistency.BBOX_MARGIN
    country = encoded(cols["location_country"])
    index = pc.index_in(country.dictionary, boxes["country"]).take(country.indices)
    box = {k: boxes[k].take(index) for k in ("min_lat", "max_lat", "min_lon", "max_lon")}
    lat_in = pc.and_(
        pc.greater_equal(lat, pc.subtract(box["min_lat"], margin)),
        pc.less_equal(lat, pc.add(box["max_lat"], margin)),
    )
    west, east = pc.subtract(box["min_lon"], margin), pc.add(box["max_lon"], margin)

    def between(values: pa.Array) -> pa.Array:
        return pc.and_(pc.greater_equal(values, west), pc.less_equal(values, east))

    plain = pc.or_(
        pc.or_(between(lon), between(pc.add(lon, 360.0))), between(pc.subtract(lon, 360.0))
    )
    crossing = pc.or_(pc.greater_equal(lon, west), pc.less_equal(lon, east))
    normal = pc.and_(
        pc.less_equal(box["min_lon"], box["max_lon"]), pc.less(pc.subtract(east, west), 360.0)
    )
    inside = pc.and_(lat_in, pc.if_else(normal, plain, crossing))
    in_range = pc.and_(
        pc.and_(pc.greater_equal(lat, -90.0), pc.less_equal(lat, 90.0)),
        pc.and_(pc.greater_equal(lon, -180.0), pc.less_equal(lon, 180.0)),
    )
    outside = pc.and_(pc.and_(pc.is_valid(index), in_range), pc.invert(inside))
    names = text(cols["location_country"])

    def describe(row: int) -> Finding:
        b = {k: cell(v, row) for k, v in box.items()}
        shown = f"lat {b['min_lat']}..{b['max_lat']}, lon {b['min_lon']}..{b['max_lon']}"
        latitude = cell(lat, row)
        return template(
            "coordinates-outside-country",
            latitude,
            lat=latitude,
            lon=cell(lon, row),
            country=cell(names, row),
            box=shown,
        )

    yield Hit("coordinates-outside-country", "latitude", outside, describe)


def _folded(names: pa.Array) -> pa.Array:
    return pc.utf8_lower(pc.utf8_trim_whitespace(text(names)))


def same_values(left: pa.Array, right: pa.Array) -> pa.Array:
    """Rows where two string columns are equal, compared as dictionary indices."""
    a, b = encoded(left), encoded(right)
    b_in_a = pc.index_in(b.dictionary, a.dictionary).take(b.indices)
    return pc.equal(pc.cast(a.indices, pa.int64()), pc.cast(b_in_a, pa.int64()))


def same_actor(cols: Columns) -> Iterator[Hit]:
    """Source and target with the same code and the same name (case and spaces aside)."""
    same_code = pc.fill_null(same_values(cols["source_actor_code"], cols["target_actor_code"]),
                             False)  # fmt: skip
    if not pc.any(same_code).as_py():
        return
    rows = pc.indices_nonzero(same_code)
    names = [text(cols[c]).take(rows) for c in ("source_actor_name", "target_actor_name")]
    same_name = pc.fill_null(pc.equal(_folded(names[0]), _folded(names[1])), False)
    flags = np.zeros(len(same_code), dtype=bool)  # scatter the hits back to their rows
    flags[pc.filter(rows, same_name).to_numpy()] = True
    bad = pa.array(flags)
    target, shown = text(cols["target_actor_code"]), text(cols["target_actor_name"])
    yield Hit(
        "target-equals-source",
        "target_actor_code",
        bad,
        lambda row: template("target-equals-source", code=cell(target, row), name=cell(shown, row)),
    )


def quotes(cols: Columns) -> Iterator[Hit]:
    quote = text(cols["quote"])
    blank = pc.and_(pc.equal(pc.utf8_trim_whitespace(quote), ""), pc.not_equal(quote, ""))
    yield Hit("quote-blank", "quote", blank, lambda row: template("quote-blank"))
    start, end = cols["char_start"], cols["char_end"]
    bad = pc.less_equal(end, start)
    yield Hit(
        "quote-offsets-invalid",
        "char_end",
        bad,
        lambda row: template(
            "quote-offsets-invalid",
            cell(end, row),
            start=cell(start, row),
            end=cell(end, row),
            length="?",
            where=" (the flat tables do not hold the source text)",
        ),
    )


def self_links(cols: Columns) -> Iterator[Hit]:
    """A link must not point at the event that holds it."""
    target, kind = text(cols["target_event_id"]), cols.get("type")
    yield Hit(
        "link-to-self",
        "target_event_id",
        pc.equal(text(cols["event_id"]), target),
        lambda row: template(
            "link-to-self",
            cell(target, row),
            type=cell(kind, row) if kind is not None else "?",
        ),
    )


_QUALIFIERS = [q.value for q in vocabulary.Qualifier]


def quantities(cols: Columns) -> Iterator[Hit]:
    """Each quantity (a list of structs; CSV JSON is parsed by the reader): value, unit and
    qualifier present, the value finite, the unit not empty, the qualifier known."""
    column = cols["quantities"]
    items = pc.list_flatten(column)
    if len(items) == 0:
        return
    parents = pc.list_parent_indices(column)
    value = pc.cast(pc.struct_field(items, "value"), pa.float64())
    unit, qualifier = (text(pc.struct_field(items, n)) for n in ("unit", "qualifier"))
    checks = [
        ("missing-field", pc.is_null(value), "value"),
        ("missing-field", pc.is_null(unit), "unit"),
        ("missing-field", pc.is_null(qualifier), "qualifier"),
        ("non-finite-number", pc.or_(pc.is_nan(value), pc.is_inf(value)), "value"),
        (
            "invalid-enum",
            pc.and_(pc.is_valid(qualifier), pc.invert(pc.is_in(qualifier, pa.array(_QUALIFIERS)))),
            "qualifier",
        ),
        ("empty-value", pc.equal(unit, ""), "unit"),
    ]
    shown = {"value": value, "unit": unit, "qualifier": qualifier}
    rows = len(column)
    for code, bad, name in checks:
        bad = pc.fill_null(bad, False)
        if not pc.any(bad).as_py():
            continue
        mask = pc.is_in(pa.array(range(rows), pa.int64()),
                        pc.cast(pc.filter(parents, bad), pa.int64()))  # fmt: skip

        def describe(row: int, code: str = code, bad: pa.Array = bad, name: str = name) -> Finding:
            here = pc.and_(pc.equal(parents, row), bad)
            value = pc.filter(shown[name], here)[0].as_py()
            if code == "missing-field":
                return template(code, name=f"{name!r} (of a quantity)")
            if code == "empty-value":
                return template(code, what=f"{name!r}")
            if code == "non-finite-number":
                return template(code, value, token=repr(value))
            return template(code, value, value=repr(value), expected=", ".join(_QUALIFIERS))

        yield Hit(code, "quantities", mask, describe)

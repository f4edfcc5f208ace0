"""The Vega-Lite specs of the explorer's three views: timeline, map and actor network.

Plain dicts, written out, with no generated names, counters or timestamps, so the same
dataset gives the same spec bytes. Each layer has a ``name``; Vega-Lite names its marks
``<name>_marks``, which the page and its tests count. The data come at view time from
the page (named data ``events``, ``edges``, ``actors``); the selected event is the
parameter ``selected_id``, set by the page.
"""

from __future__ import annotations

import math
from typing import Any

from coded_events.spec.codebook import QUAD_LABELS

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
QUAD_DOMAIN = [f"{q} {label}" for q, label in sorted(QUAD_LABELS.items())]
QUAD_COLOURS = ["#4e79a7", "#59a14f", "#f28e2b", "#e15759"]
SELECTED = "datum.id === selected_id"

# geo precision -> (circle area in px^2, opacity): a site is small and solid, a region or a
# country large and faint.
GEO_MARKS = {
    "exact_site": (40, 0.95),
    "settlement": (70, 0.8),
    "admin2": (160, 0.55),
    "admin1": (320, 0.4),
    "region": (700, 0.3),
    "country": (1400, 0.22),
    "multi_country": (2400, 0.15),
    "none": (2400, 0.15),
}
MAP_SIZE = (560, 400)


def _geo_scale(which: int) -> dict[str, Any]:
    """Geo precision -> circle area (``which`` 0) or opacity (1)."""
    return {
        "type": "ordinal",
        "domain": list(GEO_MARKS),
        "range": [marks[which] for marks in GEO_MARKS.values()],
    }


NETWORK_SIZE = 440


def _quad_colour(field: str = "quad_label") -> dict[str, Any]:
    return {
        "field": field,
        "type": "nominal",
        "title": "QuadClass",
        "scale": {"domain": QUAD_DOMAIN, "range": QUAD_COLOURS},
    }


def _tooltip() -> dict[str, str]:
    """One string per event (built by the page): cheaper to draw than a field list."""
    return {"field": "tip", "type": "nominal"}


def _base(title: str, width: int | str, height: int) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start", "fontSize": 14},
        "width": width,
        "height": height,
        "background": "white",
        "params": [{"name": "selected_id", "value": None}],
        "config": {
            "view": {"stroke": None},
            "legend": {"orient": "bottom", "direction": "vertical"},
        },
    }


def timeline(event_count: int) -> dict[str, Any]:
    """Each event at its real extent: a point for a day, a bar for a month or a range."""
    height = min(420, max(160, 14 * event_count))
    x = {
        "field": "t0",
        "type": "temporal",
        "scale": {"type": "utc"},
        "axis": {"title": None, "format": "%b %Y", "labelOverlap": True},
    }
    y = {
        "field": "row",
        "type": "quantitative",
        "axis": None,
        "scale": {"domain": [-1, max(event_count, 1)], "reverse": True, "nice": False},
    }
    approx = {
        "field": "approx_label",
        "type": "nominal",
        "title": "Date",
        "scale": {"domain": ["as given", "approximate"]},
    }
    width_if_selected = {"condition": {"test": SELECTED, "value": 7}, "value": 3}
    spec = _base("Timeline", "container", height)
    spec["data"] = {"name": "events"}
    spec["layer"] = [
        {
            "name": "timeline_ranges",
            "transform": [{"filter": "!datum.point"}],
            "mark": {"type": "rule", "strokeCap": "butt"},
            "encoding": {
                "x": x,
                "x2": {"field": "t1"},
                "y": y,
                "color": _quad_colour(),
                "strokeDash": {
                    **approx,
                    "scale": {**approx["scale"], "range": [[1, 0], [4, 2]]},
                },
                "strokeWidth": width_if_selected,
                "tooltip": _tooltip(),
            },
        },
        {
            "name": "timeline_days",
            "transform": [{"filter": "datum.point"}],
            "mark": {"type": "point", "filled": True},
            "encoding": {
                "x": x,
                "y": y,
                "color": _quad_colour(),
                "shape": {**approx, "scale": {**approx["scale"], "range": ["circle", "diamond"]}},
                "size": {"condition": {"test": SELECTED, "value": 220}, "value": 60},
                "tooltip": _tooltip(),
            },
        },
    ]
    return spec


def _projection(events: list[dict[str, Any]]) -> dict[str, Any]:
    """A Mercator projection framing the events' coordinates (the world without any)."""
    points = [(e["lon"], e["lat"]) for e in events if e["lat"] is not None and e["lon"] is not None]
    lons = [p[0] for p in points] or [-170.0, 170.0]
    lats = [p[1] for p in points] or [-55.0, 70.0]
    west, east = min(lons), max(lons)
    south, north = max(min(lats), -80.0), min(max(lats), 80.0)
    span = max(east - west, 8.0) * 1.3

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width, height = MAP_SIZE
    y_span = max(abs(mercator_y(north) - mercator_y(south)), math.radians(8.0)) * 1.3
    scale = min(width / math.radians(span), height / y_span)
    middle_y = (mercator_y(north) + mercator_y(south)) / 2
    middle = math.degrees(2 * math.atan(math.exp(middle_y)) - math.pi / 2)
    return {
        "type": "mercator",
        "center": [round((west + east) / 2, 4), round(middle, 4)],
        "scale": round(scale, 3),
        "translate": [width / 2, height / 2],
    }


def world_map(events: list[dict[str, Any]], shapes: dict[str, Any]) -> dict[str, Any]:
    """Events at their coordinates over country outlines; mark size shows geo precision."""
    width, height = MAP_SIZE
    spec = _base("Map", width, height)
    spec["projection"] = _projection(events)
    spec["layer"] = [
        {
            "name": "map_countries",
            "data": {"values": shapes, "format": {"type": "topojson", "feature": "countries"}},
            "mark": {
                "type": "geoshape",
                "fill": "#eeeeea",
                "stroke": "#9a9a94",
                "strokeWidth": 0.6,
                "clip": True,
            },
        },
        {
            "name": "map_events",
            "data": {"name": "events"},
            "transform": [{"filter": "isValid(datum.lat) && isValid(datum.lon)"}],
            "mark": {"type": "circle", "clip": True, "stroke": "#333", "strokeWidth": 0.3},
            "encoding": {
                "longitude": {"field": "lon", "type": "quantitative"},
                "latitude": {"field": "lat", "type": "quantitative"},
                "color": _quad_colour(),
                "size": {
                    "field": "geo_precision",
                    "type": "ordinal",
                    "title": "Geo precision",
                    "legend": {"columns": 4},
                    "scale": _geo_scale(0),
                },
                "opacity": {
                    "condition": {"test": SELECTED, "value": 1},
                    "field": "geo_precision",
                    "type": "ordinal",
                    "title": "Geo precision",
                    "legend": {"columns": 4},
                    "scale": _geo_scale(1),
                },
                "strokeWidth": {"condition": {"test": SELECTED, "value": 3}, "value": 0.3},
                "tooltip": _tooltip(),
            },
        },
    ]
    return spec


UNIT_AXIS = {"type": "quantitative", "axis": None, "scale": {"domain": [0, 1], "nice": False}}
NODE_X, NODE_Y = {"field": "x", **UNIT_AXIS}, {"field": "y", **UNIT_AXIS}


def _edge_layers() -> list[dict[str, Any]]:
    """Edges as rules, as wide as their events, with an arrowhead towards the target."""
    on_edge = "indexof(datum.ids, selected_id) >= 0"
    edges = {
        "name": "network_edges",
        "data": {"name": "edges"},
        "mark": {"type": "rule", "opacity": 0.75},
        "encoding": {
            "x": NODE_X,
            "y": NODE_Y,
            "x2": {"field": "x2"},
            "y2": {"field": "y2"},
            "color": _quad_colour(),
            "strokeWidth": {
                "condition": {"test": on_edge, "value": 7},
                "field": "count",
                "type": "quantitative",
                "legend": None,
                "scale": {"range": [1, 6], "zero": False},
            },
            "tooltip": [
                {"field": "src", "title": "source"},
                {"field": "tgt", "title": "target"},
                {"field": "quad_label", "title": "QuadClass"},
                {"field": "count", "title": "events"},
            ],
        },
    }
    arrows = {
        "name": "network_arrows",
        "data": {"name": "edges"},
        "mark": {"type": "point", "shape": "triangle", "filled": True, "size": 60},
        "encoding": {
            "x": {"field": "ax", **UNIT_AXIS},
            "y": {"field": "ay", **UNIT_AXIS},
            "angle": {"field": "angle", "type": "quantitative", "scale": None},
            "color": {**_quad_colour(), "legend": None},
        },
    }
    return [edges, arrows]


def _node_layers() -> list[dict[str, Any]]:
    """Actors as circles, as large as their events, labelled with their codes."""
    nodes = {
        "name": "network_nodes",
        "data": {"name": "actors"},
        "mark": {"type": "circle", "color": "#555", "opacity": 0.85},
        "encoding": {
            "x": NODE_X,
            "y": NODE_Y,
            "size": {
                "field": "count",
                "type": "quantitative",
                "title": "Events",
                "scale": {"range": [60, 900]},
            },
            "tooltip": [
                {"field": "code", "title": "actor"},
                {"field": "name_text", "title": "names"},
                {"field": "count", "title": "events"},
            ],
        },
    }
    labels = {
        "name": "network_labels",
        "data": {"name": "actors"},
        "mark": {"type": "text", "dy": -14, "fontSize": 11, "fontWeight": "bold"},
        "encoding": {"x": NODE_X, "y": NODE_Y, "text": {"field": "code"}},
    }
    return [nodes, labels]


def network() -> dict[str, Any]:
    """Actors as nodes (sized by their events), events as directed edges source -> target,
    one per QuadClass, as wide as their number of events."""
    spec = _base("Actor network", NETWORK_SIZE, NETWORK_SIZE)
    spec["layer"] = _edge_layers() + _node_layers()
    return spec


def all_specs(events: list[dict[str, Any]], shapes: dict[str, Any]) -> dict[str, Any]:
    """view id -> its Vega-Lite spec."""
    return {
        "timeline": timeline(len(events)),
        "map": world_map(events, shapes),
        "network": network(),
    }

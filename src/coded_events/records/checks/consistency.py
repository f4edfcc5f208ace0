"""Consistency layer: values that are each valid but do not agree with one another.

The codes say nothing about JSON, so a column-wise validator of the flat tables can
report the same codes; ``country_bbox`` and ``in_bbox`` are shared with it.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, NamedTuple

from coded_events.findings import Finding, pointer_of
from coded_events.records.checks.base import Document
from coded_events.spec import codebook
from coded_events.spec.catalogue.consistency import CHECKS
from coded_events.spec.vocabulary import CONTROL_CHARACTERS_PATTERN, Precision, Status, last_day

if TYPE_CHECKING:
    from coded_events.spec.models import Event, Source

BBOX_MARGIN = 0.5  # degrees added around each country's box
FORWARD_STATUSES = {Status.planned, Status.demanded, Status.threatened}


CONTROL = re.compile(CONTROL_CHARACTERS_PATTERN)
"""The C0 control characters that text must not contain (all but tab, LF and CR)."""
# In JSON text a control character can only appear escaped (json.loads refuses raw ones).
_ESCAPED_CONTROL = re.compile(r"\\(?:u00[01][0-9a-fA-F]|[bf])")


def control_character(file: str, pointer: str, value: str) -> Finding | None:
    """The finding for a string holding a control character (None when it holds none)."""
    hit = CONTROL.search(value)
    if hit is None:
        return None
    char = f"U+{ord(hit.group()):04X}"
    return CHECKS["control-character"].finding(file, pointer, value, char=char, at=hit.start())


def control_characters(doc: Document) -> list[Finding]:
    """Every string of the document (keys too) that holds a control character."""
    if doc.text is not None and not _ESCAPED_CONTROL.search(doc.text):
        return []  # the common case: one scan of the text, no walk
    out: list[Finding] = []
    stack: list[tuple[Any, tuple[object, ...]]] = [(doc.data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                found = control_character(doc.file, pointer_of((*path, key)), key)
                out += [found] if found else []
                stack.append((child, (*path, key)))
        elif isinstance(value, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(value))
        elif isinstance(value, str):
            found = control_character(doc.file, pointer_of(path), value)
            out += [found] if found else []
    return out


class Box(NamedTuple):
    """A country's bounding box; ``min_lon > max_lon`` when it crosses the antimeridian."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


@cache
def country_bboxes() -> dict[str, Box]:
    """ISO alpha-3 -> bounding box, from the shipped ``country_bbox.csv``."""
    text = files("coded_events.codebook_data").joinpath("country_bbox.csv").read_text("utf-8")
    return {
        r["alpha_3"]: Box(
            float(r["min_lat"]), float(r["max_lat"]), float(r["min_lon"]), float(r["max_lon"])
        )
        for r in csv.DictReader(text.splitlines())
    }


def in_bbox(box: Box, lat: float, lon: float, margin: float = BBOX_MARGIN) -> bool:
    """Whether the point lies in the box widened by ``margin`` degrees."""
    if not box.min_lat - margin <= lat <= box.max_lat + margin:
        return False
    west, east = box.min_lon - margin, box.max_lon + margin
    if box.min_lon <= box.max_lon and east - west < 360:
        return west <= lon <= east or west <= lon + 360 <= east or west <= lon - 360 <= east
    return lon >= west or lon <= east  # crosses the antimeridian


_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
MONTH_CUE = re.compile(rf"\b{_MONTHS}\b|\b(?:this|last|next) month\b", re.IGNORECASE)
DAY_CUE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\b|\b{_MONTHS}\.?\s+\d{{1,2}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(?:today|yesterday|tomorrow|tonight|this morning|last night)\b",
    re.IGNORECASE,
)


def _date_checks(doc: Document, index: int, event: Event, source: Source | None) -> list[Finding]:
    out = []
    date = event.date
    base = ("events", index, "date")
    if date.end is not None and last_day(date.end) < date.first_day:
        out.append(
            CHECKS["date-range-reversed"].finding(
                doc.file, pointer_of((*base, "end")), date.end, start=date.start, end=date.end
            )
        )
    if (
        source is not None
        and event.status not in FORWARD_STATUSES
        and date.first_day > last_day(source.published)
    ):
        out.append(
            CHECKS["event-after-publication"].finding(
                doc.file,
                pointer_of((*base, "start")),
                date.start,
                date=date.start,
                published=source.published,
                status=event.status.value,
            )
        )
    quotes = " ".join(e.quote for e in event.evidence)
    if (
        date.precision is Precision.day
        and date.note is None
        and MONTH_CUE.search(quotes)
        and not DAY_CUE.search(quotes)
    ):
        out.append(
            CHECKS["date-more-precise-than-evidence"].finding(
                doc.file, pointer_of((*base, "start")), date.start, date=date.start
            )
        )
    return out


def _location_checks(doc: Document, index: int, event: Event) -> list[Finding]:
    place = event.location
    base = ("events", index, "location")
    lat, lon = place.latitude, place.longitude
    if (lat is None) != (lon is None):
        present, missing = ("latitude", "longitude") if lon is None else ("longitude", "latitude")
        return [
            CHECKS["coordinates-incomplete"].finding(
                doc.file, pointer_of((*base, missing)), present=present, missing=missing
            )
        ]
    box = country_bboxes().get(place.country or "")
    if lat is None or lon is None or box is None or in_bbox(box, lat, lon):
        return []
    shown = f"lat {box.min_lat}..{box.max_lat}, lon {box.min_lon}..{box.max_lon}"
    return [
        CHECKS["coordinates-outside-country"].finding(
            doc.file,
            pointer_of((*base, "latitude")),
            lat,
            lat=lat,
            lon=lon,
            country=place.country,
            box=shown,
        )
    ]


def derived_values(code: str) -> dict[str, Any]:
    """The values a coder may type for ``code``, as the codebook gives them."""
    entry = codebook.event(code)
    return {
        "label": entry.label,
        "root_code": entry.root_code,
        "quad_class": entry.quad_class,
        "goldstein": entry.goldstein,
    }


def _typed_value_checks(doc: Document, index: int, event: Event) -> list[Finding]:
    out = []
    action = event.action
    for name, expected in derived_values(action.code).items():
        typed = getattr(action, name)
        if typed is None:
            continue
        same = (
            expected is not None and abs(typed - expected) < 1e-9
            if name == "goldstein"
            else typed == expected
        )
        if not same:
            out.append(
                CHECKS["derived-value-mismatch"].finding(
                    doc.file,
                    pointer_of(("events", index, "action", name)),
                    typed,
                    name=f"action.{name}",
                    value=repr(typed),
                    expected=repr(expected) if expected is not None else "no value",
                    code=action.code,
                )
            )
    return out


def _actor_checks(doc: Document, index: int, event: Event) -> list[Finding]:
    source, target = event.source_actor, event.target_actor
    if target is None or target.code != source.code:
        return []
    if target.name.strip().casefold() != source.name.strip().casefold():
        return []
    return [
        CHECKS["target-equals-source"].finding(
            doc.file,
            pointer_of(("events", index, "target_actor")),
            code=target.code,
            name=target.name,
        )
    ]


def run(doc: Document) -> list[Finding]:
    """Consistency findings over the events that passed the models, and control
    characters anywhere in the document."""
    out: list[Finding] = control_characters(doc)
    for index, event in doc.events:
        out += _date_checks(doc, index, event, doc.source)
        out += _location_checks(doc, index, event)
        out += _typed_value_checks(doc, index, event)
        out += _actor_checks(doc, index, event)
    return out

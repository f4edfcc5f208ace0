"""Hypothesis strategies that build valid source documents (the current schema version).

Other projects can import them to test their code against our schema::

    from hypothesis import given
    from coded_events.strategies import source_documents

    @given(source_documents())
    def test_my_reader(document): ...

Generated documents are valid against the models and the JSON Schema. Evidence quotes
are drawn from a generated source text, which ``source_documents_with_text`` returns
alongside, so that quote offsets are right too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as missing:  # an extra: the default install does not bring Hypothesis
    raise ImportError(
        "coded_events.strategies needs Hypothesis: pip install 'coded-events[hypothesis]'"
    ) from missing

from coded_events.spec import codebook
from coded_events.spec.models import Certainty, GeoPrecision, LinkType, Qualifier, Status
from coded_events.spec.versions import SCHEMA_VERSION

__all__ = [
    "actor_codes",
    "event_codes",
    "events",
    "iso_dates",
    "source_documents",
    "source_documents_with_text",
]

_slug = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
# Text as the validator accepts it: UTF-8, no C0 control character but tab, LF and CR
_characters = st.characters(
    codec="utf-8",
    exclude_categories=("Cs",),
    exclude_characters="".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"),
)
_text = st.text(alphabet=_characters, min_size=1, max_size=40)


def event_codes() -> st.SearchStrategy[str]:
    """CAMEO event codes from the codebook (leading zeros kept)."""
    return st.sampled_from(sorted(codebook.event_codes()))


def actor_codes() -> st.SearchStrategy[str]:
    """Valid CAMEO actor codes: a country or region plus zero to two role segments."""
    countries = sorted(codebook.actor_countries())
    roles = sorted(codebook.actor_roles())
    return st.builds(
        lambda first, rest: first + "".join(rest),
        st.sampled_from(countries),
        st.lists(st.sampled_from(roles), max_size=2),
    )


@st.composite
def iso_dates(draw: st.DrawFn) -> dict[str, Any]:
    """An event date: reduced-precision start, sometimes a later end."""
    day = draw(st.dates(min_value=dt.date(1946, 1, 1), max_value=dt.date(2030, 12, 31)))
    precision = draw(st.sampled_from([4, 7, 10]))
    date: dict[str, Any] = {"start": day.isoformat()[:precision]}
    if draw(st.booleans()):
        later = day + dt.timedelta(days=draw(st.integers(0, 800)))
        date["end"] = later.isoformat()[:precision]
    if draw(st.booleans()):
        date["approximate"] = draw(st.booleans())
    if draw(st.booleans()):
        date["note"] = draw(_text)
    return date


@st.composite
def _actor(draw: st.DrawFn) -> dict[str, Any]:
    actor: dict[str, Any] = {"code": draw(actor_codes()), "name": draw(_text)}
    if draw(st.booleans()):
        actor["ethnic"] = draw(st.sampled_from(sorted(codebook.ethnic_groups())))
    if draw(st.booleans()):
        actor["religion"] = draw(st.sampled_from(sorted(codebook.religions())))
    return actor


@st.composite
def _location(draw: st.DrawFn) -> dict[str, Any]:
    precision = draw(st.sampled_from([p.value for p in GeoPrecision]))
    location: dict[str, Any] = {"name": draw(_text), "geo_precision": precision}
    if precision != "multi_country" or draw(st.booleans()):
        location["country"] = draw(st.sampled_from(sorted(codebook.iso_countries())))
    if precision != "none":
        location["latitude"] = draw(st.floats(-90, 90, allow_nan=False))
        location["longitude"] = draw(st.floats(-180, 180, allow_nan=False))
    if draw(st.booleans()):
        location["admin1"] = draw(_text)
    return location


@st.composite
def events(draw: st.DrawFn, text: str, event_id: str) -> dict[str, Any]:
    """One valid event whose evidence quotes are slices of ``text``."""
    quotes = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        quotes.append({"quote": text[start:end], "char_start": start, "char_end": end})
    event: dict[str, Any] = {
        "event_id": event_id,
        "date": draw(iso_dates()),
        "source_actor": draw(_actor()),
        "action": {"code": draw(event_codes())},
        "location": draw(_location()),
        "certainty": draw(st.sampled_from([c.value for c in Certainty])),
        "status": draw(st.sampled_from([s.value for s in Status])),
        "evidence": quotes,
        "coder": draw(_text),
    }
    if draw(st.booleans()):
        event["target_actor"] = draw(_actor())
    if draw(st.booleans()):
        event["quantities"] = [
            {
                "value": draw(st.floats(0, 1e9, allow_nan=False)),
                "unit": draw(_text),
                "qualifier": draw(st.sampled_from([q.value for q in Qualifier])),
            }
        ]
    if draw(st.booleans()):
        event["notes"] = draw(_text)
    return event


@st.composite
def source_documents_with_text(draw: st.DrawFn, max_events: int = 5) -> tuple[dict[str, Any], str]:
    """A valid source document (as JSON-ready dict) and the source text it quotes."""
    text = draw(st.text(alphabet=_characters, min_size=1, max_size=400))
    source_id = draw(_slug)
    published = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 1, 1)))
    count = draw(st.integers(0, max_events))
    document = {
        "schema_version": SCHEMA_VERSION,
        "source": {
            "source_id": source_id,
            "title": draw(_text),
            "publisher": draw(_text),
            "published": published.isoformat(),
            "language": draw(st.sampled_from(["en", "ru", "hy", "az", "ka"])),
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
        "events": [draw(events(text, f"{source_id}-{i:04d}")) for i in range(count)],
    }
    ids = [event["event_id"] for event in document["events"]]
    for event in document["events"]:  # typed links to other events of the document
        others = [i for i in ids if i != event["event_id"]]
        if others and draw(st.booleans()):
            event["links"] = [
                {"type": draw(st.sampled_from([t.value for t in LinkType])), "event_id": other}
                for other in draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
            ]
    return document, text


def source_documents(max_events: int = 5) -> st.SearchStrategy[dict[str, Any]]:
    """Valid source documents as JSON-ready dicts."""
    return source_documents_with_text(max_events=max_events).map(lambda pair: pair[0])

"""Codebook layer: every code is one the CAMEO codebook and ISO 3166 know.

The codes of this layer say nothing about JSON, so that a column-wise validator of the
flat tables can report the same codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coded_events.findings import Finding, pointer_of
from coded_events.records.checks.base import Document
from coded_events.spec import codebook
from coded_events.spec.catalogue.codebook import CHECKS


def _closest(value: str, table: dict[str, Any]) -> str:
    found = codebook.closest(value, table)
    return f" (closest: {', '.join(found)})" if found else ""


def padded(code: str) -> str | None:
    """The codebook code that ``code`` becomes when its lost leading zeros are restored."""
    if not code.isdigit():
        return None
    for width in (2, 3, 4):
        candidate = code.zfill(width)
        if candidate != code and candidate in codebook.event_codes():
            return candidate
    return None


def event_code(value: Any, file: str, pointer: str) -> Iterator[Finding]:
    """Findings about one event code value."""
    codes = codebook.event_codes()
    if isinstance(value, int) and not isinstance(value, bool):
        fixed = padded(str(value)) or str(value)
        yield CHECKS["event-code-not-string"].finding(
            file, pointer, value, value=value, fixed=fixed
        )
        return
    if not isinstance(value, str):
        return
    if value not in codes:
        fixed = padded(value)
        if fixed:
            yield CHECKS["event-code-lost-leading-zero"].finding(
                file, pointer, value, value=repr(value), fixed=fixed
            )
        else:
            yield CHECKS["unknown-event-code"].finding(
                file, pointer, value, value=repr(value), closest=_closest(value, codes)
            )
        return
    entry = codes[value]
    if entry.deprecated:
        yield CHECKS["deprecated-event-code"].finding(
            file,
            pointer,
            value,
            value=repr(value),
            since=entry.deprecated_since,
            note=entry.deprecation_note or "",
            replacement=f"{entry.replaced_by} ({codebook.event(entry.replaced_by).label})"
            if entry.replaced_by
            else "a current code",
        )


def actor_code(value: Any, file: str, pointer: str) -> Iterator[Finding]:
    """Findings about one actor code value."""
    if not isinstance(value, str):
        return
    try:
        codebook.actor(value)
    except codebook.UnknownCodeError as error:
        if error.kind != "CAMEO actor segment":
            yield CHECKS["malformed-actor-code"].finding(file, pointer, value, value=repr(value))
            return
        position = error.position or 1
        check = CHECKS["unknown-actor-country" if position == 1 else "unknown-actor-role"]
        closest = f" (closest: {', '.join(error.suggestions)})" if error.suggestions else ""
        yield check.finding(
            file,
            pointer,
            value,
            value=repr(value),
            segment=error.code,
            position=position,
            closest=closest,
        )


def _lookup(code: str, table: dict[str, Any]):
    def check(value: Any, file: str, pointer: str) -> Iterator[Finding]:
        if isinstance(value, str) and value not in table:
            yield CHECKS[code].finding(
                file, pointer, value, value=repr(value), closest=_closest(value, table)
            )

    return check


# field path inside an event -> the function that checks its value
EVENT_FIELDS = {
    ("action", "code"): event_code,
    ("source_actor", "code"): actor_code,
    ("target_actor", "code"): actor_code,
    ("source_actor", "ethnic"): _lookup("unknown-ethnic-group", codebook.ethnic_groups()),
    ("target_actor", "ethnic"): _lookup("unknown-ethnic-group", codebook.ethnic_groups()),
    ("source_actor", "religion"): _lookup("unknown-religion", codebook.religions()),
    ("target_actor", "religion"): _lookup("unknown-religion", codebook.religions()),
    ("source_actor", "known_group"): _lookup("unknown-known-group", codebook.known_groups()),
    ("target_actor", "known_group"): _lookup("unknown-known-group", codebook.known_groups()),
    ("location", "country"): _lookup("unknown-country", codebook.iso_countries()),
}


def run(doc: Document) -> list[Finding]:
    """Codebook findings over the raw events (they need not pass the models)."""
    out: list[Finding] = []
    for index, event in doc.raw_events:
        if not isinstance(event, dict):
            continue
        for (outer, inner), check in EVENT_FIELDS.items():
            holder = event.get(outer)
            if isinstance(holder, dict) and inner in holder:
                pointer = pointer_of(("events", index, outer, inner))
                out.extend(check(holder[inner], doc.file, pointer))
    return out

"""The document a check looks at (what a check is lives in :mod:`coded_events.spec.catalogue`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from coded_events.spec.catalogue.check import Check, declare

__all__ = ["Check", "Document", "declare"]


class _Code(NamedTuple):
    code: str


class _Date(NamedTuple):
    start: str
    end: str | None


class _Place(NamedTuple):
    name: str
    country: str | None


class _Quote(NamedTuple):
    source_id: str | None


class _Event(NamedTuple):
    """What the dataset layer reads of an event that passed the models."""

    event_id: str
    source_actor: _Code
    target_actor: _Code | None
    action: _Code
    date: _Date
    location: _Place
    links: list[Any]
    evidence: list[_Quote]


def _slim(event: Any) -> _Event:
    target = event.target_actor
    return _Event(
        event.event_id,
        _Code(event.source_actor.code),
        _Code(target.code) if target is not None else None,
        _Code(event.action.code),
        _Date(event.date.start, event.date.end),
        _Place(event.location.name, event.location.country),
        list(event.links),
        [_Quote(e.source_id) for e in event.evidence],
    )


@dataclass
class Document:
    """One record file as the checks see it.

    ``data`` is the parsed JSON (None when the syntax layer could not parse it);
    ``events`` holds the events that passed the models, with their index; ``source``
    the source when it passed. Layers after the structure layer look only at those.
    """

    file: str
    path: Path | None
    data: Any = None
    text: str | None = None
    source: Any = None
    events: list[tuple[int, Any]] = field(default_factory=list)
    sources_dir: Path | None = None
    requested: bool = True
    repeated_keys: bool = True  # whether an object of ``text`` may repeat a key

    def release(self) -> None:
        """Drop what only the per-document layers read, keeping what the dataset layer
        reads: the source id, each raw event's id, and of the events that passed the
        models their ids, actor and event codes, dates, place, links and the source ids
        of their quotes (a dataset's documents are held together; the rest of an event
        takes ten times as much memory). The text stays only when there is no file to
        read it from again."""
        self.events = [(index, _slim(event)) for index, event in self.events]
        if self.path is not None:
            self.text = None
        data = self.data
        if not isinstance(data, dict):
            self.data = None
            return
        slim: dict[str, Any] = {}
        source = data.get("source")
        if isinstance(source, dict) and "source_id" in source:
            slim["source"] = {"source_id": source["source_id"]}
        events = data.get("events")
        if isinstance(events, list):
            slim["events"] = [
                {"event_id": e["event_id"]} if isinstance(e, dict) and "event_id" in e else None
                for e in events
            ]
        self.data = slim

    @property
    def raw_events(self) -> Iterator[tuple[int, Any]]:
        """Every element of ``events`` in the raw data, with its index."""
        events = self.data.get("events") if isinstance(self.data, dict) else None
        return enumerate(events) if isinstance(events, list) else iter(())

    @property
    def source_id(self) -> str | None:
        """The document's source id as written, if it is a string."""
        source = self.data.get("source") if isinstance(self.data, dict) else None
        value = source.get("source_id") if isinstance(source, dict) else None
        return value if isinstance(value, str) else None

"""What a check is, and the document a check looks at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from coded_events.findings import Finding, Severity, clean_text, field_of, short_value

_UNSET: Any = object()


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class Check:
    """One rule of the catalogue.

    ``message`` and ``hint`` are ``str.format`` templates filled from the keyword
    arguments given to :meth:`finding`; ``doc`` is the documentation entry.
    """

    code: str
    severity: Severity
    layer: str
    title: str
    message: str
    hint: str
    doc: str

    def finding(
        self,
        file: str,
        pointer: str = "",
        value: Any = _UNSET,
        /,
        *,
        line: int | None = None,
        column: int | None = None,
        **params: Any,
    ) -> Finding:
        """A finding of this check at ``pointer`` in ``file``."""
        fill = _Blank({k: clean_text(str(v)) for k, v in params.items()})
        return Finding(
            code=self.code,
            severity=self.severity,
            message=self.message.format_map(fill),
            hint=self.hint.format_map(fill),
            file=file,
            line=line,
            column=column,
            pointer=pointer,
            field=field_of(pointer),
            value=None if value is _UNSET else short_value(value),
        )


def declare(layer: str, *checks: tuple[str, str, str, str, str, str]) -> dict[str, Check]:
    """Build a layer's checks from (code, severity, title, message, hint, doc) rows."""
    return {row[0]: Check(row[0], row[1], layer, *row[2:]) for row in checks}  # type: ignore[arg-type]


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

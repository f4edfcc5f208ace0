"""Read the two sides of a comparison: events (and provenance, when there is one) of a
dataset in the published layout, as :class:`Row` objects.

A dataset is a folder on disk (a dataset folder, its ``data/`` folder or its
``datapackage.json``) or the name of a registered dataset (its bundled release), read with
:func:`coded_events.load`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from coded_events.compare.actors import countries
from coded_events.spec.vocabulary import Precision, precision_of

NEEDED = (
    "event_id",
    "date_start",
    "date_end",
    "date_precision",
    "date_start_text",
    "date_end_text",
    "source_actor_code",
    "source_actor_country",
    "source_actor_ethnic",
    "target_actor_code",
    "target_actor_country",
    "target_actor_ethnic",
    "cameo_code",
    "root_code",
    "quad_class",
    "location_country",
)


class CompareError(ValueError):
    """A dataset that cannot be compared: names the dataset and what is wrong."""


@dataclass(frozen=True)
class Row:
    """What the comparison looks at in one event."""

    event_id: str
    first: int  # first day the date can mean (ordinal)
    last: int  # last day (ordinal)
    start_precision: str  # year, month or day: of the start of the date
    end_precision: str  # of its end
    source_code: str | None
    target_code: str | None
    source: frozenset[str]  # countries the source actor counts for
    target: frozenset[str]
    location: str | None
    code: str
    root: str
    quad: int
    producer: str | None = None
    producer_version: str | None = None
    producer_event_id: str | None = None
    url: str | None = None

    @property
    def date_text(self) -> str:
        """The date as ISO text: one day, or first/last."""
        first, last = date.fromordinal(self.first), date.fromordinal(self.last)
        return first.isoformat() if first == last else f"{first}/{last}"

    def sort_key(self) -> tuple[Any, ...]:
        """Content first, the id last: the tie-break of the matching."""
        return (
            self.first,
            self.last,
            self.code,
            self.source_code or "",
            self.target_code or "",
            self.event_id,
        )


def _precision(event: dict[str, Any], column: str, fallback: str | None) -> str:
    """The precision of a date text (``2024``, ``2024-04``, ``2024-04-17``); of the
    fallback when the text is null. ValueError naming the event on any other value."""
    text = event[column]
    try:
        return precision_of(text).value if text else Precision(fallback).value
    except (KeyError, ValueError):
        value = text if text else fallback
        raise ValueError(
            f"event {event['event_id']}: {column if text else 'date_precision'} {value!r} "
            "has no known precision (YYYY, YYYY-MM or YYYY-MM-DD; year, month or day)"
        ) from None


def _row(event: dict[str, Any], provenance: dict[str, Any] | None) -> Row:
    place = event["location_country"]
    start_precision = _precision(event, "date_start_text", event["date_precision"])

    def actor(side: str) -> frozenset[str]:
        if event[f"{side}_actor_code"] is None:
            return frozenset()
        return countries(event[f"{side}_actor_country"], event[f"{side}_actor_ethnic"], place)

    prov = provenance or {}
    return Row(
        event_id=event["event_id"],
        first=event["date_start"].toordinal(),
        last=event["date_end"].toordinal(),
        start_precision=start_precision,
        end_precision=_precision(event, "date_end_text", start_precision),
        source_code=event["source_actor_code"],
        target_code=event["target_actor_code"],
        source=actor("source"),
        target=actor("target"),
        location=place,
        code=event["cameo_code"],
        root=event["root_code"],
        quad=int(event["quad_class"]),
        producer=prov.get("producer"),
        producer_version=prov.get("producer_version"),
        producer_event_id=prov.get("producer_event_id"),
        url=prov.get("source_url"),
    )


def _where(dataset: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """A path on disk as a Path (read as a folder), anything else as a registry name."""
    if isinstance(dataset, os.PathLike) or Path(dataset).exists():
        return Path(dataset)
    return dataset


PROVENANCE = ("event_id", "producer", "producer_version", "producer_event_id", "source_url")


def _load(dataset: str | os.PathLike[str], where: str | os.PathLike[str], table: str) -> Any:
    """One table of ``dataset`` as Arrow; CompareError naming the file when it cannot be
    read (a damaged Parquet whose hash the manifest matches too). UnknownTableError passes
    through: a missing table is the caller's choice."""
    import coded_events
    from coded_events.access.fetch import DataError
    from coded_events.access.loader import UnknownTableError

    try:  # load() names a damaged file (UnreadableDataError, a DataError)
        return coded_events.load(where, table)
    except UnknownTableError:
        raise
    except (DataError, OSError) as error:  # their messages name the file; the dataset once
        text = str(error)
        raise CompareError(
            text if text.startswith(str(dataset)) else f"{dataset}: {text}"
        ) from None


def _check_columns(dataset: str | os.PathLike[str], table_name: str, table: Any) -> None:
    """Refuse columns of ``table`` the comparison reads whose Arrow type is not the one the
    table spec (``coded_events.release.rows.ARROW_SCHEMAS``) gives, or that hold nulls the
    spec forbids: CompareError naming the column, its type and the expected one."""
    from coded_events.flat.column_types import unreadable_columns
    from coded_events.release.rows import ARROW_SCHEMAS

    read = NEEDED if table_name == "events" else PROVENANCE
    for problem in unreadable_columns(table_name, table.schema, read):
        raise CompareError(f"{dataset}: the {table_name} table's {problem}")
    spec = ARROW_SCHEMAS[table_name]
    for name in read:
        if name in table.column_names and not spec.field(name).nullable:
            nulls = table[name].null_count
            if nulls:
                raise CompareError(
                    f"{dataset}: the {table_name} table's column {name} holds {nulls} null "
                    "value(s); the table spec requires a value in every row"
                )


def _provenance(table: Any, event_ids: Any) -> list[dict[str, Any]]:
    """The provenance rows of the given events, only the columns the report shows."""
    import pyarrow.compute as pc

    table = table.select([c for c in PROVENANCE if c in table.column_names])
    wanted = pc.is_in(table["event_id"], value_set=event_ids.combine_chunks())
    return table.filter(wanted).to_pylist()


def read_rows(
    dataset: str | os.PathLike[str], between: tuple[date, date] | None = None
) -> tuple[list[Row], int]:
    """The events of ``dataset`` as rows, joined with its provenance table when it has one,
    and the number of events it holds. With ``between`` (first, last day), only events whose
    dates overlap it are read (filtered in Arrow before any row is built). CompareError when
    the dataset cannot be read, lacks a column the comparison needs, or holds one of another
    type than the table spec's."""
    from coded_events.access.loader import UnknownTableError

    where = _where(dataset)
    try:
        events = _load(dataset, where, "events")
    except UnknownTableError as error:
        raise CompareError(f"{dataset}: {error}") from None
    missing = [name for name in NEEDED if name not in events.column_names]
    if missing:
        raise CompareError(f"{dataset}: the events table has no column {', '.join(missing)}")
    _check_columns(dataset, "events", events)
    total = events.num_rows
    events = events.select(list(NEEDED))
    if between is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        lo, hi = (pa.scalar(d, pa.date32()) for d in between)
        starts, ends = events["date_start"], events["date_end"]
        events = events.filter(pc.and_(pc.less_equal(starts, hi), pc.greater_equal(ends, lo)))
    try:
        table = _load(dataset, where, "provenance")
    except UnknownTableError:
        provenance = []
    else:
        if "event_id" not in table.column_names:
            raise CompareError(f"{dataset}: the provenance table has no column event_id")
        _check_columns(dataset, "provenance", table)
        provenance = _provenance(table, events["event_id"])
    by_event = {p["event_id"]: p for p in provenance}
    try:
        return [_row(e, by_event.get(e["event_id"])) for e in events.to_pylist()], total
    except ValueError as error:
        raise CompareError(f"{dataset}: {error}") from None

"""A release's tables -> the JSON payload the explorer page inlines.

One record per event, with its quotes and links folded in, plus the sources, the actors
(with a precomputed network position) and, with ``--with-sources``, the source texts.
Every value is plain JSON and every list is in a fixed order, so the same release gives
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from coded_events import safe_files
from coded_events.explore import columns
from coded_events.explore.inputs import ExploreInputError, Release
from coded_events.spec.codebook import QUAD_LABELS, event_codes
from coded_events.spec.vocabulary import SOURCE_ID_PATTERN

DAY_MS = 86_400_000
EPOCH = dt.date(1970, 1, 1)

# payload key -> events column: copied as they are.
EVENT_COLUMNS = {
    "id": "event_id",
    "source_id": "source_id",
    "precision": "date_precision",
    "start_text": "date_start_text",
    "end_text": "date_end_text",
    "approximate": "date_approximate",
    "date_note": "date_note",
    "src": "source_actor_code",
    "src_name": "source_actor_name",
    "tgt": "target_actor_code",
    "tgt_name": "target_actor_name",
    "code": "cameo_code",
    "label": "cameo_label",
    "root": "root_code",
    "quad": "quad_class",
    "goldstein": "goldstein",
    "place": "location_name",
    "country": "location_country",
    "admin1": "location_admin1",
    "lat": "latitude",
    "lon": "longitude",
    "geo_precision": "geo_precision",
    "certainty": "certainty",
    "status": "status",
    "quantities": "quantities",
    "coder": "coder",
    "notes": "notes",
}


def read_table(release: Release, table: str) -> list[dict[str, Any]]:
    """The rows of one table (empty when the release does not have it), from the bytes the
    release checked, its columns checked against the table spec."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = release.tables.get(table)
    if file is None:
        return []
    try:
        data = pq.read_table(pa.BufferReader(release.contents[file]))
        columns.check(table, data, file)
        return data.to_pylist()
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        if isinstance(error, ExploreInputError):
            raise
        raise ExploreInputError(f"{file}: cannot read the {table} table: {error}") from None


def _ms(day: dt.date) -> int:
    return (day - EPOCH).days * DAY_MS


def _date_text(start: str, end: str | None) -> str:
    return start if not end or end == start else f"{start} / {end}"


def _event(row: dict[str, Any], position: int) -> dict[str, Any]:
    event = {key: row.get(column) for key, column in EVENT_COLUMNS.items()}
    start, end = row["date_start"], row["date_end"]
    event.update(
        row=position,
        date=start.isoformat(),
        date_end=end.isoformat(),
        date_text=_date_text(row["date_start_text"], row.get("date_end_text")),
        t0=_ms(start),
        t1=_ms(end) + DAY_MS,  # the end is inclusive: the bar covers the whole last day
        point=start == end,
        quad_label=f"{row['quad_class']} {QUAD_LABELS.get(row['quad_class'], '')}".strip(),
        approx_label="approximate" if row["date_approximate"] else "as given",
        actors=sorted({c for c in (row["source_actor_code"], row.get("target_actor_code")) if c}),
        quotes=[],
        links=[],
        linked_from=[],
    )
    return event


def events_payload(release: Release) -> list[dict[str, Any]]:
    """Every event, in date order, with its quotes and links."""
    rows = sorted(read_table(release, "events"), key=lambda r: (r["date_start"], r["event_id"]))
    events = [_event(row, i) for i, row in enumerate(rows)]
    by_id = {e["id"]: e for e in events}
    evidence = sorted(
        read_table(release, "evidence"), key=lambda r: (r["event_id"], r["evidence_index"])
    )
    for quote in evidence:
        if quote["event_id"] in by_id:
            by_id[quote["event_id"]]["quotes"].append(
                {
                    "source_id": quote["source_id"],
                    "start": quote["char_start"],
                    "end": quote["char_end"],
                    "quote": quote["quote"],
                }
            )
    links = sorted(read_table(release, "links"), key=lambda r: (r["event_id"], r["link_index"]))
    for link in links:
        source, target = by_id.get(link["event_id"]), by_id.get(link["target_event_id"])
        if source is not None:
            source["links"].append({"type": link["type"], "event": link["target_event_id"]})
        if target is not None:
            target["linked_from"].append({"type": link["type"], "event": link["event_id"]})
    return events


def actors_payload(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every actor code with the names the events give it and its number of events."""
    names: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for event in events:
        for code, name in ((event["src"], event["src_name"]), (event["tgt"], event["tgt_name"])):
            if code:
                counts[code] += 1
                if name:
                    names[code].add(name)
    return [
        {"code": code, "names": sorted(names[code]), "count": counts[code]}
        for code in sorted(counts)
    ]


def sources_payload(release: Release) -> dict[str, dict[str, Any]]:
    """source_id -> its title, publisher, publication date and url."""
    out = {}
    for row in sorted(read_table(release, "sources"), key=lambda r: r["source_id"]):
        published = row.get("published")
        out[row["source_id"]] = {
            "title": row.get("title"),
            "publisher": row.get("publisher"),
            "published": row.get("published_text") or (published and published.isoformat()),
            "url": row.get("url"),
            "sha256": row.get("text_sha256"),
        }
    return out


def texts_payload(
    release: Release, sources: dict[str, dict[str, Any]], events: list[dict[str, Any]]
) -> dict[str, str]:
    """source_id -> the source's text, checked against its sha256 (``--with-sources``)."""
    wanted = sorted({q["source_id"] for e in events for q in e["quotes"]})
    if wanted and release.texts is None:
        raise ExploreInputError(
            f"{release.folder}: --with-sources needs the source texts in a sources/ folder "
            "beside the data (they are kept with the records, not published)"
        )
    texts = {}
    folder = Path(release.texts or ".")
    for source_id in wanted:
        if not re.fullmatch(SOURCE_ID_PATTERN, source_id):
            raise ExploreInputError(
                f"{release.tables['evidence']}: source_id {source_id!r} is not a source id "
                f"({SOURCE_ID_PATTERN}); it names the text file sources/<source_id>.txt"
            )
        file = folder / f"{source_id}.txt"
        try:
            safe_files.check_no_links(file, folder.parent)
            data = safe_files.read_regular(file)
        except OSError as error:
            raise ExploreInputError(f"{file}: cannot read the source text: {error}") from None
        expected = (sources.get(source_id) or {}).get("sha256")
        if expected and safe_files.sha256_bytes(data) != expected:
            raise ExploreInputError(
                f"{file}: sha256 differs from the sources table's text_sha256; the quote "
                "offsets would point at the wrong text"
            )
        try:
            texts[source_id] = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ExploreInputError(f"{file}: not UTF-8 text: {error}") from None
    return texts


def root_labels(events: list[dict[str, Any]]) -> dict[str, str]:
    """root code -> its codebook label, for the roots the events use."""
    codes = event_codes()
    return {
        root: codes[root].label if root in codes else root
        for root in sorted({e["root"] for e in events})
    }

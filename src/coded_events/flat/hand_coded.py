"""Hand-coded rows fill the columns that only imported ones may leave empty
(``hand-coded-value-missing``; the columns are ``Column.hand_coded`` in the table spec).

An event with no provenance row is hand-coded (every event is, when the set has no
provenance table); a source is hand-coded unless only events with a provenance row name it
(``events.source_id``). Which events are imported is known once the provenance table is
read, after the events and the sources: each batch keeps its rows with an empty
``hand_coded`` column (:func:`gap_rows`) and, for the sources, which source each event
names (:func:`named_sources`); :func:`hand_coded_rows` reduces them when the set is read,
and :func:`apply_hand_coded` adds the findings. The single process and the Dask engine
run these same functions on the same tables, so their findings are the same.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat.placing import Place, located, row_lines
from coded_events.flat.report import Tally
from coded_events.flat.rule_base import template, text
from coded_events.spec.catalogue import require
from coded_events.spec.tables import TABLE, TABLES

CODE = "hand-coded-value-missing"
require([CODE], __name__)

HAND_CODED: dict[str, tuple[str, ...]] = {
    t.name: tuple(c.name for c in t.columns if c.hand_coded)
    for t in TABLES
    if any(c.hand_coded for c in t.columns)
}
"""The ``hand_coded`` columns of each table that has some (events, sources)."""

_KEYS = {"events": "event_id", "sources": "source_id"}
_ORDER = ("sources", "events")  # the tables' reading order (referenced tables first)
assert set(HAND_CODED) <= set(_KEYS), "a table with hand_coded columns needs its key here"

Result = dict[str, tuple[Counter, list[dict[str, Any]], int]]
"""Per table: rows per partition, the first samples, rows with no other error."""


def positions(number: int, place: Place, rows: int) -> dict[str, np.ndarray]:
    """Where a batch's rows are: ``pos`` (partition ``number`` in the high 32 bits, the
    file row below), the file row (0-based) and the line."""
    row = np.arange(rows, dtype=np.int64) + place.first_row
    return {"pos": (np.int64(number) << 32) + row, "row": row, "line": row_lines(place, rows)}


def gap_rows(
    table: str, columns: dict[str, pa.Array], where: dict[str, np.ndarray], had_error: Any
) -> pa.Table | None:
    """The rows of a batch with an empty ``hand_coded`` column and a key: the key, where the
    row is, whether it broke another rule, and per column whether it is empty."""
    names = [c for c in HAND_CODED.get(table, ()) if c in columns]
    if not names or _KEYS[table] not in columns:
        return None
    empty = {f"empty:{c}": pc.is_null(columns[c]) for c in names}
    keys = text(columns[_KEYS[table]])
    keep = pc.and_(functools.reduce(pc.or_, empty.values()), pc.is_valid(keys))
    if not pc.any(keep).as_py():
        return None
    if not isinstance(had_error, pa.Array):
        had_error = pa.array(had_error, pa.bool_())
    found = pa.table({"key": pc.cast(keys, pa.large_string()), **where,
                      "had_error": had_error, **empty})  # fmt: skip
    return found.filter(keep)


def named_sources(columns: dict[str, pa.Array], candidates: pa.Array | None) -> pa.Table | None:
    """Which source each event of a batch names (only ``candidates``, when given)."""
    if "event_id" not in columns or "source_id" not in columns:
        return None
    pairs = pa.table(
        {
            name: pc.cast(text(columns[column]), pa.large_string())
            for name, column in (("event", "event_id"), ("source", "source_id"))
        }
    )
    keep = pc.and_(pc.is_valid(pairs["event"]), pc.is_valid(pairs["source"]))
    if candidates is not None:
        keep = pc.and_(keep, pc.is_in(pairs["source"], candidates))
    return pairs.filter(keep)


def candidate_sources(gaps: list[pa.Table | None]) -> pa.Array:
    """The sources with an empty ``hand_coded`` column: the only ones whose events count."""
    return _values([g["key"] for g in gaps if g is not None])


def _values(arrays: list[Any]) -> pa.Array:
    cast = [pc.cast(text(a), pa.large_string()) for a in arrays if a is not None]
    return pa.chunked_array(cast, pa.large_string()).combine_chunks()


@dataclass
class Gaps:
    """One set's gap rows and named sources, as the single process collects them, and
    each table's files by partition number (a file each)."""

    sources: list[pa.Table | None] = field(default_factory=list)
    events: list[pa.Table | None] = field(default_factory=list)
    names: list[pa.Table | None] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    candidates: pa.Array | None = None

    def add(self, table: str, columns: dict[str, pa.Array], number: int, place: Place,
            rows: int, had_error: Any) -> None:  # fmt: skip
        """Keep a batch's rows with an empty ``hand_coded`` column, and for events the
        sources they name among the sources with one."""
        if table not in HAND_CODED:
            return
        where = positions(number, place, rows)
        getattr(self, table).append(gap_rows(table, columns, where, had_error))
        if table == "events":
            if self.candidates is None:
                self.candidates = candidate_sources(self.sources)
            if len(self.candidates):
                self.names.append(named_sources(columns, self.candidates))


def _concat(tables: list[pa.Table | None]) -> pa.Table | None:
    found = [t for t in tables if t is not None and t.num_rows]
    if not found:
        return None
    return pa.concat_tables(found, promote_options="permissive").sort_by("pos")


def _tally(found: pa.Table, max_samples: int, reasons: pa.Array, uncounted: pa.Array) -> tuple:
    columns = [n for n in found.column_names if n.startswith("empty:")]
    counts = Counter(np.right_shift(found["pos"].to_numpy(), 32).tolist())
    free = pc.invert(pc.or_(pc.fill_null(found["had_error"], False), uncounted))
    samples = []
    for index, row in enumerate(found.slice(0, max_samples).to_pylist()):
        empty = [n.removeprefix("empty:") for n in columns if row[n]]
        samples.append({"pos": row["pos"], "row": row["row"], "line": row["line"],
                        "key": row["key"], "columns": empty,
                        "reason": reasons[index].as_py()})  # fmt: skip
    return counts, samples, pc.sum(free).as_py() or 0


def hand_coded_rows(
    max_samples: int,
    source_gaps: list[pa.Table | None],
    event_gaps: list[pa.Table | None],
    names: list[pa.Table | None],
    provenance: list[Any] | None,
    evidence: list[Any] | None,
    free: list[np.ndarray],
    has_events: bool,
) -> Result:
    """The hand-coded rows with an empty ``hand_coded`` column, per table: rows per
    partition, the first ``max_samples`` (in reading order) and the rows that broke no
    other rule (not ``had_error``, not in ``free`` (counted as dangling references), not
    ``evidence-missing``). ``provenance``: the provenance table's event ids (None: the set
    has none, every event is hand-coded); ``evidence``: the evidence table's (None: none);
    ``has_events``: the set has an events table (the sources are checked only then)."""
    imported = None if provenance is None else _values(provenance)
    out: Result = {}
    events = _concat(event_gaps)
    if events is not None:
        if imported is not None:
            events = events.filter(pc.invert(pc.is_in(events["key"], imported)))
        uncounted = pc.is_in(events["pos"], pa.array(np.concatenate([np.zeros(0, np.int64),
                                                                     *free])))  # fmt: skip
        if imported is not None or evidence is not None:  # evidence-missing is checked
            quoted = _values(evidence or [])
            unquoted = pc.invert(pc.is_in(events["key"], quoted))
            uncounted = pc.or_(uncounted, unquoted)
        reason = pa.array(["it has no provenance row"] * min(max_samples, events.num_rows))
        out["events"] = _tally(events, max_samples, reason, uncounted)
    sources = _concat(source_gaps)
    if sources is not None and has_events:
        out["sources"] = _sources(sources, names, imported, max_samples)
    return out


def _sources(sources: pa.Table, names: list[pa.Table | None], imported: pa.Array | None,
             max_samples: int) -> tuple:  # fmt: skip
    """The sources that a hand-coded event names, or that no imported event names."""
    pairs = _concat_plain(names)
    by_hand = pairs["source"] if imported is None else pc.filter(
        pairs["source"], pc.invert(pc.is_in(pairs["event"], imported)))  # fmt: skip
    by_import = pairs["source"].slice(0, 0) if imported is None else pc.filter(
        pairs["source"], pc.is_in(pairs["event"], imported))  # fmt: skip
    hand = pc.is_in(sources["key"], by_hand.combine_chunks())
    exempt = pc.and_(pc.is_in(sources["key"], by_import.combine_chunks()), pc.invert(hand))
    sources = sources.filter(pc.invert(exempt))
    hand = pc.is_in(sources["key"], by_hand.combine_chunks())
    reason = pc.if_else(hand, "a hand-coded event names it", "no imported event names it")
    uncounted = pa.array([False] * sources.num_rows, pa.bool_())
    return _tally(sources, max_samples, reason.slice(0, max_samples), uncounted)


def _concat_plain(tables: list[pa.Table | None]) -> pa.Table:
    found = [t for t in tables if t is not None]
    if not found:
        return pa.table({"event": pa.array([], pa.large_string()),
                         "source": pa.array([], pa.large_string())})  # fmt: skip
    return pa.concat_tables(found)


def apply_hand_coded(tally: Tally, result: Result, files: dict[str, list[str]]) -> None:
    """Add the findings of :func:`hand_coded_rows` as the single process does: table by
    table (sources, then events), rows in reading order; ``files``: each table's
    partitions' files, by the partition numbers in ``pos``."""
    for table in _ORDER:
        if table not in result:
            continue
        counts, samples, free = result[table]
        room = max(tally.max_samples - tally.samples[CODE], 0)
        for sample in samples[:room]:
            file = files[table][sample["pos"] >> 32]
            tally.report.findings.append(_finding(table, sample, file))
            tally.samples[CODE] += 1
            tally.shown[(file, table, CODE)] += 1
        for number, count in counts.items():
            tally.file_counts[(files[table][number], table, CODE)] += count
            tally.report.counts[CODE] += count
        tally.report.rows_with_errors[table] += free


def _finding(table: str, sample: dict[str, Any], file: str) -> Finding:
    key, empty = sample["key"], sample["columns"]
    found = template(CODE, key, columns=", ".join(empty), reason=sample["reason"],
                     row=TABLE[table].nouns[0], value=repr(key))  # fmt: skip
    return located(found, file, table, sample["row"] + 1, sample["line"], empty[0])

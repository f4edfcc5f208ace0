"""Keys across batches, files and tables: primary keys unique, foreign keys resolved,
every event supported by an evidence or a provenance row.

Primary keys are collected per table (the only thing that grows with the row count) and
checked for uniqueness when the table is done; foreign keys are checked while streaming,
against the keys of the tables read before (referenced tables first).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat.placing import WHOLE_FILE_CODES, Place, place_at
from coded_events.flat.report import Tally
from coded_events.flat.rule_base import Hit, template, text
from coded_events.release.table_schema import FOREIGN_KEYS, PRIMARY_KEYS
from coded_events.spec.catalogue import CATALOGUE, require

# Kept here, not in the table spec: which record-validator code a repeated key or a
# dangling reference reports is the flat validator's choice, and the defaults cover a new
# table (a repeated key is ``duplicate-row-key``; a reference to events or sources reports
# as any other), so a new table needs no entry. tests/test_catalogue.py also reads the
# codes the flat validator reports from these ``*_CODES`` tables of the flat/ sources.
KEY_CODES = {"events": "duplicate-event-id", "sources": "duplicate-source-id",
             "evidence": "duplicate-row-key"}  # fmt: skip
REFERENCE_CODES = {"sources": "unresolved-source-reference",
                   "events": "unresolved-event-reference"}  # fmt: skip
"""The code of a dangling foreign key, by the table it points at ..."""
COLUMN_REFERENCE_CODES = {("links", "target_event_id"): "link-unresolved"}
"""... or by its own table and column, when the record validator has a code of its own."""

SUPPORT_TABLES = ("evidence", "provenance")
"""Each event needs a row in one of these (``evidence-missing``): a quote, or where it
was taken from. Checked when the set holds the events table and either of them."""

require(
    [*KEY_CODES.values(), *REFERENCE_CODES.values(), *COLUMN_REFERENCE_CODES.values(),
     *WHOLE_FILE_CODES, "unresolved-event-reference", "evidence-missing"],
    __name__,
)  # fmt: skip


def reference_code(table: str, column: str, target: str) -> str:
    code = COLUMN_REFERENCE_CODES.get((table, column))
    return code or REFERENCE_CODES.get(target, "unresolved-event-reference")


def foreign_key_codes(table: str) -> list[tuple[str, str, str]]:
    """The foreign keys of ``table``: column, referenced table, finding code."""
    return [(f[0], t, reference_code(table, f[0], t)) for f, t, _ in FOREIGN_KEYS[table]]


def row_params(code: str, columns: dict[str, pa.Array], row: int) -> dict[str, Any]:
    """The message parameters of ``code`` that are columns of the row (``link-unresolved``
    names the link's ``type``)."""
    return {p: text(columns[p])[row].as_py() for p in CATALOGUE[code].params if p in columns}


@dataclass
class Keys:
    """A table's primary-key values in reading order, and where each batch came from."""

    chunks: list[pa.Array] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    total: int = 0
    values: pa.Array | pa.ChunkedArray | None = None
    # True while every key so far is strictly greater than the one before it: then the
    # keys are unique without hashing them (published tables are sorted by their key).
    ascending: bool = True

    def add(self, key: pa.Array, place: Place) -> None:
        """Keep a batch's keys, and whether the keys are still strictly ascending."""
        if self.ascending and len(key):
            if key.null_count:
                self.ascending = False
            elif self.chunks and len(self.chunks[-1]):
                previous = self.chunks[-1][-1]
                self.ascending = pc.less(previous, key[0]).as_py() is True
            if self.ascending and len(key) > 1:
                self.ascending = pc.all(pc.less(key[:-1], key[1:])).as_py() is True
        self.chunks.append(key)
        self.places.append(place)

    def locate(self, position: int) -> tuple[Place, int]:
        starts = [p.start for p in self.places]
        place = self.places[bisect.bisect_right(starts, position) - 1]
        return place, position - place.start


def key_of(table: str, columns: dict[str, pa.Array]) -> pa.Array | None:
    names = PRIMARY_KEYS[table]
    if any(n not in columns for n in names):
        return None
    if len(names) == 1:
        return text(columns[names[0]])
    parts = [pc.cast(text(columns[n]), pa.string()) for n in names]
    return pc.binary_join_element_wise(*parts, "\x1f")


class KeyChecks(Tally):
    """The key checks of one run, on the keys of the set being checked (``keys``), of the
    other sets (``other_keys``) and the event ids of its support tables (``support``)."""

    def __init__(self, max_samples: int) -> None:
        super().__init__(max_samples)
        self.keys: dict[str, Keys] = {}  # of the set being checked
        self.other_keys: list[dict[str, Keys]] = []  # of the other sets (other formats)
        self.support: dict[str, list[pa.Array]] = {}  # SUPPORT_TABLES: their event ids

    def _references(self, table: str, columns: dict[str, pa.Array]) -> list[tuple[Hit, int]]:
        out = []
        for (names,), target, _ in [(tuple(k[0]), k[1], k[2]) for k in FOREIGN_KEYS[table]]:
            known = self.keys.get(target)
            if known is None:
                known = next((k[target] for k in self.other_keys if target in k), None)
            if known is None or known.values is None or names not in columns:
                continue
            if isinstance(known.values, pa.ChunkedArray):  # once, when first referenced
                known.values = known.values.combine_chunks()
            values = text(columns[names])
            bad = pc.and_(pc.invert(pc.is_in(values, known.values)), pc.is_valid(values))
            count = pc.sum(bad).as_py() or 0
            if count:
                code = reference_code(table, names, target)

                def describe(row: int, values=values, code=code) -> Finding:
                    value = values[row].as_py()
                    params = {**row_params(code, columns, row), "table": table}
                    return template(code, value, **params, value=repr(value))

                out.append((Hit(code, names, bad, describe), count))
        return out

    def _unique(self, table: str) -> None:
        keys = self.keys.get(table)
        if keys is None or not keys.chunks:
            return
        values = pa.chunked_array(keys.chunks)  # no copy: unique() takes chunks
        keys.chunks = []
        keys.values = values
        if keys.ascending:  # sorted keys: unique without hashing them
            return
        # null keys are reported as missing-field by the rules; they repeat nothing
        distinct = len(pc.unique(values)) - (1 if values.null_count else 0)
        if distinct == len(values) - values.null_count:
            return
        values = keys.values = values.combine_chunks()
        counts = pc.value_counts(values)
        several = pc.and_(
            pc.greater(counts.field("counts"), 1), pc.is_valid(counts.field("values"))
        )
        repeated = pc.filter(counts.field("values"), several)
        code = KEY_CODES.get(table, "duplicate-row-key")
        total = pc.sum(pc.subtract(pc.filter(counts.field("counts"), several), 1)).as_py()
        positions = pc.indices_nonzero(pc.is_in(values, repeated))
        first: dict[str, int] = {}
        column = PRIMARY_KEYS[table][-1]
        shown = 0
        for position in positions.to_pylist():
            key = values[position].as_py()
            if key not in first:
                first[key] = position
                continue
            if self.samples[code] >= self.max_samples:
                break
            place, row = keys.locate(position)
            other_place, other_row = keys.locate(first[key])
            other = f"{other_row + other_place.first_row + 1}"
            if other_place.part.path != place.part.path:
                other += f" of {other_place.part.file}"
            shown_key = key.replace("\x1f", ", ")
            found = template(code, shown_key, value=repr(shown_key), other=f"row {other}",
                             key=shown_key, table=table)  # fmt: skip
            self.report.findings.append(place_at(found, place, table, row, column))
            self.samples[code] += 1
            self.shown[(place.part.file, table, code)] += 1
            shown += 1
        self.report.counts[code] += total
        # every duplicate counted; samples shown are attributed to their own files above
        self.file_counts[(keys.places[0].part.file, table, code)] += total - shown
        for found in self.report.findings[len(self.report.findings) - shown :]:
            self.file_counts[(found.file, table, code)] += 1

    def unsupported_events(self) -> None:
        """Report events with no evidence row and no provenance row (``evidence-missing``),
        once the set's tables are read; nothing when the set has neither table."""
        events = self.keys.get("events")
        if events is None or events.values is None or not self.support:
            return
        chunks = [c for table in self.support.values() for c in table]
        known = pa.chunked_array(chunks, pa.string()).combine_chunks() if chunks else None
        values = events.values
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if known is None:
            missing = pc.is_valid(values)
        else:
            missing = pc.and_(pc.invert(pc.is_in(values, known)), pc.is_valid(values))
        count = pc.sum(missing).as_py() or 0
        if not count:
            return
        self.report.counts["evidence-missing"] += count
        positions = pc.indices_nonzero(missing).to_pylist()
        room = max(self.max_samples - self.samples["evidence-missing"], 0)
        for position in positions[:room]:
            place, row = events.locate(position)
            found = template("evidence-missing", values[position].as_py())
            self.report.findings.append(place_at(found, place, "events", row, "event_id"))
            self.samples["evidence-missing"] += 1
            self.shown[(place.part.file, "events", "evidence-missing")] += 1
        for position in positions:
            place, _ = events.locate(position)
            self.file_counts[(place.part.file, "events", "evidence-missing")] += 1
        self.report.rows_with_errors["events"] += count

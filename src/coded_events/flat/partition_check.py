"""One partition's check, as a Dask task runs it on a worker.

The partition's batches through :func:`coded_events.flat.hits.batch_hits`, summed up in a
:class:`PartitionSummary` (counts, the first ``max_samples`` findings per code, rows), and
its primary keys and foreign-key values as Arrow tables, with where each row is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat import partitions, reader
from coded_events.flat.hand_coded import gap_rows, named_sources, positions
from coded_events.flat.hits import batch_hits, needed_columns
from coded_events.flat.keys import (
    foreign_key_codes,
    key_of,
)
from coded_events.flat.parts import Batch, Problem, TablePart
from coded_events.flat.placing import Place, place_at, problem_finding
from coded_events.flat.rule_base import text
from coded_events.flat.rules import rules_for
from coded_events.spec.catalogue import CATALOGUE

Sample = tuple[str, int, list[Finding]]  # code, rows that break the rule, first findings


@dataclass
class BatchSummary:
    """One batch of a partition: its file rows, and per rule hit the count and samples."""

    first_row: int
    rows: int
    hits: list[Sample]


@dataclass
class PartitionSummary:
    """What the client receives from a partition task: no row of the table."""

    file: str
    entries: list[Finding | BatchSummary] = field(default_factory=list)
    rows_with_errors: int = 0
    keyed: bool = False  # some batch had the primary-key columns


def _wide(values: pa.Array) -> pa.Array:
    """Text as ``large_string`` (files may store either); other types as they are."""
    return pc.cast(values, pa.large_string()) if pa.types.is_string(values.type) else values


def _batch_tables(
    table: str, batch: Batch, place: Place, index: int, errors: np.ndarray
) -> tuple[pa.Table | None, dict[int, pa.Table]]:
    """A batch's primary keys and foreign-key values with where they are (partition
    ``index`` and file row, packed as ``pos``; line) and, for references, the message
    parameters and whether the row broke another rule."""
    where = positions(index, place, batch.rows)
    keys = key_of(table, batch.columns)
    key_table = None
    if keys is not None:
        key_table = pa.table({"key": pc.cast(keys, pa.large_string()), **where})
        key_table = key_table.filter(pc.is_valid(keys))
    references = {}
    for number, (column, _target, code) in enumerate(foreign_key_codes(table)):
        if column not in batch.columns:
            continue
        values = text(batch.columns[column])
        params = [p for p in CATALOGUE[code].params if p in batch.columns]
        extra = {f"param:{p}": _wide(text(batch.columns[p])) for p in params}
        found = pa.table({"value": pc.cast(values, pa.large_string()), **where,
                          "had_error": errors, **extra})  # fmt: skip
        references[number] = found.filter(pc.is_valid(values))
    return key_table, references


def scan_partition(
    part: TablePart, index: int, max_samples: int, batch_size: int
) -> tuple[PartitionSummary, list[pa.Table], dict[int, list[pa.Table]], dict[str, list]]:
    """Check one partition (number ``index``): its summary, its keys' tables, its
    references' tables (by the number of the foreign key), and its rows with an empty
    ``hand_coded`` column (``gaps``) and the sources its events name (``names``)."""
    table = part.table
    rules = list(rules_for(table))
    summary = PartitionSummary(part.file)
    keys: list[pa.Table] = []
    references: dict[int, list[pa.Table]] = defaultdict(list)
    hand: dict[str, list] = {"gaps": [], "names": []}
    with partitions.opened(part) as ready:
        for item in reader.batches(ready, needed_columns(table, rules), batch_size):
            if isinstance(item, Problem):
                summary.entries.append(problem_finding(item, part))
                continue
            place = Place(0, part, item.first_row, item.first_line, item.extra_lines, item.lines)
            errors = np.zeros(item.rows, dtype=bool)
            samples: list[Sample] = []
            for hit, count in batch_hits(item, rules):
                mask = pc.fill_null(hit.mask, False)
                if CATALOGUE[hit.code].severity == "error":
                    errors |= mask.to_numpy(zero_copy_only=False)
                rows = pc.indices_nonzero(mask)[:max_samples].to_pylist()
                shown = [place_at(hit.describe(r), place, table, r, hit.column) for r in rows]
                samples.append((hit.code, count, shown))
            summary.entries.append(BatchSummary(item.first_row, item.rows, samples))
            summary.rows_with_errors += int(errors.sum())
            key_table, found = _batch_tables(table, item, place, index, errors)
            if key_table is not None:
                summary.keyed = True
                keys.append(key_table)
            for number, values in found.items():
                references[number].append(values)
            where = positions(index, place, item.rows)
            hand["gaps"].append(gap_rows(table, item.columns, where, errors))
            if table == "events":
                hand["names"].append(named_sources(item.columns, None))
    return summary, keys, references, hand

"""Run the column rules over flat tables, batch by batch, with bounded memory.

Per code, exact counts and at most ``max_samples`` sample findings (each with its file,
row, column and, for CSV, line). The rules of one batch: :mod:`coded_events.flat.hits`;
keys and references across batches, files and tables: :mod:`coded_events.flat.keys`.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat import discovery, reader
from coded_events.flat.hand_coded import Gaps, apply_hand_coded, hand_coded_rows
from coded_events.flat.hits import batch_hits, conversion_hits, needed_columns
from coded_events.flat.keys import SUPPORT_TABLES, KeyChecks, Keys, key_of
from coded_events.flat.parts import Batch, Problem, TablePart, TableSet
from coded_events.flat.placing import Place, place_at, problem_finding
from coded_events.flat.report import FlatReport
from coded_events.flat.rule_base import Hit, Rule, template, text
from coded_events.flat.rules import rules_for
from coded_events.prefetch import prefetch
from coded_events.spec.catalogue import CATALOGUE

DEFAULT_MAX_SAMPLES = 20
DEFAULT_BATCH_SIZE = 256 * 1024


class Validator(KeyChecks):
    """One run of the flat validator (state: counts, samples, keys)."""

    def __init__(self, max_samples: int, batch_size: int, threads: int) -> None:
        super().__init__(max_samples)
        self.batch_size = batch_size
        self.pool = ThreadPoolExecutor(threads) if threads > 1 else None
        self.threads = threads
        self.gaps = Gaps()  # of the set being checked

    def _place(self, found: Finding, place: Place, table: str, row: int, column: str) -> Finding:
        """A rule's finding at row ``row`` (0-based, of the batch) and ``column``."""
        return place_at(found, place, table, row, column)

    def _problem(self, problem: Problem, part: TablePart) -> None:
        self._add(problem_finding(problem, part), part.table)

    def _hits(
        self, hits: list[tuple[Hit, int]], place: Place, table: str, rows: int
    ) -> pa.Array | None:
        """Add a batch's hits; the rows that broke an error rule (None: none did)."""
        errors = None
        for hit, count in hits:
            self.report.counts[hit.code] += count
            self.file_counts[(place.part.file, table, hit.code)] += count
            mask = pc.fill_null(hit.mask, False)
            if CATALOGUE[hit.code].severity == "error":
                errors = mask if errors is None else pc.or_(errors, mask)
            room = self.max_samples - self.samples[hit.code]
            if room <= 0:
                continue
            for row in pc.indices_nonzero(mask)[:room].to_pylist():
                found = self._place(hit.describe(row), place, table, row, hit.column)
                self.report.findings.append(found)
                self.samples[hit.code] += 1
                self.shown[(place.part.file, table, hit.code)] += 1
        if errors is not None:
            self.report.rows_with_errors[table] += pc.sum(errors).as_py() or 0
        return errors

    def _conversion_hits(self, batch: Batch) -> list[tuple[Hit, int]]:
        return conversion_hits(batch)

    def table(self, table: str, parts: list[TablePart]) -> None:
        if table in SUPPORT_TABLES:
            self.support.setdefault(table, [])
        rules = list(rules_for(table))
        needed = needed_columns(table, rules)
        keys = self.keys.setdefault(table, Keys())
        for part in parts:
            number = len(self.gaps.files[table])
            self.gaps.files[table].append(part.file)
            for item in prefetch(reader.batches(part, needed, self.batch_size)):
                if isinstance(item, Problem):
                    self._problem(item, part)
                    continue
                self._batch(table, part, item, rules, keys, number)
        self._unique(table)

    def _batch(self, table: str, part: TablePart, batch: Batch, rules: list[Rule],
               keys: Keys, number: int) -> None:  # fmt: skip
        place = Place(keys.total, part, batch.first_row, batch.first_line, batch.extra_lines,
                       batch.lines)  # fmt: skip
        hits = batch_hits(batch, rules, self.pool, self.threads)
        hits += self._references(table, batch.columns)
        errors = self._hits(hits, place, table, batch.rows)
        if errors is None:
            errors = pa.nulls(batch.rows, pa.bool_()).fill_null(False)
        self.gaps.add(table, batch.columns, number, place, batch.rows, errors)
        self.report.rows[table] += batch.rows
        if table in SUPPORT_TABLES and "event_id" in batch.columns:
            self.support[table].append(pc.unique(text(batch.columns["event_id"])).cast(pa.string()))
        key = key_of(table, batch.columns)
        if key is not None:
            keys.add(key, place)
        keys.total += batch.rows

    def hand_coded(self) -> None:
        """Report the hand-coded rows of the set that leave a ``hand_coded`` column empty
        (``hand-coded-value-missing``), once the set's tables are read."""
        support = self.support
        result = hand_coded_rows(
            self.max_samples, self.gaps.sources, self.gaps.events, self.gaps.names,
            support.get("provenance"), support.get("evidence"), [], "events" in self.gaps.files,
        )  # fmt: skip
        apply_hand_coded(self, result, self.gaps.files)

    def files(self, group: TableSet) -> None:
        """Report the files of ``group`` that are not read: links, unreadable, irregular,
        of no known table."""
        for path in group.links:
            found = template("symlinked-file", target=os.readlink(path))
            self._add(dataclasses.replace(found, file=str(path)), "?")
        for path, reason in group.unreadable:
            found = template("file-unreadable", reason=reason)
            self._add(dataclasses.replace(found, file=str(path)), "?")
        for path, kind in group.irregular:
            found = template("not-regular-file", kind=kind)
            self._add(dataclasses.replace(found, file=str(path)), "?")
        for path, reason in group.unknown:
            found = template("unknown-table", reason=reason)
            self._add(dataclasses.replace(found, file=str(path)), "?")

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def validate_sets(
    sets: list[TableSet],
    *,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    batch_size: int = DEFAULT_BATCH_SIZE,
    threads: int = 2,
) -> FlatReport:
    """Validate groups of tables; see :func:`coded_events.flat.validate_flat`."""
    validator = Validator(max_samples, batch_size, threads)
    try:
        for group in sets:
            validator.files(group)
        # table by table across the sets (one per format), so that a foreign key finds the
        # table it names in its own set or, when that set lacks it, in another one
        keys: list[dict[str, Keys]] = [{} for _ in sets]
        supports: list[dict[str, list[pa.Array]]] = [{} for _ in sets]
        gaps = [Gaps() for _ in sets]
        for table in reader.table_order():
            for index, group in enumerate(sets):
                parts = group.parts.get(table)
                if not parts:
                    continue
                validator.keys, validator.support = keys[index], supports[index]
                validator.gaps = gaps[index]
                validator.other_keys = [k for i, k in enumerate(keys) if i != index]
                try:
                    validator.table(table, parts)
                except Exception as error:  # a bug: report it, check the other tables
                    reason = f"{type(error).__name__}: {error}"[:300]
                    found = template("internal-error", layer=f"table ({table})", reason=reason)
                    validator._add(dataclasses.replace(found, file=parts[0].file), table)
        for index in range(len(sets)):
            validator.keys, validator.support = keys[index], supports[index]
            validator.gaps = gaps[index]
            validator.unsupported_events()
            validator.hand_coded()
        validator.summaries()
    finally:
        validator.close()
    return validator.report


def validate_tables(
    paths: list[Path],
    *,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    batch_size: int = DEFAULT_BATCH_SIZE,
    threads: int = 2,
) -> FlatReport:
    """Validate flat-table inputs (files, folders, partitioned datasets)."""
    return validate_sets(
        discovery.table_sets(paths), max_samples=max_samples, batch_size=batch_size, threads=threads
    )

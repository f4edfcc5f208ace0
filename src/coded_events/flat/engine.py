"""Run the column rules over flat tables, batch by batch, with bounded memory.

Long because: one run's state (keys, references, the evidence-or-provenance check,
samples and summaries) lives in one class; split the key checks out next.

Per code, exact counts and at most ``max_samples`` sample findings (each with its file,
row, column and, for CSV, line). Primary keys are collected per table (the only thing
that grows with the row count) and checked for uniqueness when the table is done;
foreign keys are checked while streaming, against the keys of the tables read before
(sources, then events, then evidence).
"""

from __future__ import annotations

import bisect
import dataclasses
import os
import queue
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import SUMMARY_HINT, Finding
from coded_events.flat import reader
from coded_events.flat.reader import Batch, Problem, TablePart, TableSet
from coded_events.flat.rules import Hit, Rule, rules_for, runnable, template, text
from coded_events.release.rows import ARROW_SCHEMAS
from coded_events.release.table_schema import FOREIGN_KEYS, PRIMARY_KEYS
from coded_events.spec.catalogue import CATALOGUE, require

DEFAULT_MAX_SAMPLES = 20
DEFAULT_BATCH_SIZE = 256 * 1024

KEY_CODES = {"events": "duplicate-event-id", "sources": "duplicate-source-id",
             "evidence": "duplicate-row-key"}  # fmt: skip
REFERENCE_CODES = {"sources": "unresolved-source-reference",
                   "events": "unresolved-event-reference"}  # fmt: skip
"""The code of a dangling foreign key, by the table it points at ..."""
COLUMN_REFERENCE_CODES = {("links", "target_event_id"): "link-unresolved"}
"""... or by its own table and column, when the record validator has a code of its own."""


WHOLE_FILE_CODES = {"file-unreadable"}
"""Problems about a file's bytes, not about one of its tables' columns."""

SUPPORT_TABLES = ("evidence", "provenance")
"""Each event needs a row in one of these (``evidence-missing``): a quote, or where it
was taken from. Checked when the set holds the events table and either of them."""

require(
    [*KEY_CODES.values(), *REFERENCE_CODES.values(), *COLUMN_REFERENCE_CODES.values(),
     *WHOLE_FILE_CODES, "unresolved-event-reference", "evidence-missing"],
    __name__,
)  # fmt: skip


def _reference_code(table: str, column: str, target: str) -> str:
    code = COLUMN_REFERENCE_CODES.get((table, column))
    return code or REFERENCE_CODES.get(target, "unresolved-event-reference")


def _row_params(code: str, columns: dict[str, pa.Array], row: int) -> dict[str, Any]:
    """The message parameters of ``code`` that are columns of the row (``link-unresolved``
    names the link's ``type``)."""
    return {p: text(columns[p])[row].as_py() for p in CATALOGUE[code].params if p in columns}


@dataclass
class FlatReport:
    """What the flat validator found: sample findings plus one summary per code and file
    where more rows broke the rule than were shown, exact counts per code, rows read."""

    findings: list[Finding] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    rows_with_errors: Counter = field(default_factory=Counter)


@dataclass
class _Place:
    """Where a batch's rows are: ``start`` is the first row's position in the table."""

    start: int
    part: TablePart
    first_row: int
    first_line: int | None
    extra_lines: Any
    lines: Any = None


@dataclass
class _Keys:
    """A table's primary-key values in reading order, and where each batch came from."""

    chunks: list[pa.Array] = field(default_factory=list)
    places: list[_Place] = field(default_factory=list)
    total: int = 0
    values: pa.Array | pa.ChunkedArray | None = None
    # True while every key so far is strictly greater than the one before it: then the
    # keys are unique without hashing them (published tables are sorted by their key).
    ascending: bool = True

    def add(self, key: pa.Array, place: _Place) -> None:
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

    def locate(self, position: int) -> tuple[_Place, int]:
        starts = [p.start for p in self.places]
        place = self.places[bisect.bisect_right(starts, position) - 1]
        return place, position - place.start


def _key(table: str, columns: dict[str, pa.Array]) -> pa.Array | None:
    names = PRIMARY_KEYS[table]
    if any(n not in columns for n in names):
        return None
    if len(names) == 1:
        return text(columns[names[0]])
    parts = [pc.cast(text(columns[n]), pa.string()) for n in names]
    return pc.binary_join_element_wise(*parts, "\x1f")


def place_at(found: Finding, place: _Place, table: str, row: int, column: str) -> Finding:
    """``found`` at row ``row`` (0-based, of the batch at ``place``) and ``column``."""
    data_row = place.first_row + row + 1
    line = data_row
    if place.lines is not None:
        line = int(place.lines[row])
    elif place.first_line is not None:
        extra = int(place.extra_lines[row]) if place.extra_lines is not None else 0
        line = place.first_line + row + extra
    return located(found, place.part.file, table, data_row, line, column)


def located(
    found: Finding, file: str, table: str, data_row: int, line: int, column: str
) -> Finding:
    """``found`` in ``file`` at table row ``data_row`` (1-based), ``line`` and ``column``."""
    names = ARROW_SCHEMAS[table].names
    return dataclasses.replace(
        found,
        file=file,
        line=line,
        column=names.index(column) + 1 if column in names else None,
        pointer=f"/{table}/{data_row}/{column}",
        field=f"/{table}/{column}",
    )


def problem_finding(problem: Problem, part: TablePart) -> Finding:
    """A reading problem (a column, a cell type, the whole file) as a finding."""
    table = part.table
    found = template(problem.code, **problem.params)
    pointer = f"/{table}/{problem.column}" if problem.column else f"/{table}"
    if problem.code in WHOLE_FILE_CODES:
        pointer = ""
    return dataclasses.replace(
        found, file=part.file, pointer=pointer, field=pointer, line=problem.line
    )


def needed_columns(table: str, rules: list[Rule]) -> set[str]:
    """The columns of ``table`` that its rules and its keys read."""
    needed = {c for r in rules for c in r.columns} | set(PRIMARY_KEYS[table])
    needed |= {c for fields, _, _ in FOREIGN_KEYS[table] for c in fields}
    needed -= reader.SKIPPED_COLUMNS.get(table, set()) - {
        f.name for f in ARROW_SCHEMAS[table] if not f.nullable
    }
    return needed


def _run_group(
    rules: list[Rule], columns: dict[str, pa.Array], bad_cells: dict[str, pa.Array]
) -> list[tuple[Hit, int]]:
    out = []
    for rule in rules:
        skip = [bad_cells[c] for c in rule.columns if c in bad_cells]
        for hit in rule.run(columns):
            mask = pc.fill_null(hit.mask, False)
            for cells in skip:  # a cell that did not parse is reported once, as itself
                mask = pc.and_(mask, pc.invert(cells))
            count = pc.sum(mask).as_py() or 0
            if count:
                out.append((dataclasses.replace(hit, mask=mask), count))
    return out


def conversion_hits(batch: Batch) -> list[tuple[Hit, int]]:
    """The cells of a batch that did not parse in their column's type, as hits."""
    out = []
    for problem in batch.problems:
        values, params, code = problem.values, problem.params, problem.code

        def describe(row: int, values=values, params=params, code=code) -> Finding:
            value = values[row].as_py()
            return template(code, value, value=repr(value), **params)

        hit = Hit(code, problem.column, problem.mask, describe)
        out.append((hit, pc.sum(problem.mask).as_py() or 0))
    return out


def batch_hits(
    batch: Batch, rules: list[Rule], pool: ThreadPoolExecutor | None = None, threads: int = 1
) -> list[tuple[Hit, int]]:
    """The rows of one batch that break a column rule or did not parse, rule by rule (in
    the order of ``rules``, whatever the threads), then the cells that did not parse.

    A pure function of the batch: no state, nothing from other batches or files (foreign
    keys and primary keys span files; the engine and :mod:`coded_events.flat.distributed`
    check them apart). ``pool`` runs the rules in ``threads`` groups.
    """
    present = set(batch.columns)
    active = [r for r in rules if runnable(r, present)]
    conversions = conversion_hits(batch)
    bad_cells: dict[str, pa.Array] = {}
    for hit, _ in conversions:
        known = bad_cells.get(hit.column)
        bad_cells[hit.column] = hit.mask if known is None else pc.or_(known, hit.mask)
    if pool is None or threads < 2:
        return _run_group(active, batch.columns, bad_cells) + conversions
    futures = [pool.submit(_run_group, [r], batch.columns, bad_cells) for r in active]
    return [hit for f in futures for hit in f.result()] + conversions


_DONE = object()


def prefetch(items: Iterator[Any], ahead: int = 1) -> Iterator[Any]:
    """Produce ``items`` in a background thread, at most ``ahead`` in advance, so that
    reading and decoding the next batch overlaps with checking this one."""
    box: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(_DONE)
        except BaseException as error:  # handed to the consumer
            box.put(error)

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while (item := box.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


class Validator:
    """One run of the flat validator (state: counts, samples, keys)."""

    def __init__(self, max_samples: int, batch_size: int, threads: int) -> None:
        self.max_samples = max_samples
        self.batch_size = batch_size
        self.report = FlatReport()
        self.samples: dict[str, int] = Counter()
        self.file_counts: Counter = Counter()  # (file, table, code) -> rows
        self.shown: Counter = Counter()  # (file, table, code) -> samples shown
        self.keys: dict[str, _Keys] = {}  # of the set being checked
        self.other_keys: list[dict[str, _Keys]] = []  # of the other sets (other formats)
        self.support: dict[str, list[pa.Array]] = {}  # SUPPORT_TABLES: their event ids
        self.pool = ThreadPoolExecutor(threads) if threads > 1 else None
        self.threads = threads

    # --- findings ------------------------------------------------------------------

    def _add(self, finding: Finding, table: str, count: int = 1) -> None:
        self.report.counts[finding.code] += count
        self.file_counts[(finding.file, table, finding.code)] += count
        if self.samples[finding.code] < self.max_samples:
            self.samples[finding.code] += 1
            self.shown[(finding.file, table, finding.code)] += 1
            self.report.findings.append(finding)

    def _place(self, found: Finding, place: _Place, table: str, row: int, column: str) -> Finding:
        """A rule's finding at row ``row`` (0-based, of the batch) and ``column``."""
        return place_at(found, place, table, row, column)

    def _problem(self, problem: Problem, part: TablePart) -> None:
        self._add(problem_finding(problem, part), part.table)

    def _hits(self, hits: list[tuple[Hit, int]], place: _Place, table: str, rows: int) -> None:
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

    # --- rules ---------------------------------------------------------------------

    def _conversion_hits(self, batch: Batch) -> list[tuple[Hit, int]]:
        return conversion_hits(batch)

    # --- keys ----------------------------------------------------------------------

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
                code = _reference_code(table, names, target)

                def describe(row: int, values=values, code=code) -> Finding:
                    value = values[row].as_py()
                    params = {**_row_params(code, columns, row), "table": table}
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
            self.report.findings.append(self._place(found, place, table, row, column))
            self.samples[code] += 1
            self.shown[(place.part.file, table, code)] += 1
            shown += 1
        self.report.counts[code] += total
        # every duplicate counted; samples shown are attributed to their own files above
        self.file_counts[(keys.places[0].part.file, table, code)] += total - shown
        for found in self.report.findings[len(self.report.findings) - shown :]:
            self.file_counts[(found.file, table, code)] += 1

    # --- tables --------------------------------------------------------------------

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
            self.report.findings.append(self._place(found, place, "events", row, "event_id"))
            self.samples["evidence-missing"] += 1
            self.shown[(place.part.file, "events", "evidence-missing")] += 1
        for position in positions:
            place, _ = events.locate(position)
            self.file_counts[(place.part.file, "events", "evidence-missing")] += 1
        self.report.rows_with_errors["events"] += count

    def table(self, table: str, parts: list[TablePart]) -> None:
        if table in SUPPORT_TABLES:
            self.support.setdefault(table, [])
        rules = list(rules_for(table))
        needed = needed_columns(table, rules)
        keys = self.keys.setdefault(table, _Keys())
        for part in parts:
            for item in prefetch(reader.batches(part, needed, self.batch_size)):
                if isinstance(item, Problem):
                    self._problem(item, part)
                    continue
                self._batch(table, part, item, rules, keys)
        self._unique(table)

    def _batch(self, table: str, part: TablePart, batch: Batch, rules: list[Rule],
               keys: _Keys) -> None:  # fmt: skip
        place = _Place(keys.total, part, batch.first_row, batch.first_line, batch.extra_lines,
                       batch.lines)  # fmt: skip
        hits = batch_hits(batch, rules, self.pool, self.threads)
        hits += self._references(table, batch.columns)
        self._hits(hits, place, table, batch.rows)
        self.report.rows[table] += batch.rows
        if table in SUPPORT_TABLES and "event_id" in batch.columns:
            self.support[table].append(pc.unique(text(batch.columns["event_id"])).cast(pa.string()))
        key = _key(table, batch.columns)
        if key is not None:
            keys.add(key, place)
        keys.total += batch.rows

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

    def summaries(self) -> None:
        for (file, table, code), count in sorted(self.file_counts.items()):
            shown = self.shown[(file, table, code)]
            if count > shown:
                check = CATALOGUE[code]
                self.report.findings.append(
                    Finding(
                        code=code,
                        severity=check.severity,
                        message=f"{count} row(s) of table {table} in all break this rule "
                        f"({shown} shown; at most {self.max_samples} samples per code)",
                        hint=SUMMARY_HINT,
                        file=file,
                        pointer=f"/{table}",
                        field=f"/{table}",
                        value=count,
                    )
                )

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
        keys: list[dict[str, _Keys]] = [{} for _ in sets]
        supports: list[dict[str, list[pa.Array]]] = [{} for _ in sets]
        for table in reader.table_order():
            for index, group in enumerate(sets):
                parts = group.parts.get(table)
                if not parts:
                    continue
                validator.keys, validator.support = keys[index], supports[index]
                validator.other_keys = [k for i, k in enumerate(keys) if i != index]
                try:
                    validator.table(table, parts)
                except Exception as error:  # a bug: report it, check the other tables
                    reason = f"{type(error).__name__}: {error}"[:300]
                    found = template("internal-error", layer=f"table ({table})", reason=reason)
                    validator._add(dataclasses.replace(found, file=parts[0].file), table)
        for index in range(len(sets)):
            validator.keys, validator.support = keys[index], supports[index]
            validator.unsupported_events()
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
        reader.table_sets(paths), max_samples=max_samples, batch_size=batch_size, threads=threads
    )

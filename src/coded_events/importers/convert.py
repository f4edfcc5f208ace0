"""One raw batch to our tables: the format's rules, the framework's own columns, and the
accounting of every row (written, or rejected with a finding).

Issues are applied in order (the reader's, the id's, then each rule's): a row's first
error rejects it and is its finding; warnings are reported on the rows that are written.
Findings are built only for the rows shown (``findings.Sampler``); every row is counted.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Sampler
from coded_events.importers.columns import (
    distinct_rows,
    empty_as_null,
    false_mask,
    json_objects,
    matches,
)
from coded_events.importers.controls import control_issues
from coded_events.importers.derive import actor_parts, codebook_columns, empty_quantities
from coded_events.importers.format import Batch, Converted, Format, Issue, Rule
from coded_events.importers.raw import Notice, RawBatch, record_numbers
from coded_events.importers.seen import EventIds, SeenIds
from coded_events.release.rows import ARROW_SCHEMAS, arrow_table
from coded_events.spec.catalogue import CATALOGUE

__all__ = ["OUTPUT_TABLES", "Accounts", "BatchConverter"]

OUTPUT_TABLES = ("events", "sources", "provenance")
"""The tables an import fills (the others of the layout are written empty)."""

PRODUCER_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"

_FIELDS_POOL: ThreadPoolExecutor | None = None


def _fields_pool() -> ThreadPoolExecutor:
    """One worker that builds ``producer_fields`` while the rules run (Arrow's string
    kernels release the GIL, so the two use both cores)."""
    global _FIELDS_POOL
    if _FIELDS_POOL is None:
        _FIELDS_POOL = ThreadPoolExecutor(1, thread_name_prefix="import-fields")
    return _FIELDS_POOL


@dataclass
class Accounts:
    """Rows read, written and rejected, findings per code, and the findings shown."""

    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    events_written: int = 0
    """Events written (PLOVER: one per source-target pair of a record written)."""
    counts: Counter[str] = field(default_factory=Counter)
    sampler: Sampler = field(default_factory=Sampler)

    def notice(
        self, code: str, file: str, line: int | None, value: Any = None, **params: Any
    ) -> None:
        """Count and maybe show a finding about a file or a line that is not a row."""
        self.counts[code] += 1
        if self.sampler.wants(file, code):
            args = (value,) if value is not None else ()
            self.sampler.keep(CATALOGUE[code].finding(file, "", *args, line=line, **params))


DISTINCT_SHARE = 0.5
"""A row-wise rule runs once per distinct combination of its source cells when there are
at most this share of the rows such combinations (and the batch has at least
``DISTINCT_MIN_ROWS`` rows)."""
DISTINCT_MIN_ROWS = 64


def _distinct_rows(sources: list[pa.Array]) -> tuple[np.ndarray, np.ndarray] | None:
    """A row of each distinct combination of the cells of ``sources`` and, per row, the
    place of its combination among them; None when too many combinations differ."""
    first, inverse = distinct_rows(sources)
    if len(first) > len(sources[0]) * DISTINCT_SHARE:
        return None
    return first, inverse


def _apply(rule: Rule, batch: Batch) -> Converted:
    """``rule`` on ``batch``; a row-wise rule once per distinct combination of its cells."""
    sources = [batch.column(s) for s in rule.sources]
    if (
        not getattr(rule.convert, "row_wise", False)
        or not sources
        or len(batch) < DISTINCT_MIN_ROWS
    ):
        return rule.convert(batch, *sources)
    found = _distinct_rows(sources)
    if found is None:
        return rule.convert(batch, *sources)
    first, inverse = found
    rows, spread = pa.array(first), pa.array(inverse)
    small = [s.take(rows) for s in sources]
    columns = dict(zip(rule.sources, small, strict=True))
    few = Batch(columns, batch.lines.take(rows), batch.file, batch.format, name=batch.name)
    converted = rule.convert(few, *small)
    originals = {id(s): full for s, full in zip(small, sources, strict=True)}

    def back(value: Any) -> Any:
        if id(value) in originals:
            return originals[id(value)]
        if isinstance(value, pa.Array | pa.ChunkedArray) and len(value) == len(first):
            return value.take(spread)
        return value

    return Converted(
        {name: back(v) for name, v in converted.columns.items()},
        [
            Issue(
                i.code,
                back(i.mask),
                back(i.value),
                {k: back(v) for k, v in i.params.items()},
                i.column,
            )
            for i in converted.issues
        ],
    )


def _row_value(value: Any, row: int) -> Any:
    return value[row].as_py() if isinstance(value, pa.Array | pa.ChunkedArray) else value


class BatchConverter:
    """Converts the batches of one import (ids and sources are unique across batches)."""

    def __init__(self, fmt: Format, accounts: Accounts) -> None:
        self.format = fmt
        self.accounts = accounts
        self.seen_ids = SeenIds()
        """The producer ids read (a true repeat is rejected)."""
        self.event_ids = EventIds()
        """Our event ids given to ids that are not plain numbers (unique, see ``EventIds``)."""
        self.seen_sources: set[str] = set()
        self.kept = fmt.kept_columns()
        self.input_names: dict[str, str] = {}
        """Input path (as given) -> its name where names of different inputs clash."""

    def listed_name(self, label: str, name: str) -> str:
        """The name an input's rows are listed under: ``name`` (the file name, and the
        zip member), or its disambiguated name (``input_names``) where names clash."""
        for path, listed in self.input_names.items():
            if label == path or label.startswith(path + "!"):
                return listed + label[len(path) :]
        return name

    # --- ids -----------------------------------------------------------------------

    def _ids(
        self, batch: Batch, pair: pa.Array | None = None
    ) -> tuple[pa.Array, pa.Array, list[Issue]]:
        raw = batch.column(self.format.id_column)
        producer_id = pc.utf8_trim_whitespace(raw)
        prefix = f"{self.format.name}-"
        numeric = pc.all(pc.fill_null(pc.ascii_is_decimal(producer_id), False)).as_py()
        if numeric:
            bad, lower = false_mask(len(batch)), producer_id  # digits only (GDELT, ICEWS)
        else:
            bad = pc.invert(matches(producer_id, PRODUCER_ID))
            lower = pc.utf8_lower(pc.replace_substring_regex(producer_id, r"[^A-Za-z0-9]+", "-"))
            lower = pc.utf8_trim(lower, "-")  # ``1701787_v0.1.`` ends in no hyphen of ours
            # an id that already carries our prefix (PLOVER's ``PLOVER-GSR01-...``) keeps it once
            lower = pc.replace_substring_regex(lower, f"^{self.format.name}-(.)", r"\1")
        # a true repeat is the same producer id again (a record's later rows share its id)
        first = pc.fill_null(pc.less_equal(pair, 1), True) if pair is not None else None
        valid = pc.invert(bad) if first is None else pc.and_(pc.invert(bad), first)
        duplicate = self.seen_ids.add_batch(producer_id, valid)
        if numeric and pair is None:  # our id is the producer's: distinct ids stay distinct
            event_id = pc.binary_replace_slice(lower, 0, 0, prefix)
        else:
            repeated = duplicate
            if pair is not None:  # a repeated record: all its rows
                records = record_numbers(pair)
                repeated = pc.is_in(records, value_set=records.filter(duplicate))
            keys = self.event_ids.assign(lower, producer_id, pair, pc.and_(pc.invert(bad),
                                         pc.invert(repeated)))  # fmt: skip
            event_id = pc.binary_replace_slice(keys, 0, 0, prefix)
        column = {"name": self.format.id_column}
        issues = [
            Issue("import-bad-id", bad, raw, column, self.format.id_column),
            Issue(
                "import-duplicate-id",
                duplicate,
                raw,
                column,
                self.format.id_column,
            ),
        ]
        return event_id, producer_id, issues

    @staticmethod
    def _target_is_source(out: dict[str, pa.Array], batch: Batch) -> Issue:
        """The flat validator's ``target-equals-source`` rule: such targets are dropped."""
        from coded_events.flat.rules import same_actor

        names = ("source_actor_code", "target_actor_code", "source_actor_name", "target_actor_name")
        columns = {n: out.get(f"events.{n}", pa.nulls(len(batch), pa.string())) for n in names}
        mask = next((h.mask for h in same_actor(columns)), false_mask(len(batch)))
        value = columns["target_actor_code"]
        for target in [k for k in out if k.startswith("events.target_actor_")]:
            out[target] = pc.if_else(mask, pa.scalar(None, out[target].type), out[target])
        return Issue("import-target-is-source", mask, value)

    # --- accounting ----------------------------------------------------------------

    def _findings(self, issue: Issue, mask: pa.Array, batch: Batch) -> None:
        count = pc.sum(mask).as_py() or 0
        if not count:
            return
        self.accounts.counts[issue.code] += count
        shown = self.accounts.sampler.room(batch.file, issue.code, count)
        if not shown:
            return
        check = CATALOGUE[issue.code]
        for row in pc.indices_nonzero(mask).slice(0, shown).to_pylist():
            params = {k: _row_value(v, row) for k, v in issue.params.items()}
            params = {k: "(none)" if v is None else v for k, v in params.items()}
            value = issue.value[row].as_py() if issue.value is not None else None
            pointer = "/" + issue.column if issue.column else ""
            line = batch.lines[row].as_py()
            self.accounts.sampler.keep(
                check.finding(batch.file, pointer, value, line=line, **params)
            )

    def _account(
        self, issues: list[Issue], batch: Batch, records: pa.Array | None = None
    ) -> pa.Array:
        """Report the issues; the mask of rejected rows (``records``: each row's record,
        ``record_numbers``; the rows of a record are rejected together, before the
        warnings are reported)."""
        rejected = false_mask(len(batch))
        errors = [i for i in issues if CATALOGUE[i.code].severity == "error"]
        for issue in errors:
            first = pc.and_(pc.fill_null(issue.mask, False), pc.invert(rejected))
            self._findings(issue, first, batch)
            rejected = pc.or_(rejected, first)
        if records is not None:  # a record is written whole or not at all
            rejected = pc.is_in(records, value_set=records.filter(rejected))
        for issue in issues:
            if CATALOGUE[issue.code].severity != "error":
                kept = pc.and_(pc.fill_null(issue.mask, False), pc.invert(rejected))
                self._findings(issue, kept, batch)
        return rejected

    # --- tables --------------------------------------------------------------------

    def _events(self, out: dict[str, pa.Array], length: int) -> dict[str, pa.Array]:
        events = {k.split(".", 1)[1]: v for k, v in out.items() if k.startswith("events.")}
        derived = codebook_columns(out["events.cameo_code"])
        events.update({k.split(".", 1)[1]: v for k, v in derived.items()})
        for prefix in ("source_actor", "target_actor"):
            code = events.get(f"{prefix}_code", pa.nulls(length, pa.string()))
            events.update({k.split(".", 1)[1]: v for k, v in actor_parts(prefix, code).items()})
        coder = pa.repeat(pa.scalar(self.coder), length)
        events["coder"] = pc.coalesce(events["coder"], coder) if "coder" in events else coder
        if "quantities" not in events:  # a format may give counts (ACLED fatalities)
            events["quantities"] = empty_quantities(length)
        return events

    @property
    def coder(self) -> str:
        """The producer and its version, as ``coder``: no person coded these events."""
        fmt = self.format
        return f"{fmt.producer} {fmt.producer_version}".strip()

    def _fields(self, batch: Batch, plain: bool) -> pa.Array:
        """``provenance.producer_fields``: the kept producer columns as JSON objects."""
        nothing = pa.nulls(len(batch), pa.string())
        columns = [batch.columns.get(c, nothing) for c in self.kept]
        return json_objects(self.kept, columns, len(batch), plain=plain)

    def _provenance(
        self,
        batch: Batch,
        fields: pa.Array,
        out: dict[str, pa.Array],
        event_id: pa.Array,
        producer_id: pa.Array,
        input_name: str,
    ) -> dict[str, pa.Array]:
        length = len(batch)
        columns = {k.split(".", 1)[1]: v for k, v in out.items() if k.startswith("provenance.")}
        return {
            **columns,
            "event_id": event_id,
            "producer": pa.repeat(pa.scalar(self.format.producer), length),
            "producer_version": pa.repeat(
                pa.scalar(self.format.producer_version or None, pa.string()), length
            ),
            "producer_event_id": producer_id,
            "input_file": pa.repeat(pa.scalar(input_name), length),
            "input_line": batch.lines,
            "producer_fields": fields,
        }

    def _unique_sources(self, sources: dict[str, pa.Array]) -> pa.Array:
        """The rows of ``sources`` whose id was not written before (first one kept):
        each distinct id of the batch is looked up once."""
        encoded = pc.dictionary_encode(sources["source_id"])
        distinct = encoded.dictionary.to_pylist()
        seen = self.seen_sources
        fresh = np.fromiter((i not in seen for i in distinct), bool, len(distinct))
        seen.update(distinct)
        index = encoded.indices.to_numpy(zero_copy_only=False)
        if not len(index):
            return pa.array(index.astype(bool))
        # ids are numbered in order of first appearance: a row is its id's first one
        # when its number is above every number before it
        before = np.maximum.accumulate(np.concatenate([[-1], index[:-1]]))
        return pa.array((index > before) & fresh[index])

    @staticmethod
    def _table(name: str, columns: dict[str, pa.Array], length: int) -> pa.Table:
        schema = ARROW_SCHEMAS[name]
        full = {
            f.name: columns.get(
                f.name, pa.nulls(length, pa.string() if pa.types.is_dictionary(f.type) else f.type)
            )
            for f in schema
        }
        return arrow_table(name, full)

    def convert(self, raw: RawBatch, label: str, input_name: str) -> dict[str, pa.Table]:
        """The rows of ``raw`` (from the input ``label``, listed as ``input_name``) as our
        tables; findings and counts go to the accounts."""
        for notice in raw.notices:
            self._notice(notice, label)
        input_name = self.listed_name(label, input_name)
        batch = self._batch(raw, label, input_name)
        fields = _fields_pool().submit(self._fields, batch, raw.plain)
        event_id, producer_id, issues = self._ids(batch, raw.pair)
        issues = [*raw.issues, *issues]
        out: dict[str, pa.Array] = {"events.event_id": event_id}
        for rule in self.format.rules:
            converted = _apply(rule, batch)
            out.update(converted.columns)
            issues += converted.issues
        issues += control_issues(out)
        issues.append(self._target_is_source(out, batch))
        records = None if raw.pair is None else record_numbers(raw.pair)
        rejected = self._account(issues, batch, records)
        keep = pc.invert(rejected)
        length = len(batch)
        read = length if records is None else len(pc.unique(records))
        written = (
            pc.sum(pc.cast(keep, pa.int64())).as_py() or 0
            if records is None
            else len(pc.unique(records.filter(keep)))
        )
        self.accounts.rows_read += read
        self.accounts.rows_written += written
        self.accounts.rows_rejected += read - written
        events = self._events(out, length)
        provenance = self._provenance(
            batch, fields.result(), out, event_id, producer_id, input_name
        )
        sources = {k.split(".", 1)[1]: v for k, v in out.items() if k.startswith("sources.")}
        whole = written == read and raw.pair is None  # no row rejected: nothing to filter

        def kept(rows: Any) -> Any:
            return rows if whole else rows.filter(keep)

        tables = {
            "events": kept(self._table("events", events, length)),
            "provenance": kept(self._table("provenance", provenance, length)),
        }
        kept_sources = {k: kept(v) for k, v in sources.items()}
        new = self._unique_sources(kept_sources)
        fresh = {k: v.filter(new) for k, v in kept_sources.items()}
        tables["sources"] = self._table("sources", fresh, len(fresh["source_id"]))
        self.accounts.events_written += tables["events"].num_rows
        if raw.pair is not None:
            tables["links"] = self._record_links(event_id.filter(keep), raw.pair.filter(keep))
        return tables

    def _record_links(self, event_id: pa.Array, pair: pa.Array) -> pa.Table:
        """``same_as`` links from each later row of a record to its first row (the rows of
        a record are consecutive, the first with place 1)."""
        later = pc.fill_null(pc.greater(pair, 1), False)
        first = pc.if_else(pc.equal(pair, 1), event_id, None)
        first = pc.fill_null_forward(first)
        columns = {
            "event_id": event_id.filter(later),
            "link_index": pa.repeat(pa.scalar(0, pa.int32()), pc.sum(later).as_py() or 0),
            "type": pa.repeat(pa.scalar("same_as"), pc.sum(later).as_py() or 0),
            "target_event_id": first.filter(later),
        }
        return self._table("links", columns, len(columns["event_id"]))

    def _notice(self, notice: Notice, label: str) -> None:
        self.accounts.notice(notice.code, label, notice.line, notice.value, **notice.params)

    def _batch(self, raw: RawBatch, label: str, input_name: str = "") -> Batch:
        others = [m for m in self.format.missing if m != ""]
        missing = pa.array(others, pa.string())
        columns = {}
        for name, values in raw.columns.items():
            if "" in self.format.missing:
                values = empty_as_null(values)
            if others:
                values = pc.if_else(pc.is_in(values, value_set=missing), None, values)
            columns[name] = values
        return Batch(
            columns, raw.lines, label, self.format, raw=raw.columns, name=input_name, pair=raw.pair
        )

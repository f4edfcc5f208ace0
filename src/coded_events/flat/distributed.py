"""The flat validator on a Dask cluster, with the findings and counts of the single process.

One task per partition (a file, or a Parquet row group: :mod:`coded_events.flat.partitions`)
reads its batches and runs :func:`coded_events.flat.engine.batch_hits`, a pure function of
an Arrow batch. It returns a :class:`PartitionSummary` (counts, the first ``max_samples``
findings per code, rows) and, kept on the workers, its primary keys and foreign-key values
split into hash buckets. The rules that span partitions are reductions over those buckets:
per bucket, the repeated keys (a key is in one bucket wherever its rows are) and the
references no key of the referenced table resolves; per table, the rows with a dangling
reference and no other error. Only summaries, counts and sample keys reach the client,
which replays them in the single process's order (tables, sets, partitions, batches), so
that the samples per code, the counts and the summary findings are the same.

Needs ``pip install coded-events[dask]`` (dask, distributed, pandas for hashing).
"""

from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import dask
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat import partitions, reader
from coded_events.flat.engine import (
    KEY_CODES,
    SUPPORT_TABLES,
    FlatReport,
    Validator,
    _key,
    _Place,
    _reference_code,
    batch_hits,
    located,
    needed_columns,
    place_at,
    problem_finding,
)
from coded_events.flat.reader import Batch, Problem, TablePart, TableSet
from coded_events.flat.rules import rules_for, template, text
from coded_events.release.table_schema import FOREIGN_KEYS, PRIMARY_KEYS
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


@dataclass
class Transfer:
    """What the client received: objects and their pickled size, by kind of task."""

    objects: Counter = field(default_factory=Counter)
    bytes: Counter = field(default_factory=Counter)
    largest: dict[str, int] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)

    def add(self, kind: str, value: Any) -> None:
        size = len(pickle.dumps(value))
        self.objects[kind] += 1
        self.bytes[kind] += size
        self.largest[kind] = max(self.largest.get(kind, 0), size)
        self.types |= _types(value)


def _types(value: Any) -> set[str]:
    """The type names inside ``value`` (containers and dataclasses walked)."""
    found = {type(value).__module__ + "." + type(value).__qualname__}
    if isinstance(value, dict):
        for k, v in value.items():
            found |= _types(k) | _types(v)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            found |= _types(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            found |= _types(getattr(value, name))
    return found


# --- the partition task --------------------------------------------------------------------


def _lines(place: _Place, rows: int) -> np.ndarray:
    """Each row's line, as :func:`coded_events.flat.engine.place_at` computes it."""
    index = np.arange(rows, dtype=np.int64)
    if place.lines is not None:
        return np.asarray(place.lines, dtype=np.int64)
    if place.first_line is not None:
        extra = 0 if place.extra_lines is None else np.asarray(place.extra_lines, np.int64)
        return place.first_line + index + extra
    return place.first_row + index + 1


def _buckets(table: pa.Table, column: str, count: int) -> list[pa.Table]:
    """``table`` split by a hash of ``column`` into ``count`` tables (row order kept)."""
    if count == 1 or table.num_rows == 0:
        return [table] + [table.slice(0, 0)] * (count - 1)
    values = table.column(column).to_numpy(zero_copy_only=False)
    bucket = pa.array(pd.util.hash_array(values) % np.uint64(count))
    return [table.filter(pc.equal(bucket, np.uint64(b))) for b in range(count)]


def _wide(values: pa.Array) -> pa.Array:
    """Text as ``large_string`` (files may store either); other types as they are."""
    return pc.cast(values, pa.large_string()) if pa.types.is_string(values.type) else values


def _references(table: str) -> list[tuple[str, str, str]]:
    """The foreign keys of ``table``: column, referenced table, finding code."""
    return [(f[0], t, _reference_code(table, f[0], t)) for f, t, _ in FOREIGN_KEYS[table]]


def _batch_tables(
    table: str, batch: Batch, place: _Place, index: int, errors: np.ndarray
) -> tuple[pa.Table | None, dict[int, pa.Table]]:
    """A batch's primary keys and foreign-key values with where they are (partition
    ``index`` and file row, packed as ``pos``; line) and, for references, the message
    parameters and whether the row broke another rule."""
    rows = np.arange(batch.rows, dtype=np.int64) + batch.first_row
    where = {"pos": (np.int64(index) << 32) + rows, "row": rows, "line": _lines(place, batch.rows)}
    keys = _key(table, batch.columns)
    key_table = None
    if keys is not None:
        key_table = pa.table({"key": pc.cast(keys, pa.large_string()), **where})
        key_table = key_table.filter(pc.is_valid(keys))
    references = {}
    for number, (column, _target, code) in enumerate(_references(table)):
        if column not in batch.columns:
            continue
        values = text(batch.columns[column])
        params = [p for p in CATALOGUE[code].params if p in batch.columns]
        extra = {f"param:{p}": _wide(text(batch.columns[p])) for p in params}
        found = pa.table({"value": pc.cast(values, pa.large_string()), **where,
                          "had_error": errors, **extra})  # fmt: skip
        references[number] = found.filter(pc.is_valid(values))
    return key_table, references


def check_partition(
    part: TablePart, index: int, max_samples: int, batch_size: int, buckets: int
) -> tuple[PartitionSummary, list[pa.Table] | None, dict[int, list[pa.Table]]]:
    """Check one partition: its summary, and its keys and references by hash bucket."""
    table = part.table
    rules = list(rules_for(table))
    summary = PartitionSummary(part.file)
    keys: list[pa.Table] = []
    references: dict[int, list[pa.Table]] = defaultdict(list)
    with partitions.opened(part) as ready:
        for item in reader.batches(ready, needed_columns(table, rules), batch_size):
            if isinstance(item, Problem):
                summary.entries.append(problem_finding(item, part))
                continue
            place = _Place(0, part, item.first_row, item.first_line, item.extra_lines, item.lines)
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
    key_buckets = _buckets(pa.concat_tables(keys), "key", buckets) if keys else None
    reference_buckets = {
        n: _buckets(pa.concat_tables(t), "value", buckets) for n, t in references.items()
    }
    return summary, key_buckets, reference_buckets


# --- reductions ------------------------------------------------------------------------------


def _summary(result: tuple) -> PartitionSummary:
    return result[0]


def _key_bucket(result: tuple, bucket: int) -> pa.Table | None:
    return None if result[1] is None else result[1][bucket]


def _reference_bucket(result: tuple, number: int, bucket: int) -> pa.Table | None:
    found = result[2].get(number)
    return None if found is None else found[bucket]


def repeated_keys(max_samples: int, *parts: pa.Table | None) -> tuple[int, list[dict]]:
    """Within one bucket: how many rows repeat a key seen before, and the first
    ``max_samples`` of them in reading order, each with its key's first row."""
    tables = [t for t in parts if t is not None and t.num_rows]
    if not tables:
        return 0, []
    keys = pa.concat_tables(tables)  # in partition order, rows in order: sorted by pos
    counts = pc.value_counts(keys["key"])
    several = pc.greater(counts.field("counts"), 1)
    if not pc.any(several).as_py():
        return 0, []
    total = pc.sum(pc.subtract(pc.filter(counts.field("counts"), several), 1)).as_py()
    repeated = keys.filter(pc.is_in(keys["key"], pc.filter(counts.field("values"), several)))
    first: dict[str, dict] = {}
    samples: list[dict] = []
    for row in repeated.to_pylist():
        if row["key"] not in first:
            first[row["key"]] = row
        elif len(samples) < max_samples:
            samples.append({**row, "first": first[row["key"]]})
        else:
            break
    return total, samples


def dangling(
    max_samples: int, keys: list[pa.Table | None], values: list[pa.Table | None]
) -> dict[str, Any] | None:
    """Within one bucket: the references no key resolves (None when the referenced table
    has no keys at all: the single process then checks nothing either)."""
    if all(k is None for k in keys):
        return None
    known = [k["key"] for k in keys if k is not None]
    tables = [v for v in values if v is not None and v.num_rows]
    if not tables:
        return {"partitions": Counter(), "samples": [], "free": np.zeros(0, np.int64)}
    found = pa.concat_tables(tables, promote_options="permissive")
    known_keys = pa.chunked_array(known, pa.large_string()).combine_chunks()
    bad = found.filter(pc.invert(pc.is_in(found["value"], known_keys)))
    partitions_of = np.right_shift(bad["pos"].to_numpy(), 32)
    return {
        "partitions": Counter(partitions_of.tolist()),
        "samples": bad.slice(0, max_samples).to_pylist(),
        "free": bad.filter(pc.invert(bad["had_error"]))["pos"].to_numpy(),
    }


def merge_references(max_samples: int, *buckets: dict | None) -> dict[str, Any] | None:
    """One reference's buckets together: counts per partition and the first samples."""
    found = [b for b in buckets if b is not None]
    if not found:
        return None
    partitions_of: Counter = Counter()
    for bucket in found:
        partitions_of.update(bucket["partitions"])
    samples = sorted((s for b in found for s in b["samples"]), key=lambda s: s["pos"])
    free = np.concatenate([b["free"] for b in found])
    return {"partitions": partitions_of, "samples": samples[:max_samples], "free": free}


def table_references(*references: dict | None) -> tuple[list[dict | None], int]:
    """A table's references (free positions dropped) and its rows whose only errors are
    dangling references, each counted once however many of its references dangle."""
    free = [r["free"] for r in references if r is not None]
    extra = len(np.unique(np.concatenate(free))) if free else 0
    kept = [None if r is None else {k: v for k, v in r.items() if k != "free"} for r in references]
    return kept, extra


def unsupported(max_samples: int, events: list[pa.Table | None],
                supports: list[pa.Table | None]) -> tuple[Counter, list[dict]]:  # fmt: skip
    """Within one bucket: the events whose id no evidence or provenance row names
    (``evidence-missing``): counts per partition and the first samples."""
    tables = [t for t in events if t is not None and t.num_rows]
    if not tables:
        return Counter(), []
    keys = pa.concat_tables(tables)
    known = [t["value"] for t in supports if t is not None]
    if known:
        known_ids = pa.chunked_array(known, pa.large_string()).combine_chunks()
        keys = keys.filter(pc.invert(pc.is_in(keys["key"], known_ids)))
    counts = Counter(np.right_shift(keys["pos"].to_numpy(), 32).tolist())
    return counts, keys.slice(0, max_samples).to_pylist()


def _merge_keys(*buckets: tuple[int, list[dict]]) -> tuple[int, list[dict]]:
    total = sum(b[0] for b in buckets)
    samples = sorted((s for b in buckets for s in b[1]), key=lambda s: s["pos"])
    return total, samples


# --- the graph -------------------------------------------------------------------------------


@dataclass
class _Plan:
    """The delayed results of one table of one set."""

    summaries: list[Any]
    key_buckets: list[list[Any]]  # [bucket][partition]
    results: list[Any]


def _parts(sets: list[TableSet]) -> dict[tuple[int, str], list[TablePart]]:
    """Every table's partitions (Parquet footers read in tasks, on the workers)."""
    files = [(i, t, p) for i, s in enumerate(sets) for t, ps in s.parts.items() for p in ps]
    split = dask.compute(*[dask.delayed(partitions.split)(p) for _, _, p in files])
    out: dict[tuple[int, str], list[TablePart]] = defaultdict(list)
    for (index, table, _), parts in zip(files, split, strict=True):
        out[(index, table)] += parts
    return out


def _graph(sets: list[TableSet], max_samples: int, batch_size: int, buckets: int | None):
    parts = _parts(sets)
    count = buckets or max(1, min(64, sum(map(len, parts.values())) // 4))
    plans: dict[tuple[int, str], _Plan] = {}
    for (index, table), found in parts.items():
        check = dask.delayed(check_partition, pure=False)
        results = [check(p, n, max_samples, batch_size, count) for n, p in enumerate(found)]
        plans[(index, table)] = _Plan(
            [dask.delayed(_summary)(r) for r in results],
            [[dask.delayed(_key_bucket)(r, b) for r in results] for b in range(count)],
            results,
        )
    uniques, references = {}, {}
    for (index, table), plan in plans.items():
        per_bucket = [dask.delayed(repeated_keys)(max_samples, *k) for k in plan.key_buckets]
        uniques[(index, table)] = dask.delayed(_merge_keys)(*per_bucket)
        merged = []
        for number, (_column, target, _code) in enumerate(_references(table)):
            parent = _parent(sets, index, table, target)
            if parent is None:
                merged.append(None)
                continue
            keys = plans[(parent, target)].key_buckets
            found = [
                dask.delayed(dangling)(
                    max_samples,
                    keys[b],
                    [dask.delayed(_reference_bucket)(r, number, b) for r in plan.results],
                )
                for b in range(count)
            ]
            merged.append(dask.delayed(merge_references)(max_samples, *found))
        references[(index, table)] = dask.delayed(table_references)(*merged)
    return plans, uniques, references, _support_graph(sets, plans, max_samples, count)


def _support_graph(sets: list[TableSet], plans: dict, max_samples: int, count: int) -> dict:
    """Per set with events and an evidence or provenance table: ``evidence-missing``."""
    out = {}
    for index, group in enumerate(sets):
        tables = [t for t in SUPPORT_TABLES if group.parts.get(t)]
        if not group.parts.get("events") or not tables:
            continue
        events = plans[(index, "events")]
        found = []
        for b in range(count):
            supports = [
                dask.delayed(_reference_bucket)(r, _event_reference(t), b)
                for t in tables
                for r in plans[(index, t)].results
            ]
            found.append(dask.delayed(unsupported)(max_samples, events.key_buckets[b], supports))
        out[index] = found
    return out


def _event_reference(table: str) -> int:
    """The number of ``table``'s reference whose column is ``event_id``."""
    return next(n for n, (column, _, _) in enumerate(_references(table)) if column == "event_id")


def _parent(sets: list[TableSet], index: int, table: str, target: str) -> int | None:
    """The set whose ``target`` table a reference of ``table`` in set ``index`` is checked
    against, as the single process chooses it: its own set, else the first other one."""
    if target == table:  # the single process checks a table's keys when it is done
        return None
    if sets[index].parts.get(target):
        return index
    return next((i for i, s in enumerate(sets) if i != index and s.parts.get(target)), None)


# --- the replay on the client ----------------------------------------------------------------


def _apply(validator: Validator, table: str, file: str, code: str, count: int,
           shown: list[Finding]) -> None:  # fmt: skip
    """Counts and samples of one rule in one batch, as the single process adds them."""
    if count:
        validator.report.counts[code] += count
        validator.file_counts[(file, table, code)] += count
    room = max(validator.max_samples - validator.samples[code], 0)
    for found in shown[:room]:
        validator.report.findings.append(found)
        validator.samples[code] += 1
        validator.shown[(file, table, code)] += 1


def _reference_finding(table: str, column: str, code: str, sample: dict, file: str) -> Finding:
    value = sample["value"]
    params = {p: sample[f"param:{p}"] for p in CATALOGUE[code].params if f"param:{p}" in sample}
    found = template(code, value, **{**params, "table": table}, value=repr(value))
    return located(found, file, table, sample["row"] + 1, sample["line"], column)


def _replay_table(validator: Validator, table: str, summaries: list[PartitionSummary],
                  references: tuple[list[dict | None], int]) -> None:  # fmt: skip
    found, extra = references
    by_partition: list[dict[int, list[dict]]] = []
    for merged in found:
        samples: dict[int, list[dict]] = defaultdict(list)
        for sample in merged["samples"] if merged else []:
            samples[sample["pos"] >> 32].append(sample)
        by_partition.append(samples)
    for number, summary in enumerate(summaries):
        for entry in summary.entries:
            if isinstance(entry, Finding):
                validator._add(entry, table)
                continue
            for code, count, shown in entry.hits:
                _apply(validator, table, summary.file, code, count, shown)
            end = entry.first_row + entry.rows
            for (column, _, code), samples in zip(_references(table), by_partition, strict=True):
                here = [s for s in samples.get(number, []) if entry.first_row <= s["row"] < end]
                shown = [_reference_finding(table, column, code, s, summary.file) for s in here]
                _apply(validator, table, summary.file, code, 0, shown)
            validator.report.rows[table] += entry.rows
        validator.report.rows_with_errors[table] += summary.rows_with_errors
    for (_, _, code), merged in zip(_references(table), found, strict=True):
        for number, count in (merged["partitions"] if merged else {}).items():
            _apply(validator, table, summaries[number].file, code, count, [])
    validator.report.rows_with_errors[table] += extra


def _replay_keys(validator: Validator, table: str, summaries: list[PartitionSummary],
                 repeated: tuple[int, list[dict]]) -> None:  # fmt: skip
    total, samples = repeated
    keyed = [s for s in summaries if s.keyed]
    if not keyed or not total:
        return
    code = KEY_CODES.get(table, "duplicate-row-key")
    column = PRIMARY_KEYS[table][-1]
    shown: list[Finding] = []
    for sample in samples:
        if validator.samples[code] >= validator.max_samples:
            break
        file = summaries[sample["pos"] >> 32].file
        first = sample["first"]
        other = f"{first['row'] + 1}"
        if summaries[first["pos"] >> 32].file != file:
            other += f" of {summaries[first['pos'] >> 32].file}"
        key = sample["key"].replace("\x1f", ", ")
        found = template(code, key, value=repr(key), other=f"row {other}", key=key, table=table)
        shown.append(located(found, file, table, sample["row"] + 1, sample["line"], column))
        validator.report.findings.append(shown[-1])
        validator.samples[code] += 1
        validator.shown[(file, table, code)] += 1
    validator.report.counts[code] += total
    validator.file_counts[(keyed[0].file, table, code)] += total - len(shown)
    for found in shown:
        validator.file_counts[(found.file, table, code)] += 1


def validate_dask(
    paths: list[Any],
    *,
    max_samples: int = 20,
    batch_size: int = 256 * 1024,
    scheduler: str | None = None,
    buckets: int | None = None,
) -> tuple[FlatReport, Transfer]:
    """Validate flat tables (local paths or fsspec URLs) on Dask: the report, the same as
    :func:`coded_events.flat.validate_flat`'s, and what the client received.

    ``scheduler``: a Dask scheduler address (``tcp://host:8786``); None uses Dask's current
    scheduler (the active ``distributed.Client``, else threads in this process).
    ``buckets``: hash buckets of the keys (default: a quarter of the partitions, 1 to 64).
    """
    if scheduler:
        from distributed import Client

        with Client(scheduler):
            return validate_dask(paths, max_samples=max_samples, batch_size=batch_size,
                                 buckets=buckets)  # fmt: skip
    sets = partitions.table_sets(paths)
    plans, uniques, references, support = _graph(sets, max_samples, batch_size, buckets)
    keys = list(plans)
    summaries, repeated, found, unsupported_events = dask.compute(
        [plans[k].summaries for k in keys], [uniques[k] for k in keys],
        [references[k] for k in keys], support,
    )  # fmt: skip
    transfer = Transfer()
    for kind, values in (("partition", [s for ss in summaries for s in ss]),
                         ("keys", repeated), ("references", found)):  # fmt: skip
        for value in values:
            transfer.add(kind, value)
    results = {k: (s, r, f) for k, s, r, f in zip(keys, summaries, repeated, found, strict=True)}
    validator = Validator(max_samples, batch_size, threads=1)
    for group in sets:
        validator.files(group)
    for table in reader.table_order():
        for index in range(len(sets)):
            if (index, table) not in results:
                continue
            table_summaries, table_repeated, table_found = results[(index, table)]
            _replay_table(validator, table, table_summaries, table_found)
            _replay_keys(validator, table, table_summaries, table_repeated)
    for index, buckets_found in unsupported_events.items():
        transfer.add("evidence-missing", buckets_found)
        _replay_unsupported(validator, results[(index, "events")][0], buckets_found)
    validator.summaries()
    return validator.report, transfer


def _replay_unsupported(validator: Validator, summaries: list[PartitionSummary],
                        buckets: list[tuple[Counter, list[dict]]]) -> None:  # fmt: skip
    """``evidence-missing`` as the single process adds it, after every table."""
    if not any(s.keyed for s in summaries):
        return
    code = "evidence-missing"
    samples = sorted((s for _, found in buckets for s in found), key=lambda s: s["pos"])
    room = max(validator.max_samples - validator.samples[code], 0)
    for sample in samples[:room]:
        file = summaries[sample["pos"] >> 32].file
        found = located(template(code, sample["key"]), file, "events", sample["row"] + 1,
                        sample["line"], "event_id")  # fmt: skip
        validator.report.findings.append(found)
        validator.samples[code] += 1
        validator.shown[(file, "events", code)] += 1
    total = 0
    for counts, _ in buckets:
        for number, count in counts.items():
            validator.file_counts[(summaries[number].file, "events", code)] += count
            total += count
    if total:
        validator.report.counts[code] += total
        validator.report.rows_with_errors["events"] += total

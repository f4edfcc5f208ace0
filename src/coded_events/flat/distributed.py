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

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import dask
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.flat import partitions, reader
from coded_events.flat.engine import Validator
from coded_events.flat.hand_coded import (
    HAND_CODED,
    apply_hand_coded,
    candidate_sources,
    hand_coded_rows,
)
from coded_events.flat.keys import (
    SUPPORT_TABLES,
    foreign_key_codes,
)
from coded_events.flat.partition_check import (
    PartitionSummary,
    scan_partition,
)
from coded_events.flat.parts import TablePart, TableSet
from coded_events.flat.reductions import (
    dangling,
    free_positions,
    merge_keys,
    merge_references,
    repeated_keys,
    table_references,
    unsupported,
)
from coded_events.flat.replay import Transfer, replay_keys, replay_table, replay_unsupported
from coded_events.flat.report import FlatReport


def _buckets(table: pa.Table, column: str, count: int) -> list[pa.Table]:
    """``table`` split by a hash of ``column`` into ``count`` tables (row order kept)."""
    if count == 1 or table.num_rows == 0:
        return [table] + [table.slice(0, 0)] * (count - 1)
    values = table.column(column).to_numpy(zero_copy_only=False)
    bucket = pa.array(pd.util.hash_array(values) % np.uint64(count))
    return [table.filter(pc.equal(bucket, np.uint64(b))) for b in range(count)]


def check_partition(
    part: TablePart, index: int, max_samples: int, batch_size: int, buckets: int
) -> tuple[PartitionSummary, list[pa.Table] | None, dict[int, list[pa.Table]], dict]:
    """Check one partition: its summary, its keys and references by hash bucket, and its
    rows with an empty ``hand_coded`` column and the sources its events name."""
    summary, keys, references, hand = scan_partition(part, index, max_samples, batch_size)
    key_buckets = _buckets(pa.concat_tables(keys), "key", buckets) if keys else None
    reference_buckets = {
        n: _buckets(pa.concat_tables(t), "value", buckets) for n, t in references.items()
    }
    hand_tables = {k: _joined(v) for k, v in hand.items()}
    return summary, key_buckets, reference_buckets, hand_tables


def _joined(tables: list[pa.Table | None]) -> pa.Table | None:
    found = [t for t in tables if t is not None]
    return pa.concat_tables(found, promote_options="permissive") if found else None


# --- the results of a partition task, one part each ------------------------------------------


def _summary(result: tuple) -> PartitionSummary:
    return result[0]


def _key_bucket(result: tuple, bucket: int) -> pa.Table | None:
    return None if result[1] is None else result[1][bucket]


def _reference_bucket(result: tuple, number: int, bucket: int) -> pa.Table | None:
    found = result[2].get(number)
    return None if found is None else found[bucket]


def _reference_values(result: tuple, number: int) -> pa.Array | None:
    """All the values of one reference of a partition (its buckets together)."""
    found = result[2].get(number)
    if found is None:
        return None
    return pa.chunked_array([t["value"] for t in found], pa.large_string()).combine_chunks()


def _hand(result: tuple, kind: str) -> pa.Table | None:
    return result[3][kind]


def _named(result: tuple, candidates: pa.Array) -> pa.Table | None:
    """The sources a partition's events name, among ``candidates`` (kept on the worker)."""
    names = result[3]["names"]
    if names is None or not len(candidates):
        return None
    return names.filter(pc.is_in(names["source"], candidates))


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
    uniques, references, free = {}, {}, {}
    for (index, table), plan in plans.items():
        per_bucket = [dask.delayed(repeated_keys)(max_samples, *k) for k in plan.key_buckets]
        uniques[(index, table)] = dask.delayed(merge_keys)(*per_bucket)
        merged = []
        for number, (_column, target, _code) in enumerate(foreign_key_codes(table)):
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
        free[(index, table)] = dask.delayed(free_positions)(*merged)
    support = _support_graph(sets, plans, max_samples, count)
    hand = _hand_coded_graph(sets, plans, free, max_samples)
    return plans, uniques, references, support, hand


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


def _hand_coded_graph(sets: list[TableSet], plans: dict, free: dict, max_samples: int) -> dict:
    """Per set with events or sources: ``hand-coded-value-missing``, one task on a worker
    over the partitions' rows with an empty ``hand_coded`` column (counts and samples out)."""
    out = {}
    for index, group in enumerate(sets):

        def results(table: str, index: int = index) -> list:
            plan = plans.get((index, table))
            return [] if plan is None else plan.results

        if not group.parts.get("events") and not group.parts.get("sources"):
            continue
        sources = [dask.delayed(_hand)(r, "gaps") for r in results("sources")]
        candidates = dask.delayed(candidate_sources)(sources)
        events = [dask.delayed(_hand)(r, "gaps") for r in results("events")]
        names = [dask.delayed(_named)(r, candidates) for r in results("events")]
        ids = {t: [dask.delayed(_reference_values)(r, _event_reference(t)) for r in results(t)]
               if group.parts.get(t) else None for t in SUPPORT_TABLES}  # fmt: skip
        gaps_free = [free[(index, "events")]] if (index, "events") in free else []
        out[index] = dask.delayed(hand_coded_rows)(
            max_samples, sources, events, names, ids["provenance"], ids["evidence"],
            gaps_free, bool(group.parts.get("events")),
        )  # fmt: skip
    return out


def _event_reference(table: str) -> int:
    """The number of ``table``'s reference whose column is ``event_id``."""
    return next(
        n for n, (column, _, _) in enumerate(foreign_key_codes(table)) if column == "event_id"
    )


def _parent(sets: list[TableSet], index: int, table: str, target: str) -> int | None:
    """The set whose ``target`` table a reference of ``table`` in set ``index`` is checked
    against, as the single process chooses it: its own set, else the first other one."""
    if target == table:  # the single process checks a table's keys when it is done
        return None
    if sets[index].parts.get(target):
        return index
    return next((i for i, s in enumerate(sets) if i != index and s.parts.get(target)), None)


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
    plans, uniques, references, support, hand = _graph(sets, max_samples, batch_size, buckets)
    keys = list(plans)
    summaries, repeated, found, unsupported_events, hand_coded = dask.compute(
        [plans[k].summaries for k in keys], [uniques[k] for k in keys],
        [references[k] for k in keys], support, hand,
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
            replay_table(validator, table, table_summaries, table_found)
            replay_keys(validator, table, table_summaries, table_repeated)
    for index in range(len(sets)):  # per set, as the single process adds them
        if index in unsupported_events:
            transfer.add("evidence-missing", unsupported_events[index])
            replay_unsupported(validator, results[(index, "events")][0], unsupported_events[index])
        if index in hand_coded:
            transfer.add("hand-coded", hand_coded[index])
            files = {t: [s.file for s in results[(index, t)][0]]
                     for t in HAND_CODED if (index, t) in results}  # fmt: skip
            apply_hand_coded(validator, hand_coded[index], files)
    validator.summaries()
    return validator.report, transfer

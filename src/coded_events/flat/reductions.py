"""The rules that span partitions, as reductions over hash buckets of keys.

A key is in one bucket wherever its rows are: per bucket, the repeated keys, the
references no key of the referenced table resolves, and the events no evidence or
provenance row names; then the buckets merged. Only counts and samples come out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


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


def free_positions(*references: dict | None) -> np.ndarray:
    """The rows of a table whose only errors are dangling references (their ``pos``)."""
    free = [r["free"] for r in references if r is not None]
    return np.unique(np.concatenate(free)) if free else np.zeros(0, np.int64)


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


def merge_keys(*buckets: tuple[int, list[dict]]) -> tuple[int, list[dict]]:
    total = sum(b[0] for b in buckets)
    samples = sorted((s for b in buckets for s in b[1]), key=lambda s: s["pos"])
    return total, samples

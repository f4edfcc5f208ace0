"""The client's side of the Dask engine: the partitions' summaries and the reductions'
samples replayed in the single process's order (tables, sets, partitions, batches), so
that the samples per code, the counts and the summary findings are the same.
"""

from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from coded_events.findings import Finding
from coded_events.flat.engine import Validator
from coded_events.flat.keys import (
    KEY_CODES,
    foreign_key_codes,
)
from coded_events.flat.partition_check import PartitionSummary
from coded_events.flat.placing import located
from coded_events.flat.rule_base import template
from coded_events.release.table_schema import PRIMARY_KEYS
from coded_events.spec.catalogue import CATALOGUE


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


def replay_table(validator: Validator, table: str, summaries: list[PartitionSummary],
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
            for (column, _, code), samples in zip(
                foreign_key_codes(table), by_partition, strict=True
            ):
                here = [s for s in samples.get(number, []) if entry.first_row <= s["row"] < end]
                shown = [_reference_finding(table, column, code, s, summary.file) for s in here]
                _apply(validator, table, summary.file, code, 0, shown)
            validator.report.rows[table] += entry.rows
        validator.report.rows_with_errors[table] += summary.rows_with_errors
    for (_, _, code), merged in zip(foreign_key_codes(table), found, strict=True):
        for number, count in (merged["partitions"] if merged else {}).items():
            _apply(validator, table, summaries[number].file, code, count, [])
    validator.report.rows_with_errors[table] += extra


def replay_keys(validator: Validator, table: str, summaries: list[PartitionSummary],
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


def replay_unsupported(validator: Validator, summaries: list[PartitionSummary],
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

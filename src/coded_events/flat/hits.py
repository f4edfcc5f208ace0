"""The rows of one record batch that break a column rule or did not parse.

A pure function of the batch (:func:`batch_hits`): no state, nothing from other batches
or files. The single process (:mod:`coded_events.flat.engine`) and the Dask tasks
(:mod:`coded_events.flat.partition_check`) both run it.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat.hand_coded import HAND_CODED
from coded_events.flat.parts import Batch
from coded_events.flat.rule_base import Hit, Rule, template
from coded_events.flat.rules import runnable
from coded_events.release.table_schema import FOREIGN_KEYS, PRIMARY_KEYS
from coded_events.spec.tables import TABLE


def needed_columns(table: str, rules: list[Rule]) -> set[str]:
    """The columns of ``table`` that its rules and its keys read."""
    needed = {c for r in rules for c in r.columns} | set(PRIMARY_KEYS[table])
    needed |= {c for fields, _, _ in FOREIGN_KEYS[table] for c in fields}
    needed |= set(HAND_CODED.get(table, ()))  # hand-coded rows must fill them
    # optional free texts that no rule reads but their type (``Column.opaque``): Parquet
    # readers check their type from the file's schema and never decode them (CSV has no
    # types to trust: all of its columns are read)
    needed -= {c.name for c in TABLE[table].columns if c.opaque and not c.required}
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

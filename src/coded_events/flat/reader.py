"""Reading flat tables: the order tables are read in, and the reader of each format.

Which files hold which table: :mod:`coded_events.flat.discovery`; the batches of one file:
:mod:`coded_events.flat.parquet_reader` and :mod:`coded_events.flat.csv_reader`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from coded_events.flat.csv_reader import csv_batches
from coded_events.flat.parquet_reader import parquet_batches
from coded_events.flat.parts import Batch, Problem, TablePart
from coded_events.release.rows import TABLE_NAMES
from coded_events.spec.tables import TABLES


def table_order() -> list[str]:
    """Every table, each after the tables its foreign keys reference (manifest order
    otherwise; from the table spec), so that foreign keys can be checked while streaming."""
    order: list[str] = []
    while len(order) < len(TABLES):
        ready = [
            t.name
            for t in TABLES
            if t.name not in order
            and all(k.reference in order or k.reference == t.name for k in t.foreign_keys)
        ]
        if not ready:
            raise ValueError(f"foreign keys form a cycle among {set(TABLE_NAMES) - set(order)}")
        order.append(ready[0])
    return order


READERS: dict[str, Callable[[TablePart, set[str], int], Iterator[Batch | Problem]]] = {
    "parquet": parquet_batches,
    "csv": csv_batches,
}


def batches(part: TablePart, needed: set[str], batch_size: int) -> Iterator[Batch | Problem]:
    """The batches of one table file (Parquet or CSV), and the problems met reading it."""
    return READERS[part.fmt](part, needed, batch_size)

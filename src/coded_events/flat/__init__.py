"""Column-wise validation of flat tables (CSV, Parquet, folders, partitioned datasets).

>>> from pathlib import Path
>>> from coded_events.flat import validate_flat
>>> validate_flat([Path("datasets/south-caucasus/data")]).findings
[]

The checks run with ``pyarrow.compute`` in record batches and report the record
validator's catalogue codes (plus the ``table`` layer of :mod:`coded_events.flat.codes`),
each finding with its file, row (``/events/<row>/<column>``, rows counted from 1) and
column; at most ``max_samples`` findings per code, and exact counts in
``FlatReport.counts`` and in one summary finding per code and file.

Importing this module loads nothing heavy: its functions import the reader and the
engine (and with them pyarrow) when they are first called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from coded_events.extras import require

if TYPE_CHECKING:
    from coded_events.flat.engine import FlatReport

__all__ = ["flat_files", "is_flat", "validate_flat"]


def is_flat(path: Path) -> bool:
    """Whether ``path`` is a flat-table input: a ``.csv``/``.parquet`` file, or a folder of
    tables in the published layout (not a dataset folder with ``records/``)."""
    from coded_events.flat.discovery import is_flat as check

    return check(path)


def flat_files(paths: list[Path]) -> list[Path]:
    """The table files that flat inputs stand for (links included), each once."""
    from coded_events.flat.discovery import expand

    return [path for path, _ in expand(paths)]


def validate_flat(
    paths: list[Path] | list[str],
    *,
    max_samples: int = 20,
    batch_size: int = 256 * 1024,
    threads: int = 2,
    engine: str = "local",
    scheduler: str | None = None,
) -> FlatReport:
    """Validate flat tables; the report holds findings, exact counts per code and rows read.

    ``engine="dask"`` runs on a Dask cluster (``pip install coded-events[dask]``): one task
    per file or Parquet row group, keys checked by reductions, the same report as the
    local run. ``scheduler`` is its address (None: Dask's current scheduler); paths may
    then also be fsspec URLs. See docs/scaling.md.
    """
    if engine == "dask":
        require("dask", "dask", "distributed", "pandas")
        from coded_events.flat.distributed import validate_dask

        report, _ = validate_dask(
            list(paths), max_samples=max_samples, batch_size=batch_size, scheduler=scheduler
        )
        return report
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r}: 'local' or 'dask'")
    from coded_events.flat.engine import validate_tables

    return validate_tables(
        [Path(p) for p in paths], max_samples=max_samples, batch_size=batch_size, threads=threads
    )

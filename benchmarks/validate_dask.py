"""Benchmark the flat validator on Dask against the single process, on a partitioned dataset.

    .venv/bin/python benchmarks/validate_dask.py --rows 10000000 --partitions 40

Needs ``pip install -e '.[dask]'``. Writes a hive-partitioned dataset (``events/year=.../``
Parquet files, one row group each, ``evidence/`` files, ``sources.parquet``) from the
published rows of the bundled dataset, tiled under new ids, with faults across partitions
(a duplicate id in two files, references into other files and one dangling, bad event
codes). Then times, each in a fresh process: the single-process validator (two threads),
and the Dask engine on a ``distributed.LocalCluster`` of 1 and of 2 worker processes (one
thread each), cluster start included and reported apart. Peak memory: the single
process's own RSS; the cluster's, per worker, sampled by the scheduler every 50 ms. It
checks that the three reports are equal, and exits 1 when they are not.

``write_dataset`` is also what tests/test_flat_dask.py checks.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "south-caucasus" / "data"
SOURCES = 1000


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pa.array(np.char.add(prefix, np.char.zfill(numbers.astype(str), 9)))


def _tiled(table: pa.Table, rows: int, offset: int = 0) -> pa.Table:
    return table.take(pa.array((np.arange(rows) + offset) % table.num_rows))


def _write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=table.num_rows or 1)


def write_dataset(folder: Path, events: int, evidence: int, files: int) -> dict[str, int]:
    """Write ``events`` + ``evidence`` rows (and 1,000 sources, 4,000 CSV links) in
    ``files`` event files and ``files`` // 2 evidence files, with faults; returns the
    faults injected by kind."""
    base = pq.read_table(DATA / "events.parquet")
    for name in ("notes", "date_note"):  # long free text: only size, no rule
        base = base.set_column(base.schema.get_field_index(name), base.schema.field(name),
                               pa.nulls(base.num_rows, base.schema.field(name).type))  # fmt: skip
    source_ids = _ids("src-", np.arange(SOURCES))
    sources = _tiled(pq.read_table(DATA / "sources.parquet"), SOURCES)
    sources = sources.set_column(0, sources.schema.field(0), source_ids)
    _write_parquet(sources, folder / "sources.parquet")
    per_file = events // files
    bad_codes = 0
    for number in range(files):
        first = number * per_file
        rows = per_file if number < files - 1 else events - first
        part = _tiled(base, rows, first)
        ids = _ids("ev-", np.arange(first, first + rows))
        if number == 2:  # the id of a row in the last file, again here
            ids = pc.if_else(pa.array(np.arange(rows) == 7), ids_of(events - 3), ids)
        part = part.set_column(0, part.schema.field(0), ids)
        sources_of = pc.take(source_ids, pa.array(np.arange(first, first + rows) % SOURCES))
        part = part.set_column(1, part.schema.field(1), sources_of)
        if number % 3 == 1:  # 3 rows with an unknown CAMEO code in every third file
            column = part.schema.get_field_index("cameo_code")
            bad = np.isin(np.arange(rows), [11, 500, rows - 1])
            codes = pc.if_else(pa.array(bad), "999", part.column(column))
            part = part.set_column(column, "cameo_code", codes)
            bad_codes += 3
        _write_parquet(
            part, folder / "events" / f"year={2020 + number % 3}" / f"part-{number:03d}.parquet"
        )
    proof = pq.read_table(DATA / "evidence.parquet")
    evidence_files = max(files // 2, 1)
    per_file = evidence // evidence_files
    for number in range(evidence_files):
        first = number * per_file
        rows = per_file if number < evidence_files - 1 else evidence - first
        part = _tiled(proof, rows, first)
        targets = (np.arange(first, first + rows) * 7919) % events  # in other files
        event_ids = ids_of_array(targets)
        if number == 1:
            event_ids = pc.if_else(pa.array(np.arange(rows) == 3), "ev-missing", event_ids)
        part = part.set_column(0, part.schema.field(0), event_ids)
        part = part.set_column(1, part.schema.field(1), pa.array(np.zeros(rows, np.int32)))
        sources_of = pc.take(source_ids, pa.array(targets % SOURCES))
        part = part.set_column(2, part.schema.field(2), sources_of)
        _write_parquet(part, folder / "evidence" / f"part-{number:03d}.parquet")
    links = folder / "links"
    links.mkdir()
    for number in range(2):  # CSV: its own set; references checked against the Parquet one
        start = number * 2000
        table = pa.table({
            "event_id": ids_of_array(np.arange(start, start + 2000)),
            "link_index": pa.array(np.zeros(2000, np.int32)),
            "type": pa.array(["implements"] * 2000),
            "target_event_id": ids_of_array(np.arange(start, start + 2000) + 1),
        })  # fmt: skip
        if number == 1:  # one dangling target, one row key of the first file again
            nowhere = pc.if_else(pa.array(np.arange(2000) == 5), "ev-nowhere",
                                 table["target_event_id"])  # fmt: skip
            table = table.set_column(3, "target_event_id", nowhere)
            table = table.set_column(0, "event_id", pc.if_else(
                pa.array(np.arange(2000) == 9), ids_of(0), table["event_id"]))  # fmt: skip
        pa_csv.write_csv(table, links / f"links-{number}.csv")
    return {"duplicate ids": 2, "dangling references": 2, "bad codes": bad_codes}


def ids_of(number: int) -> str:
    """The event id of row ``number``."""
    return f"ev-{number:09d}"


def ids_of_array(numbers: np.ndarray) -> pa.Array:
    """The event ids of rows ``numbers``."""
    return _ids("ev-", numbers)


# --- the timed runs, each in its own process --------------------------------------------------

RUN = r"""
import json, resource, sys, time
from coded_events.flat import validate_flat
from coded_events.flat.distributed import validate_dask
folder, workers = sys.argv[1], int(sys.argv[2])
out = {}
if workers == 0:
    start = time.perf_counter()
    report = validate_flat([folder])
    out["seconds"] = time.perf_counter() - start
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
else:
    from distributed import Client, LocalCluster
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           memory_limit="6GiB", dashboard_address=None)
    client = Client(cluster)
    out["start_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    report, transfer = validate_dask([folder])
    out["seconds"] = time.perf_counter() - start
    def peak():
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["worker_peak_mb"] = sorted(client.run(peak).values())
    out["client_bytes"] = sum(transfer.bytes.values())
    client.close(); cluster.close()
out["report"] = [repr(sorted(report.counts.items())), repr([f.to_dict() for f in report.findings]),
                 repr(sorted(report.rows.items())),
                 repr(sorted((k, v) for k, v in report.rows_with_errors.items() if v))]
out["rows"] = sum(report.rows.values())
print(json.dumps(out))
"""


def run(folder: Path, workers: int) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, str(folder), str(workers)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in all (events 60%%)")
    parser.add_argument("--partitions", type=int, default=40, help="files of events + evidence")
    args = parser.parse_args()
    events = args.rows * 6 // 10
    files = max(args.partitions * 2 // 3, 1)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        start = time.perf_counter()
        faults = write_dataset(folder, events, args.rows - events, files)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"wrote {args.rows:,} rows in {files + max(files // 2, 1)} Parquet files "
              f"({size / 1e6:.0f} MB) in {time.perf_counter() - start:.0f} s; "
              f"faults {faults}")  # fmt: skip
        results = {}
        for label, workers in (("single process", 0), ("LocalCluster, 1 worker", 1),
                               ("LocalCluster, 2 workers", 2)):  # fmt: skip
            results[label] = run(folder, workers)
            r = results[label]
            memory = (f"peak RSS {r['peak_mb']:.0f} MB" if "peak_mb" in r else
                      f"peak RSS per worker "
                      f"{', '.join(f'{m:.0f}' for m in r['worker_peak_mb'])} MB; "
                      f"cluster start {r['start_seconds']:.1f} s; client received "
                      f"{r['client_bytes'] / 1e3:.0f} kB")  # fmt: skip
            print(f"{label:<26} {r['seconds']:7.1f} s  {r['rows']:,} rows  {memory}")
        reports = {label: r["report"] for label, r in results.items()}
        same = len({json.dumps(r) for r in reports.values()}) == 1
        print("reports equal:", same)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

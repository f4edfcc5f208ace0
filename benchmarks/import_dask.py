"""Benchmark ``coded-events import --engine dask`` against the single-process import.

    .venv/bin/python benchmarks/import_dask.py --rows 1000000 --files 8

Needs ``pip install -e '.[dask]'``. Generates ``--files`` GDELT 2.0 export files
(``benchmarks/import_gdelt.generate``, ids unique across files) of ``--rows`` rows in all,
then times, each in a fresh process: the single-process import (``import_files``, one
Parquet file per table) and the Dask import (``import_files_dask``, one task per file,
Parquet parts by year) on a ``distributed.LocalCluster`` of 1 and of 2 worker processes
(one thread each), cluster start reported apart. Peak memory: the single process's RSS;
per worker, each worker's own ``ru_maxrss``. It checks that the three summaries (rows
read, written, rejected, counts, findings) are equal and exits 1 when they are not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.import_gdelt import generate

RUN = r"""
import json, resource, sys, time
from pathlib import Path
from coded_events.importers.run import import_files
from coded_events.importers.distributed import import_files_dask
out_dir, workers, inputs = sys.argv[1], int(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
out = {}
if workers == 0:
    start = time.perf_counter()
    result = import_files("gdelt2", inputs, Path(out_dir))
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
    result = import_files_dask("gdelt2", inputs, Path(out_dir))
    out["seconds"] = time.perf_counter() - start
    def peak():
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["worker_peak_mb"] = sorted(client.run(peak).values())
    client.close(); cluster.close()
summary = result.summary()
out["summary"] = {k: summary[k] for k in ("inputs", "rows_read", "rows_written",
                                          "rows_rejected", "counts", "findings")}
out["rows"] = result.rows_written
print(json.dumps(out))
"""


def run(out: Path, workers: int, inputs: list[Path]) -> dict:
    command = [sys.executable, "-c", RUN, str(out), str(workers), *map(str, inputs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_inputs(folder: Path, rows: int, files: int) -> list[Path]:
    """``files`` GDELT 2.0 files of ``rows`` rows in all, ids unique across files."""
    paths = []
    for number in range(files):
        raw, path = folder / f"raw{number}.tsv", folder / f"2019102{number:02d}.export.CSV"
        generate(raw, rows // files, seed=number)
        with raw.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as out:
            for n, line in enumerate(lines):
                out.write(f"{(number + 2) * 1_000_000_000 + n}\t{line.split(chr(9), 1)[1]}")
        raw.unlink()
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in all")
    parser.add_argument("--files", type=int, default=8, help="input files (tasks)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        start = time.perf_counter()
        inputs = write_inputs(folder, args.rows, args.files)
        size = sum(p.stat().st_size for p in inputs)
        print(f"wrote {args.rows:,} GDELT 2.0 rows in {args.files} files ({size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - start:.0f} s")  # fmt: skip
        results = {}
        for label, workers in (("single process", 0), ("LocalCluster, 1 worker", 1),
                               ("LocalCluster, 2 workers", 2)):  # fmt: skip
            results[label] = r = run(folder / f"out{workers}", workers, inputs)
            memory = (f"peak RSS {r['peak_mb']:.0f} MB" if "peak_mb" in r else
                      f"peak RSS per worker "
                      f"{', '.join(f'{m:.0f}' for m in r['worker_peak_mb'])} MB; "
                      f"cluster start {r['start_seconds']:.1f} s")  # fmt: skip
            print(f"{label:<26} {r['seconds']:7.1f} s  {r['rows']:,} rows written  {memory}")
        same = len({json.dumps(r["summary"]) for r in results.values()}) == 1
        print("summaries equal:", same)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

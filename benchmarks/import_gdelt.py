"""Benchmark ``coded-events import gdelt2`` against pyarrow reading the same file as CSV.

    .venv/bin/python benchmarks/import_gdelt.py --rows 1000000 --repeats 3

Generates N rows in the GDELT 2.0 export layout (61 tab-separated columns, no header):
unique ids, actors, event codes, places, dates and URLs drawn from small pools (a few
rows of every kind the importer treats specially: codes that lost a leading zero, dates
set by arithmetic, 0,0 without a place, religion-only actors), then times, each in a
fresh process (start and imports included), in ``--repeats`` rounds:

- ``coded-events import gdelt2 FILE --out DIR`` (Parquet only; with ``--csv``, also CSV);
- pyarrow reading the same file with ``pyarrow.csv.read_csv`` and every column typed as
  a string (what a correct reader of GDELT must do: codes keep their leading zeros).

and, to show what any importer writing our tables must spend at least, two more steps:

- the floor: a process that reads the file as pyarrow does above and writes the three
  tables the import wrote (events, sources, provenance: one Parquet row group per import
  batch, the import's Parquet options, the three files in three threads at once). It
  loads those tables from the import's output first; that loading is subtracted from
  its time and CPU, so the floor counts start-up, read and write, as the other steps do.

It prints the median time of each, the ratio (target: within 3x), the median CPU seconds
of each (user + system over all threads: what a loaded machine cannot hide), the peak RSS
of each process (``ru_maxrss`` of the child) and checks that the import wrote every row. The
import's peak memory is bounded by its batch size, not by the input: ``--sizes`` imports
files of several sizes once each and prints their peaks side by side.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from coded_events.importers.gdelt import GDELT2_COLUMNS

_ACTORS = [
    ("GEOGOV", "GEORGIA", "GEO", "", "GOV"),
    ("RUSMIL", "RUSSIA", "RUS", "", "MIL"),
    ("MNCUSA", "GOOGLE", "USA", "", "MNC"),
    ("IGOEUREEC", "THE EU", "EUR", "EEC", "IGO"),
    ("CHR", "CHRISTIAN", "", "", ""),
    ("", "", "", "", ""),
]
_CODES = [
    ("040", "040", "04", "1", "1.0"),
    ("10", "10", "1", "1", "0.0"),
    ("190", "190", "19", "4", "-10.0"),
    ("0874", "087", "08", "2", "10.0"),
    ("112", "112", "11", "3", "-2.0"),
    ("036", "036", "03", "1", "4.0"),
]
_PLACES = [
    ("4", "Tbilisi, T'bilisi, Georgia", "GG", "GG51", "41.725", "44.7908", "-2329564"),
    ("4", "Moscow, Moskva, Russia", "RS", "RS48", "55.7522", "37.6156", "-2960561"),
    ("1", "Nigeria", "NI", "NI", "10", "8", "NI"),
    ("0", "", "", "", "0", "0", ""),
]
_DATES = ["20191024", "20181024", "20190924", "20191023"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` GDELT 2.0 rows to ``path`` (about 450 bytes each)."""
    rng = np.random.default_rng(seed)
    actor1, actor2 = rng.integers(len(_ACTORS), size=(2, rows))
    code, place, date = (
        rng.integers(len(_CODES), size=rows),
        rng.integers(len(_PLACES), size=rows),
        rng.integers(len(_DATES), size=rows),
    )
    urls = rng.integers(rows // 4 + 1, size=rows)
    index = {name: i for i, name in enumerate(GDELT2_COLUMNS)}
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for n in range(rows):
            cells = [""] * len(GDELT2_COLUMNS)
            day = _DATES[date[n]]
            cells[0], cells[1], cells[2], cells[3] = str(1_000_000_000 + n), day, day[:6], day[:4]
            cells[4] = f"{day[:4]}.8055"
            for base, which in ((5, actor1[n]), (15, actor2[n])):
                a = _ACTORS[which]
                cells[base], cells[base + 1], cells[base + 2], cells[base + 3] = (
                    a[0],
                    a[1],
                    a[2],
                    a[3],
                )
                cells[base + 7] = a[4]
                if a[0] == "CHR":
                    cells[base + 5] = "CHR"
            c = _CODES[code[n]]
            cells[25] = "1"
            cells[index["EventCode"] : index["GoldsteinScale"] + 1] = c
            cells[index["NumMentions"] : index["AvgTone"] + 1] = ["4", "1", "4", "-1.25"]
            p = _PLACES[place[n]]
            geo = index["ActionGeo_Type"]
            cells[geo : geo + 4] = p[:4]
            cells[geo + 4], cells[geo + 5], cells[geo + 6], cells[geo + 7] = "", p[4], p[5], p[6]
            cells[index["DATEADDED"]] = "20191024143000"
            cells[index["SOURCEURL"]] = f"https://example.org/news/{urls[n]}"
            out.write("\t".join(cells) + "\n")


_READ_CSV = """c.read_csv(sys.argv[1], read_options=c.ReadOptions(column_names=list(names)),
    parse_options=c.ParseOptions(delimiter="\\t", quote_char=False),
    convert_options=c.ConvertOptions(column_types={n: pa.string() for n in names}))"""
"""pyarrow reading the file as a correct GDELT reader must (every column a string, the tab
delimiter, no quoting): the read step and the floor step both run this expression."""

_READ = (
    """
import sys, pyarrow as pa, pyarrow.csv as c
from coded_events.importers.gdelt import GDELT2_COLUMNS as names
t = """
    + _READ_CSV
    + """
print(t.num_rows)
"""
)


_FLOOR = (
    """
import os, sys, threading, time
import pyarrow as pa, pyarrow.csv as c, pyarrow.parquet as pq
from coded_events.importers.gdelt import GDELT2_COLUMNS as names
from coded_events.importers.writer import parquet_options
done, out = sys.argv[2], sys.argv[3]
tables = ("events", "sources", "provenance")
wall, cpu = time.perf_counter(), time.process_time()  # the loading, not counted
files = {t: pq.ParquetFile(os.path.join(done, "data", t + ".parquet")) for t in tables}
groups = {t: [f.read_row_group(i) for i in range(f.num_row_groups)] for t, f in files.items()}
os.makedirs(out, exist_ok=True)
def write(table):
    with pq.ParquetWriter(os.path.join(out, table + ".parquet"), files[table].schema_arrow,
                          **parquet_options(table)) as writer:
        for group in groups[table]:
            writer.write_table(group)
loading = time.perf_counter() - wall, time.process_time() - cpu
read = """
    + _READ_CSV
    + """
threads = [threading.Thread(target=write, args=(t,)) for t in tables]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(*loading, read.num_rows)
"""
)


def fresh_peak(command: list[str]) -> tuple[float, float, str, float]:
    """Time, peak RSS (MB), stdout and CPU seconds (user + system, every thread) of one
    command in a process of its own (ru_maxrss of children is the maximum over all of
    them, so each measurement runs in its own wrapper)."""
    wrapper = [
        sys.executable,
        "-c",
        "import resource, subprocess, sys, time; s=time.perf_counter(); "
        "d=subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "u=resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(time.perf_counter()-s, u.ru_maxrss, u.ru_utime+u.ru_stime); "
        "print(d.stdout, end='')",
        *command,
    ]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=True)
    head, _, rest = done.stdout.partition("\n")
    seconds, peak, cpu = head.split()
    return float(seconds), int(peak) / 1024, rest, float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--csv", action="store_true", help="Write CSV too.")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[],
        help="Row counts whose import peak memory is measured once each (bounded by batch size).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        source = tmp / "gdelt2.export.CSV"
        started = time.perf_counter()
        generate(source, args.rows)
        size = source.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} rows ({size:.0f} MB) in {time.perf_counter() - started:.1f} s"
        )
        importer = [
            sys.executable,
            "-m",
            "coded_events",
            "import",
            "gdelt2",
            str(source),
            "--out",
            str(tmp / "out"),
            "--format",
            "json",
            "--max-samples",
            "0",
            *(["--csv"] if args.csv else []),
        ]
        reader = [sys.executable, "-c", _READ, str(source)]
        floor = [sys.executable, "-c", _FLOOR, str(source), str(tmp / "out"), str(tmp / "floor")]
        steps = ("import", "read", "floor")
        times: dict[str, list[float]] = {step: [] for step in steps}
        cpus: dict[str, list[float]] = {step: [] for step in steps}
        peaks: dict[str, float] = dict.fromkeys(steps, 0.0)
        for _ in range(args.repeats):
            for name, command in zip(steps, (importer, reader, floor), strict=True):
                seconds, peak, out, cpu = fresh_peak(command)
                if name == "floor":  # its loading of the tables to write is not counted
                    load_seconds, load_cpu = (float(v) for v in out.split()[:2])
                    seconds, cpu = seconds - load_seconds, cpu - load_cpu
                times[name].append(seconds)
                cpus[name].append(cpu)
                peaks[name] = max(peaks[name], peak)
                if name == "import":
                    written = int(out.split('"rows_written": ')[1].split(",")[0])
                    assert written == args.rows, f"{written} rows written of {args.rows}"
        median = {step: statistics.median(times[step]) for step in steps}
        cpu_median = {step: statistics.median(cpus[step]) for step in steps}
        labels = {
            "import": f"`coded-events import gdelt2`{' --csv' if args.csv else ''}",
            "read": "pyarrow.csv.read_csv, 61 string columns",
            "floor": "floor: that read + writing the import's 3 tables",
        }
        print()
        print("| step | rows | median s | rows/s | CPU s (median) | peak RSS MB |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for step in steps:
            peak = f"{peaks[step]:.0f}" if step != "floor" else "(holds the tables)"
            print(
                f"| {labels[step]} | {args.rows:,} | {median[step]:.2f} "
                f"| {args.rows / median[step]:,.0f} | {cpu_median[step]:.2f} | {peak} |"
            )
        imp, read = median["import"], median["read"]
        least = median["floor"]
        print(
            f"\nratio import / read: {imp / read:.2f}x in time (target: within 3x), "
            f"{cpu_median['import'] / cpu_median['read']:.2f}x in CPU; {args.repeats} round(s), "
            f"fresh processes, medians; times per round: "
            + "; ".join(f"{s} {', '.join(f'{t:.2f}' for t in times[s])}" for s in steps)
        )
        print(
            f"floor: {least:.2f} s = {least / read:.2f}x the read ({cpu_median['floor']:.2f} CPU s)"
            f" before any conversion; the import takes {imp / least:.2f}x the floor"
        )
        for rows in args.sizes:
            path = tmp / f"size-{rows}.CSV"
            generate(path, rows)
            seconds, peak, _, cpu = fresh_peak(
                [
                    sys.executable,
                    "-m",
                    "coded_events",
                    "import",
                    "gdelt2",
                    str(path),
                    "--out",
                    str(tmp / f"o{rows}"),
                    "--max-samples",
                    "0",
                ]
            )
            print(
                f"import of {rows:,} rows: {seconds:.1f} s ({cpu:.1f} CPU s), "
                f"peak RSS {peak:.0f} MB"
            )
            path.unlink()


if __name__ == "__main__":
    main()

"""The import on Dask (issue 20): a real LocalCluster (2 worker processes) importing several
generated GDELT 2.0 files with trap rows spread across them; the accounting, the findings
and the rows must equal the single process's, the partitioned output must validate and
``load()`` must read it without a ``year`` column."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import coded_events
from benchmarks.import_gdelt import generate
from coded_events.access.fetch import HashMismatchError
from coded_events.flat import validate_flat
from coded_events.importers.distributed import import_files_dask
from coded_events.importers.run import import_files
from coded_events.release.rows import TABLE_NAMES

distributed = pytest.importorskip("distributed")

FILES, ROWS = 6, 50_000
FIXTURES = Path(__file__).parent / "fixtures" / "importers"
TRAPS = sorted(p for p in FIXTURES.glob("gdelt2__*.tsv") if "header" not in p.name)
REPEATED = 3_000_000_007
"""An id of the first file, repeated in files 2 and 4 (a duplicate across inputs)."""


def _write_input(raw: Path, path: Path, number: int) -> None:
    """Generated rows with ids unique to this file, one repeated id, and trap rows."""
    with (
        raw.open(encoding="utf-8") as rows,
        path.open("w", encoding="utf-8", errors="surrogateescape", newline="\n") as out,
    ):
        for n, line in enumerate(rows):
            _, rest = line.split("\t", 1)
            out.write(f"{(number + 3) * 1_000_000_000 + n}\t{rest}")
            if number in (2, 4) and n == 1000 * number:
                out.write(f"{REPEATED}\t{rest}")
        for trap in TRAPS[number::FILES]:  # every trap in some file, ids.tsv's twice
            out.write(trap.read_text(encoding="utf-8", errors="surrogateescape"))
        if number == FILES - 1:
            out.write((FIXTURES / "gdelt2__ids.tsv").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("gdelt")
    paths = []
    for number in range(FILES):
        raw = folder / f"raw{number}.tsv"
        generate(raw, ROWS, seed=number)
        path = folder / f"2019102{number}.export.CSV"
        _write_input(raw, path, number)
        raw.unlink()
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def single(inputs: list[Path], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("single")
    return import_files("gdelt2", inputs, out), out


@pytest.fixture(scope="module")
def on_cluster(inputs: list[Path], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("cluster")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster):  # fmt: skip
        return import_files_dask("gdelt2", inputs, out), out


def _sorted_rows(table: pa.Table) -> pa.Table:
    """The rows in key order, dictionary columns decoded (parts have their own dictionaries)."""
    for index, column in enumerate(table.schema):
        if pa.types.is_dictionary(column.type):
            decoded = table.column(index).cast(column.type.value_type)
            table = table.set_column(index, column.name, decoded)
    return table.sort_by(table.column_names[0]).replace_schema_metadata(None).combine_chunks()


def test_accounting_and_findings_equal_the_single_process(single, on_cluster) -> None:
    expected, got = single[0].summary(), on_cluster[0].summary()
    for key in ("inputs", "rows_read", "rows_written", "rows_rejected", "files_refused"):
        assert got[key] == expected[key], key
    assert got["counts"] == expected["counts"]
    assert got["findings"] == expected["findings"]  # samples in input order, summaries
    assert expected["rows_read"] >= FILES * ROWS
    assert expected["counts"]["import-duplicate-id"] >= 2 + len(TRAPS)
    duplicates = [f for f in got["findings"] if f["code"] == "import-duplicate-id"]
    assert {f["value"] for f in duplicates} >= {str(REPEATED)}
    assert {"import-bad-id", "import-not-utf8", "import-event-code-padded"} <= set(got["counts"])


def test_the_rows_are_the_same_set(single, on_cluster) -> None:
    for table in TABLE_NAMES:
        expected = pq.read_table(single[1] / "data" / f"{table}.parquet")
        parts = sorted((on_cluster[1] / "data" / table).rglob("*.parquet"))
        got = pa.concat_tables(pq.read_table(p, partitioning=None) for p in parts)
        assert got.schema.equals(expected.schema, check_metadata=False), table
        assert _sorted_rows(got).equals(_sorted_rows(expected)), table


def test_events_are_partitioned_by_year_in_input_order(on_cluster) -> None:
    events = on_cluster[1] / "data" / "events"
    years = sorted(p.name for p in events.iterdir())
    assert set(years) >= {"year=2018", "year=2019"}
    part = pq.read_table(events / "year=2019" / "part-00001-0.parquet", partitioning=None)
    assert {d.year for d in part.column("date_start").to_pylist()} == {2019}
    provenance = pq.read_table(
        on_cluster[1] / "data" / "provenance" / "year=2019" / "part-00001-0.parquet",
        partitioning=None,
    )
    lines = provenance.column("input_line").to_pylist()
    assert lines == sorted(lines)  # input order within a part
    assert provenance.column("event_id").to_pylist() == part.column("event_id").to_pylist()


def test_the_manifest_lists_the_parts_with_their_hashes(on_cluster) -> None:
    out = on_cluster[1]
    manifest = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    events = next(r for r in manifest["resources"] if r["name"] == "events")
    assert isinstance(events["path"], list) and len(events["path"]) > FILES
    assert [p["path"] for p in events["parts"]] == events["path"]
    dataset = json.loads((out / "dataset.json").read_text(encoding="utf-8"))
    assert [i["sha256"] for i in dataset["imported"]["inputs"]] == [
        i.sha256 for i in on_cluster[0].inputs
    ]


def test_the_output_validates_and_loads_without_a_year_column(single, on_cluster) -> None:
    report = validate_flat([on_cluster[1] / "data"])
    assert not [f for f in report.findings if f.is_error], report.findings[:3]
    written = single[0].rows_written
    assert report.rows["events"] == report.rows["provenance"] == written
    for table in ("events", "provenance", "sources"):
        loaded = coded_events.load(on_cluster[1], table)
        assert "year" not in loaded.column_names
        expected = coded_events.load(single[1], table)
        assert _sorted_rows(loaded).equals(_sorted_rows(expected)), table


def test_load_refuses_a_part_changed_after_the_import(on_cluster, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(on_cluster[1], copy)
    part = next((copy / "data" / "sources").glob("part-*.parquet"))
    table = pq.read_table(part, partitioning=None)
    pq.write_table(table.slice(1), part)
    with pytest.raises(HashMismatchError, match=part.name):
        coded_events.load(copy, "sources")


def test_a_partly_read_input_is_counted_as_the_single_process_counts_it(
    tmp_path: Path,
) -> None:
    """A truncated .gz: its rows before the break are kept, and it is 'read partially',
    not 'refused', on Dask as in one process (Dask's own threads here: no cluster needed)."""
    import random

    from tests.test_import_robustness import _cut_gzip, _gdelt_rows

    rng = random.Random(5)
    rows = _gdelt_rows(6_000)
    for row in rows:
        row[34] = f"{rng.uniform(-10, 10):.6f}"
    raw = "".join("\t".join(r) + "\n" for r in rows).encode("utf-8")
    path = tmp_path / "export.CSV.gz"
    _cut_gzip(raw, path, 0.6)
    one = import_files("gdelt2", [path], tmp_path / "one", batch_bytes=64 << 10)
    many = import_files_dask("gdelt2", [path], tmp_path / "many", batch_bytes=64 << 10)
    assert (one.files_partial, one.files_refused) == (1, 0)
    assert (many.files_partial, many.files_refused) == (1, 0)
    assert (many.rows_read, many.rows_written) == (one.rows_read, one.rows_written)


def test_an_import_over_a_dask_import_replaces_its_parts(tmp_path: Path) -> None:
    """``--out`` may be an earlier import's output: a single-process import over a Dask
    import leaves none of its parts behind (they duplicated every event id)."""
    source = tmp_path / "20191024.export.CSV"
    generate(source, 2_000)
    out = tmp_path / "out"
    import_files_dask("gdelt2", [source], out)
    assert (out / "data" / "events").is_dir()
    import_files("gdelt2", [source], out)
    assert sorted(p.name for p in (out / "data").iterdir()) == sorted(
        f"{table}.parquet" for table in TABLE_NAMES
    )
    report = validate_flat([out / "data"])
    assert not [f for f in report.findings if f.severity == "error"], report.findings[:3]
    assert coded_events.load(out).num_rows == 2_000

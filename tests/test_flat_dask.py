"""The flat validator on Dask (issue 20): a real LocalCluster (2 worker processes) on two
million rows in many files, with faults across partitions; the report must equal the
single process's, and the client must receive counts and samples, never rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from benchmarks.validate_dask import write_dataset
from coded_events.flat import validate_flat
from coded_events.flat.distributed import validate_dask
from coded_events.flat.engine import validate_tables
from coded_events.flat.partitions import split, table_sets
from coded_events.release.rows import arrow_table

distributed = pytest.importorskip("distributed")

EVENTS, EVIDENCE, FILES = 1_200_000, 800_000, 24


HAND_CODED_GAPS = 2 + 50 + 1  # hand-coded rows with an empty hand_coded column


def _empty(path: Path, rows: list[int], columns: list[str]) -> pa.Table:
    """Empty ``columns`` in ``rows`` of an events file (rewritten as one row group)."""
    table = pq.read_table(path)
    for name in columns:
        index = table.schema.get_field_index(name)
        mask = pa.array(np.isin(np.arange(table.num_rows), rows))
        empty = pa.nulls(table.num_rows, table.schema.field(name).type)
        table = table.set_column(index, table.schema.field(name),
                                 pc.if_else(mask, empty, table.column(name)))  # fmt: skip
    pq.write_table(table, path, row_group_size=table.num_rows)
    return table


def add_hand_coded_faults(folder: Path) -> None:
    """Hand-coded rows that leave ``hand_coded`` columns empty across files (some also
    lacking evidence), the same in imported rows (a provenance table names them: fine),
    and a source's title."""
    events = sorted((folder / "events").rglob("*.parquet"))
    _empty(events[1], [3, 40_000], ["certainty"])
    table = _empty(events[4], list(range(100)), ["status", "location_name"])
    imported = table.column("event_id").slice(0, 50)  # the other 50 stay hand-coded
    provenance = arrow_table("provenance", {
        "event_id": imported, "producer": ["GDELT"] * 50, "producer_version": ["2.0"] * 50,
        "producer_event_id": [str(n) for n in range(50)], "source_url": [None] * 50,
        "story_id": [None] * 50, "input_file": [None] * 50, "input_line": [None] * 50,
        "producer_fields": [None] * 50,
    })  # fmt: skip
    pq.write_table(provenance, folder / "provenance.parquet")
    sources = pq.read_table(folder / "sources.parquet")
    titles = pc.if_else(pa.array(np.arange(sources.num_rows) == 5), None, sources["title"])
    sources = sources.set_column(sources.schema.get_field_index("title"), "title", titles)
    pq.write_table(sources, folder / "sources.parquet", row_group_size=sources.num_rows)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("partitioned")
    write_dataset(folder, EVENTS, EVIDENCE, FILES)
    add_hand_coded_faults(folder)
    return folder


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        yield client


@pytest.fixture(scope="module")
def single(dataset: Path):
    return validate_tables([dataset])


@pytest.fixture(scope="module")
def on_cluster(dataset: Path, client):
    return validate_dask([dataset], buckets=4)


def same(one, other) -> None:
    assert one.findings == other.findings
    assert one.counts == other.counts
    assert one.rows == other.rows
    assert one.rows_with_errors == other.rows_with_errors


def test_the_cluster_reports_what_the_single_process_reports(single, on_cluster) -> None:
    report, _ = on_cluster
    same(report, single)
    assert sum(report.rows.values()) >= 2_000_000
    assert report.counts["unknown-event-code"] == 3 * (FILES // 3)  # more than the samples
    assert report.counts["duplicate-event-id"] == 1
    dangling = [f for f in report.findings if f.code == "unresolved-event-reference"]
    assert "'ev-missing'" in dangling[0].message  # evidence points into other files, one nowhere
    assert report.counts["link-unresolved"] == 1  # CSV links against the Parquet events
    assert report.counts["hand-coded-value-missing"] == HAND_CODED_GAPS
    assert report.counts["duplicate-row-key"] == 1  # a links key in two CSV files
    duplicate = next(f for f in report.findings if f.code == "duplicate-event-id")
    assert f"part-{FILES - 1:03d}" in duplicate.file and "of " in duplicate.message
    assert "part-002" in duplicate.message
    assert not report.counts["unknown-field"]  # a hive key (year=) is no column
    summaries = [
        f for f in report.findings if f.code == "unknown-event-code" and isinstance(f.value, int)
    ]
    assert sum(f.value for f in summaries) > 0  # counted beyond the 20 samples shown


def test_the_client_receives_counts_and_samples_never_rows(dataset: Path, on_cluster) -> None:
    _, transfer = on_cluster
    data = sum(p.stat().st_size for p in dataset.rglob("*.parquet"))
    partitions = transfer.objects["partition"]
    assert partitions > FILES  # one per file or row group: the evidence files too
    assert not {t for t in transfer.types if t.startswith(("pyarrow.", "numpy.", "pandas."))}
    # A partition holds 50,000 rows (megabytes); its summary is its samples and counts.
    assert transfer.largest["partition"] < 16_000
    assert sum(transfer.bytes.values()) < data / 200  # 17 MB of Parquet: rows would be MBs


def test_an_fsspec_url_reads_the_same(tmp_path: Path, client) -> None:
    write_dataset(tmp_path, 30_000, 20_000, 6)
    local = validate_tables([tmp_path])
    url, _ = validate_dask([f"file://{tmp_path}"])

    def unprefixed(found):
        return dataclasses.replace(found, file=found.file.removeprefix("file://"),
                                   message=found.message.replace("file://", ""))  # fmt: skip

    assert [unprefixed(f) for f in url.findings] == local.findings
    assert url.counts == local.counts and url.rows == local.rows


@pytest.mark.parametrize("max_samples", [0, 1, 2, 20])
def test_samples_and_counts_whatever_the_cap(tmp_path: Path, max_samples: int) -> None:
    """Dask's threads in this process, no cluster: the cap per code is applied in the
    single process's order whatever the buckets."""
    write_dataset(tmp_path, 30_000, 20_000, 6)
    add_hand_coded_faults(tmp_path)
    one = validate_tables([tmp_path], max_samples=max_samples)
    assert one.counts["hand-coded-value-missing"] == HAND_CODED_GAPS - 1  # no row 40,000
    for buckets in (1, 3):
        report, _ = validate_dask([tmp_path], max_samples=max_samples, buckets=buckets)
        same(report, one)
    assert validate_flat([tmp_path], engine="dask", max_samples=max_samples).counts == one.counts


def test_a_partition_is_a_row_group_and_a_csv_file_is_whole(tmp_path: Path) -> None:
    table = pq.read_table(Path("datasets/south-caucasus/data/events.parquet"))
    (tmp_path / "events").mkdir()
    pq.write_table(table, tmp_path / "events" / "year=2024.parquet", row_group_size=10)
    (tmp_path / "events.csv").write_bytes(
        Path("datasets/south-caucasus/data/events.csv").read_bytes()
    )
    sets = table_sets([tmp_path])
    parquet = split(sets[0].parts["events"][0])
    assert [(p.row_groups, p.first_row) for p in parquet] == [((0,), 0), ((1,), 10), ((2,), 20)]
    assert split(sets[1].parts["events"][0]) == sets[1].parts["events"]
    same(validate_dask([tmp_path])[0], validate_tables([tmp_path]))


def test_a_corrupt_row_group_is_reported_once(tmp_path: Path) -> None:
    """Column problems are about the file: reported by its first row group only."""
    table = pq.read_table(Path("datasets/south-caucasus/data/events.parquet"))
    table = table.append_column("extra", pa.array(["x"] * table.num_rows))
    pq.write_table(table, tmp_path / "events.parquet", row_group_size=5)
    report, _ = validate_dask([tmp_path])
    assert report.counts["unknown-field"] == 1
    same(report, validate_tables([tmp_path]))


def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        validate_flat([Path(".")], engine="spark")

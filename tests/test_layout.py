"""One owner each: the dataset layout, the schema file name, hashing and the CSV dialect."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pytest

from coded_events import safe_files
from coded_events.release import build as publish
from coded_events.release import csv_dialect
from coded_events.release.table_schema import MISSING_VALUES
from coded_events.spec import layout, models, schema_files
from coded_events.spec.layout import DatasetLayout

DATASET = Path(__file__).resolve().parents[1] / "datasets" / "south-caucasus"


def test_the_layout_names_every_part_of_a_dataset_folder() -> None:
    parts = DatasetLayout(DATASET)
    assert parts.records.is_dir() and parts.sources.is_dir() and parts.data.is_dir()
    assert parts.metadata.is_file() and parts.manifest.is_file()
    assert parts.table_file("events", "parquet") == DATASET / "data" / "events.parquet"
    assert layout.data_path("links", "csv") == "data/links.csv"


def test_the_build_writes_exactly_the_layouts_files() -> None:
    outputs = publish.output_paths()
    assert outputs[-1] == layout.MANIFEST
    assert all(p.startswith(layout.DATA_DIR + "/") for p in outputs[:-1])
    assert all((DATASET / p).is_file() for p in outputs)


def test_the_schema_file_name_has_one_owner() -> None:
    assert models.schema_url("9.9.9").endswith("/9.9.9/" + layout.DOCUMENT_SCHEMA_FILE)
    assert schema_files.published_path("1.0.0").name == layout.DOCUMENT_SCHEMA_FILE
    assert set(schema_files.generated_files()) == {layout.DOCUMENT_SCHEMA_FILE}


def test_sha256_file_hashes_the_bytes_and_refuses_links(tmp_path: Path) -> None:
    file = tmp_path / "f.bin"
    file.write_bytes(b"x" * 3_000_000)  # more than one chunk
    assert safe_files.sha256_file(file) == hashlib.sha256(file.read_bytes()).hexdigest()
    assert safe_files.sha256_bytes(b"abc") == hashlib.sha256(b"abc").hexdigest()
    (tmp_path / "link").symlink_to(file)
    with pytest.raises(safe_files.LinkRefused):
        safe_files.sha256_file(tmp_path / "link")


def test_a_linked_released_schema_is_reported_not_a_traceback(tmp_path: Path) -> None:
    root = tmp_path / "schema"
    for version in schema_files.released():
        (root / version).mkdir(parents=True)
        target = tmp_path / f"{version}.json"
        target.write_bytes(schema_files.published_path(version).read_bytes())
        (root / version / layout.DOCUMENT_SCHEMA_FILE).symlink_to(target)
    problems = schema_files.frozen_violations(root)
    assert problems and all("symbolic link" in p for p in problems)


def test_the_csv_dialect_writes_nulls_as_the_declared_missing_value() -> None:
    assert csv_dialect.NULL in MISSING_VALUES
    table = pa.table(
        {"a": pa.array(["", None, "x,y", "=1"]), "b": pa.array([True, False, None, True])}
    )
    text = csv_dialect.csv_bytes(table).decode()
    assert text == 'a,b\r\n"",true\r\n,false\r\n"x,y",\r\n\'=1,true\r\n'


def test_the_csv_dialect_reads_back_what_it_writes(tmp_path: Path) -> None:
    schema = pa.schema([("a", pa.string()), ("b", pa.bool_()), ("c", pa.list_(pa.string()))])
    table = pa.table(
        {
            "a": ["", None, "'quoted", "-x"],
            "b": [True, None, False, True],
            "c": [[], None, ["a"], ["="]],
        },
        schema=schema,
    )
    path = tmp_path / "t.csv"
    path.write_bytes(csv_dialect.csv_bytes(table))
    assert csv_dialect.read_table(path, schema).equals(table)


def test_publish_reads_and_writes_with_the_dialect() -> None:
    for table in ("events", "links"):
        path = DATASET / "data" / f"{table}.csv"
        assert publish.read_csv(path, table).num_rows > 0
    assert publish.csv_bytes is csv_dialect.csv_bytes

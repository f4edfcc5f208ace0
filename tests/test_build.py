"""`coded-events build`: reproducible Parquet, CSV and manifest, checked with real tools."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from frictionless import Package

from coded_events.release import build as publish
from coded_events.release import rows as tables
from coded_events.spec import codebook
from coded_events.spec.versions import SCHEMA_VERSION
from tests.conftest import FIXTURES, ROOT

BIN = Path(sys.executable).parent
REAL = ROOT / "datasets" / "south-caucasus"
TEXT = REAL / "sources" / "myind-2024-04-17-russia-peacekeepers-withdrawal.txt"
HOSTILE_SOURCE = "hostile-copy"
HOSTILE = {  # text cells a spreadsheet would run as formulas, and negative numbers
    "source_actor_name": '=HYPERLINK("http://example.org","x")',
    "coder": "@coder",
    "notes": "+1 more, see text",
    "date_note": "-said later",
    "location_admin1": "\tTabbed",
    "location_name": "'quoted already",
}


def _hostile_record() -> dict:
    record = json.loads((FIXTURES / "valid" / "minimal.json").read_text("utf-8"))
    record["source"]["source_id"] = HOSTILE_SOURCE
    event = record["events"][0]
    event["event_id"] = "hostile-0001"
    event["source_actor"]["name"] = HOSTILE["source_actor_name"]
    event["coder"] = HOSTILE["coder"]
    event["notes"] = HOSTILE["notes"]
    event["date"]["note"] = HOSTILE["date_note"]
    event["location"].update(
        admin1=HOSTILE["location_admin1"],
        name=HOSTILE["location_name"],
        country="ARG",
        latitude=-34.6,
        longitude=-58.38,
    )
    event["action"] = {"code": "190"}  # Goldstein -10
    event["quantities"] = [{"value": -5, "unit": "degrees", "as_written": "-5"}]
    return record


def make_dataset(folder: Path) -> Path:
    """A dataset folder built from the valid fixtures plus one hostile record (named
    ``fixture-set``, so that the build's version check has no release to compare with)."""
    (folder / "records").mkdir(parents=True)
    (folder / "sources").mkdir()
    meta = json.loads((REAL / "dataset.json").read_text("utf-8"))
    meta["name"] = "fixture-set"  # not a registered dataset: no previous release to compare
    (folder / "dataset.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    shutil.copy(TEXT, folder / "sources" / TEXT.name)
    shutil.copy(TEXT, folder / "sources" / f"{HOSTILE_SOURCE}.txt")
    shutil.copy(FIXTURES / "valid" / "full.json", folder / "records" / "full.json")
    hostile = json.dumps(_hostile_record(), ensure_ascii=False, indent=1)
    (folder / "records" / "hostile.json").write_text(hostile, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = make_dataset(tmp_path_factory.mktemp("build") / "fixture-set")
    publish.build(folder)
    return folder


def _invalid_fixture(slug: str) -> Path:
    """The invalid fixture named ``<check_code>__<slug>.json`` (codes may be renamed)."""
    (path,) = (FIXTURES / "invalid").glob(f"*__{slug}.json")
    return path


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "coded-events"), *args], capture_output=True, text=True, cwd=cwd, check=False
    )


# --- determinism and staleness ------------------------------------------------------


def test_two_builds_give_identical_bytes(built: Path, tmp_path: Path) -> None:
    again = make_dataset(tmp_path / "again")
    assert _cli("build", str(again)).returncode == 0
    for relative in publish.output_paths():
        assert (again / relative).read_bytes() == (built / relative).read_bytes(), relative


def test_check_passes_on_a_fresh_build_and_names_stale_files(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    publish.build(folder)
    assert publish.check(folder) == []
    assert _cli("build", str(folder), "--check").returncode == 0
    record = folder / "records" / "hostile.json"
    record.write_text(record.read_text("utf-8").replace("@coder", "@coder2"), encoding="utf-8")
    result = _cli("build", str(folder), "--check")
    assert result.returncode == 1
    assert "data/events.parquet" in result.stderr and "coded-events build" in result.stderr
    assert publish.check(folder) == [
        "data/events.parquet",
        "data/events.csv",
        "datapackage.json",
    ]


def test_build_refuses_invalid_records_and_says_why(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    bad = _invalid_fixture("february-30")
    shutil.copy(bad, folder / "records" / bad.name)
    result = _cli("build", str(folder))
    assert result.returncode == 1
    assert bad.name in result.stderr and "Traceback" not in result.stderr
    assert not (folder / "data").exists()


def test_build_refuses_a_quote_that_is_not_at_its_offsets(tmp_path: Path) -> None:
    folder = make_dataset(tmp_path / "ds")
    record = folder / "records" / "hostile.json"
    data = json.loads(record.read_text("utf-8"))
    data["events"][0]["evidence"][0]["char_start"] += 1
    record.write_text(json.dumps(data), encoding="utf-8")
    result = _cli("build", str(folder))
    assert result.returncode == 1
    assert "hostile.json" in result.stderr and "/events/0/evidence/0" in result.stderr


def test_committed_real_dataset_is_a_fresh_build() -> None:
    if not any((REAL / "records").glob("*.json")):
        pytest.skip("datasets/south-caucasus/records/ holds no records yet")
    stale = publish.check(REAL)
    assert not stale, (
        f"stale built files {stale}: run `coded-events build datasets/south-caucasus` "
        f"and commit data/ and datapackage.json (pyarrow {pa.__version__})"
    )


# --- datapackage.json ---------------------------------------------------------------


def test_frictionless_validates_the_package_api_and_cli(built: Path) -> None:
    report = Package("datapackage.json", basepath=str(built)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])
    assert sorted(task.name for task in report.tasks) == sorted(
        [*tables.TABLE_NAMES, *(f"{t}-csv" for t in tables.TABLE_NAMES)]
    )
    result = subprocess.run(
        [str(BIN / "frictionless"), "validate", "datapackage.json"],
        cwd=built,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_frictionless_catches_a_broken_foreign_key(built: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(built, tmp_path / "copy")
    csv = copy / "data" / "evidence.csv"
    csv.write_bytes(csv.read_bytes().replace(b"hostile-0001,", b"hostile-9999,"))
    package = json.loads((copy / "datapackage.json").read_text("utf-8"))
    for resource in package["resources"]:  # only the foreign key should fail
        resource.pop("hash"), resource.pop("bytes")
    (copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = Package("datapackage.json", basepath=str(copy)).validate()
    assert [e[0] for e in report.flatten(["type"])] == ["foreign-key"]


def test_manifest_metadata_hashes_and_keys(built: Path) -> None:
    package = json.loads((built / "datapackage.json").read_text("utf-8"))
    meta = json.loads((built / "dataset.json").read_text("utf-8"))
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert (package["name"], package["version"]) == (meta["name"], meta["version"])
    assert package["created"].startswith(meta["created"])
    assert package["licenses"] == meta["licenses"]
    assert package["schema_version"] == SCHEMA_VERSION
    assert package["codebook_version"] == codebook.codebook_version()
    assert len(package["sources"]) == 2
    for resource in package["resources"]:
        content = (built / resource["path"]).read_bytes()
        assert resource["bytes"] == len(content)
        assert resource["hash"] == f"sha256:{hashlib.sha256(content).hexdigest()}"
        assert resource["schema"]["missingValues"] == [""]
    by_name = {r["name"]: r for r in package["resources"]}
    keys = by_name["evidence-csv"]["schema"]["foreignKeys"]
    assert {k["reference"]["resource"] for k in keys} == {"events-csv", "sources-csv"}
    assert by_name["events"]["schema"]["foreignKeys"][0]["reference"]["resource"] == "sources"


# --- Parquet read by the tools analysts use -----------------------------------------


def test_parquet_types_sort_order_and_metadata(built: Path) -> None:
    meta = json.loads((built / "dataset.json").read_text("utf-8"))
    for name in tables.TABLE_NAMES:
        path = built / "data" / f"{name}.parquet"
        table = pq.read_table(path)
        assert table.schema.remove_metadata().equals(tables.ARROW_SCHEMAS[name])
        kv = pq.read_metadata(path).metadata
        assert kv[b"coded_events.dataset_version"] == meta["version"].encode()
        assert kv[b"coded_events.schema_version"] == SCHEMA_VERSION.encode()
        assert kv[b"coded_events.codebook_version"] == codebook.codebook_version().encode()
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    ids = pq.read_table(built / "data" / "events.parquet").column("event_id").to_pylist()
    assert ids == sorted(ids) == ["fixture-0002", "hostile-0001"]


def test_duckdb_reads_declared_types(built: Path) -> None:
    path = str(built / "data" / "events.parquet")
    con = duckdb.connect()
    rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    types = {row[0]: row[1] for row in rows}
    assert types["date_start"] == "DATE"
    assert types["latitude"] == "DOUBLE"
    assert types["cameo_code"] == "VARCHAR"
    assert types["source_actor_roles"] == "VARCHAR[]"
    assert types["quantities"].startswith("STRUCT(")
    codes = con.execute(f"SELECT cameo_code FROM read_parquet('{path}') ORDER BY 1").fetchall()
    assert codes == [("010",), ("190",)]
    for name in ("evidence", "sources"):
        table = str(built / "data" / f"{name}.parquet")
        assert con.execute(f"SELECT count(*) FROM read_parquet('{table}')").fetchone()[0] > 0


def test_polars_reads_declared_types(built: Path) -> None:
    frame = pl.read_parquet(built / "data" / "events.parquet")
    assert frame.schema["date_start"] == pl.Date
    assert frame.schema["latitude"] == pl.Float64
    assert frame.schema["source_actor_roles"] == pl.List(pl.String)
    assert frame["cameo_code"].cast(pl.String).to_list() == ["010", "190"]
    assert frame["longitude"].to_list()[1] == -58.38
    for name in ("evidence", "sources"):
        assert pl.read_parquet(built / "data" / f"{name}.parquet").height > 0


def test_pandas_reads_declared_types(built: Path) -> None:
    frame = pd.read_parquet(built / "data" / "events.parquet")
    assert list(frame["cameo_code"].astype(str)) == ["010", "190"]
    assert str(frame["latitude"].dtype) == "float64"
    assert list(frame["quad_class"]) == [1, 4]
    assert str(frame["date_start"].iloc[0]) == "2024-04-17"
    sources = pd.read_parquet(built / "data" / "sources.parquet")
    assert list(sources["source_id"]) == sorted(sources["source_id"])


def test_pyarrow_dataset_reads_the_folder(built: Path) -> None:
    folder = ds.dataset(built / "data", format="parquet", exclude_invalid_files=True)
    assert sorted(Path(f).name for f in folder.files) == [
        f"{name}.parquet" for name in sorted(tables.TABLE_NAMES)
    ]
    for fragment in folder.get_fragments():
        name = Path(fragment.path).stem
        rows = fragment.to_table(schema=fragment.physical_schema).num_rows
        assert rows > 0 or name in ("links", "provenance"), name  # none in the fixtures
        one = ds.dataset(fragment.path, format="parquet").to_table()
        assert one.equals(pq.read_table(fragment.path)), name


# --- CSV ----------------------------------------------------------------------------


def test_csv_read_back_with_explicit_types_equals_parquet(built: Path) -> None:
    for name in tables.TABLE_NAMES:
        from_csv = publish.read_csv(built / "data" / f"{name}.csv", name)
        from_parquet = pq.read_table(built / "data" / f"{name}.parquet").replace_schema_metadata()
        assert from_csv.equals(from_parquet), name


def test_csv_is_rfc4180_utf8_with_iso_dates(built: Path) -> None:
    raw = (built / "data" / "events.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 3 and raw.endswith(b"\r\n")
    plain = pa_csv.read_csv(
        built / "data" / "events.csv",
        convert_options=pa_csv.ConvertOptions(
            column_types={"cameo_code": pa.string(), "date_start": pa.date32()}
        ),
    )
    assert plain.column("cameo_code").to_pylist() == ["010", "190"]
    assert b',"[""GOV""]",' in raw  # lists as JSON text, RFC 4180 quoting


def test_formula_cells_are_neutralised_in_csv_only(built: Path) -> None:
    text = (built / "data" / "events.csv").read_text("utf-8")
    parquet = pq.read_table(built / "data" / "events.parquet").to_pylist()[1]
    raw = pa_csv.read_csv(
        built / "data" / "events.csv",
        convert_options=pa_csv.ConvertOptions(
            column_types={c: pa.string() for c in tables.EVENTS_SCHEMA.names}
        ),
    ).to_pylist()[1]
    for column, value in HOSTILE.items():
        assert parquet[column] == value  # Parquet keeps the exact value
        assert raw[column] == "'" + value  # CSV shows it as text
    assert raw["longitude"] == "-58.38" and raw["latitude"] == "-34.6"  # numbers untouched
    assert raw["goldstein"] == "-10.0"
    quantities = json.loads(raw["quantities"])  # JSON text never starts with a trigger
    assert quantities[0]["as_written"] == "-5" and quantities[0]["value"] == -5.0
    assert "'[" not in text


# --- the wheel ----------------------------------------------------------------------


def test_built_files_ship_in_the_wheel(tmp_path: Path) -> None:
    if not (REAL / "datapackage.json").is_file():
        pytest.skip("the real dataset is not built yet")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    import zipfile

    (wheel,) = tmp_path.glob("coded_events-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = "coded_events/_bundled/datasets/south-caucasus/"
    for relative in publish.output_paths():
        assert bundled + relative in names, relative
    assert not any(n.startswith(bundled + "sources/") for n in names)  # publishers' texts
    assert not any(n.startswith(bundled + "records/") for n in names)


def test_records_of_an_older_schema_build_like_migrated_ones(tmp_path: Path) -> None:
    """The validator accepts 1.0.0 records with a warning; the build migrates them in
    memory and publishes the same tables, leaving the record file as it was."""
    current = make_dataset(tmp_path / "current")
    publish.build(current)
    older = make_dataset(tmp_path / "older")
    record = older / "records" / "full.json"
    data = json.loads(record.read_text("utf-8"))
    data["schema_version"] = "1.0.0"
    data["$schema"] = data["$schema"].replace("/1.1.0/", "/1.0.0/")
    record.write_text(json.dumps(data, indent=2), encoding="utf-8")
    before = record.read_bytes()
    result = _cli("build", str(older))
    assert result.returncode == 0, result.stderr
    assert record.read_bytes() == before
    for relative in publish.output_paths():
        assert (older / relative).read_bytes() == (current / relative).read_bytes(), relative


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{bad", "not readable JSON"),
        (b"\xff\xfe", "not readable JSON"),
        (b"[1, 2]", "must hold a JSON object"),
        (None, "'citation' must be a JSON string"),
        (None, "'version' must be a JSON string"),
        (None, "is not MAJOR.MINOR.PATCH"),
        (None, "is not an ISO 8601 date"),
        (None, "version '01.1.0' is not MAJOR.MINOR.PATCH"),
        (None, "lists no licence"),
        (None, "a licence needs a 'name'"),
        (None, "is not a dataset name"),
    ],
    ids=[
        "json",
        "bytes",
        "array",
        "citation",
        "version-type",
        "version-form",
        "created",
        "version-zero",
        "no-licence",
        "empty-licence",
        "name",
    ],
)
def test_bad_dataset_metadata_is_refused_with_a_message(
    tmp_path: Path, content: bytes | None, expected: str
) -> None:
    folder = make_dataset(tmp_path / "ds")
    meta_path = folder / "dataset.json"
    if content is None:
        meta = json.loads(meta_path.read_text("utf-8"))
        edits = {
            "'citation' must be a JSON string": {"citation": None},
            "'version' must be a JSON string": {"version": 1},
            "is not MAJOR.MINOR.PATCH": {"version": "1.0"},
            "is not an ISO 8601 date": {"created": "yesterday"},
            "version '01.1.0' is not MAJOR.MINOR.PATCH": {"version": "01.1.0"},
            "lists no licence": {"licenses": []},
            "a licence needs a 'name'": {"licenses": [{}]},
            "is not a dataset name": {"name": "../evil"},
        }
        meta.update(edits[expected])
        content = json.dumps(meta).encode()
    meta_path.write_bytes(content)
    result = _cli("build", str(folder))
    assert result.returncode == 1
    assert expected in result.stderr
    assert "dataset.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_finding_text_names_file_line_rule_and_fix() -> None:
    from coded_events.findings import Finding

    finding = Finding(
        code="bad-date", severity="error", message="no such day", hint="use a real date",
        file="records/x.json", line=3, column=7, pointer="/events/0/date/start",
    )  # fmt: skip
    assert publish._finding_text(finding) == (
        "records/x.json:3:7 /events/0/date/start [bad-date] no such day (fix: use a real date)"
    )


def test_csv_with_line_breaks_in_cells_reads_back_beyond_one_block(tmp_path: Path) -> None:
    """Quoted line breaks in text cells survive a CSV larger than pyarrow's 1 MiB block."""
    rows = 30_000
    table = tables.arrow_table(
        "links",
        {
            "event_id": [f"ev-{i:06d}\nsecond line" for i in range(rows)],
            "link_index": [0] * rows,
            "type": ["part_of"] * rows,
            "target_event_id": ["ev-000000\r\nthird"] * rows,
        },
    )
    path = tmp_path / "links.csv"
    path.write_bytes(publish.csv_bytes(table))
    assert path.stat().st_size > 1 << 20
    assert publish.read_csv(path, "links").equals(table)


@pytest.mark.parametrize(
    "written",
    [{"compression": "snappy"}, {"row_group_size": 2}, {"sorting_columns": None}],
    ids=["other-compression", "other-row-groups", "no-sort-order"],
)
def test_same_rows_in_another_layout_are_not_the_same_content(written: dict) -> None:
    """A committed Parquet file is kept only if its layout is the build's: same rows, schema
    and key-value metadata written with another compression, row groups or sort order is not
    up to date (``build`` rewrites it, ``build --check`` names it)."""
    built = (REAL / "data" / "events.parquet").read_bytes()
    table = pq.read_table(pa.BufferReader(built))
    meta = pq.ParquetFile(pa.BufferReader(built)).metadata
    options = {
        "compression": meta.row_group(0).column(0).compression.lower(),
        "row_group_size": meta.num_rows,
        "sorting_columns": meta.row_group(0).sorting_columns,
        **written,
    }
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **options)
    other = sink.getvalue().to_pybytes()
    assert pq.read_table(pa.BufferReader(other)).equals(table, check_metadata=True)
    assert publish.same_parquet_content(built, built)
    assert not publish.same_parquet_content(built, other)
    assert not publish.same_parquet_content(other, built)


def test_manifest_mismatches_names_a_listed_file_that_is_missing(
    built: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(built, folder)
    assert publish.manifest_mismatches(folder) == []
    (folder / "data" / "links.csv").unlink()
    (problem,) = publish.manifest_mismatches(folder)
    assert problem.startswith(f"{folder / 'data' / 'links.csv'}: ") and "missing" in problem


def test_a_version_below_every_registered_release_is_refused(tmp_path: Path) -> None:
    """south-caucasus 0.9.0 built as a "first release" although 1.0.0 and 1.1.0 exist."""
    folder = tmp_path / "south-caucasus"
    shutil.copytree(ROOT / "datasets" / "south-caucasus", folder)
    meta = json.loads((folder / "dataset.json").read_text("utf-8"))
    meta["version"] = "0.9.0"
    (folder / "dataset.json").write_text(json.dumps(meta), "utf-8")
    result = _cli("build", str(folder))
    assert result.returncode == 1, result.stdout
    said = "dataset.json /version: south-caucasus 0.9.0 is older than its registered releases"
    assert f"{said} (1.0.0, 1.1.0)" in result.stderr

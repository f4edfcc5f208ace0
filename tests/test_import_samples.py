"""The real samples in ../shared/samples (GDELT 1.0, GDELT 2.0, ICEWS; origin and licence
in their SOURCES.md), imported: row counts, a few rows field by field, the findings; each
output validates, loads with ``coded_events.load(path)`` and reads in DuckDB, polars and
pandas. The samples are never copied into the repository: without them these tests skip."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import coded_events
from coded_events.flat import validate_flat
from coded_events.importers.run import ImportResult, detect_format, import_files
from tests.conftest import SAMPLES

GDELT2 = SAMPLES / "gdelt" / "20191024143000.export.CSV"
GDELT1 = SAMPLES / "gdelt" / "20141124.export.CSV.zip"
ICEWS = SAMPLES / "icews" / "icews_events.2018.sample.first1000.tab"

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(),
    reason=f"the real samples are not here ({SAMPLES}): they live beside the project, "
    "never in it (see the importers issue)",
)


def _import(fmt: str, path: Path, out: Path) -> tuple[ImportResult, list[dict], list[dict]]:
    result = import_files(fmt, [path], out)
    events = pq.read_table(out / "data" / "events.parquet").to_pylist()
    provenance = pq.read_table(out / "data" / "provenance.parquet").to_pylist()
    return result, events, provenance


@pytest.fixture(scope="module")
def gdelt2(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, list, list, Path]:
    out = tmp_path_factory.mktemp("gdelt2")
    return (*_import("gdelt2", GDELT2, out), out)


@pytest.fixture(scope="module")
def gdelt1(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, list, list, Path]:
    out = tmp_path_factory.mktemp("gdelt1")
    return (*_import("gdelt1", GDELT1, out), out)


@pytest.fixture(scope="module")
def icews(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, list, list, Path]:
    out = tmp_path_factory.mktemp("icews")
    return (*_import("icews", ICEWS, out), out)


def test_gdelt2_sample(gdelt2: tuple) -> None:
    result, events, provenance, _ = gdelt2
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (2111, 2111, 0)
    assert result.counts == {
        "import-actor-not-expressible": 57,
        "import-coordinates-outside": 7,
        "import-country-unknown": 2,
        "import-date-arithmetic": 44,
        "import-target-is-source": 4,
    }
    eu = events[1]  # 881990833: (blank Actor1) 040 IGOEUREEC "THE EU", Minsk, added - 1 year
    assert eu["event_id"] == "gdelt2-881990833"
    assert (eu["target_actor_code"], eu["target_actor_name"]) == ("EURIGOEEC", "THE EU")
    assert eu["target_actor_known_group"] == "EEC" and eu["target_actor_roles"] == ["IGO", "EEC"]
    assert (eu["source_actor_code"], eu["source_actor_name"]) == (None, None)
    assert (eu["cameo_code"], eu["root_code"], eu["quad_class"], eu["goldstein"]) == (
        "040", "04", 1, 1.0)  # fmt: skip
    assert (eu["date_start_text"], eu["date_precision"]) == ("2018", "year")
    assert eu["location_name"] == "Minsk, Belarus (general), Belarus"
    assert (eu["location_country"], eu["latitude"], eu["longitude"]) == ("BLR", 53.9, 27.5667)
    assert (eu["geo_precision"], eu["geonames_id"], eu["coder"]) == (
        "settlement",
        None,
        "GDELT 2.0",
    )
    row = provenance[1]
    assert (row["producer"], row["producer_version"], row["producer_event_id"]) == (
        "GDELT", "2.0", "881990833")  # fmt: skip
    assert row["input_file"] == "20191024143000.export.CSV" and row["input_line"] == 2
    assert row["source_url"].startswith("https://belsat.eu/en/news/10-years-of-belarus")
    fields = json.loads(row["producer_fields"])
    assert (fields["NumMentions"], fields["AvgTone"], fields["ActionGeo_FeatureID"]) == (
        "10", "0.63492063492064", "-1946324")  # fmt: skip
    assert fields["ActionGeo_CountryCode"] == "BO"  # FIPS: Belarus (ISO BO: Bolivia)
    assert "GLOBALEVENTID" not in fields and "SOURCEURL" not in fields


def test_gdelt1_sample_from_its_zip(gdelt1: tuple) -> None:
    result, events, provenance, out = gdelt1
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (100, 100, 0)
    assert result.counts == {"import-actor-not-expressible": 1, "import-date-arithmetic": 79}
    police = events[0]  # 324845984: (blank Actor1) 014 COP "POLICE", Washington DC, 2004-11-26
    assert (police["target_actor_code"], police["cameo_code"]) == ("COP", "014")
    assert (events[2]["source_actor_code"], events[2]["source_actor_name"]) == ("BUS", "INDUSTRY")
    assert (police["date_start_text"], police["date_precision"]) == ("2004-11-26", "day")
    assert (police["location_country"], police["geo_precision"]) == ("USA", "settlement")
    assert provenance[0]["input_file"] == "20141124.export.CSV.zip!20141124.export.CSV"
    dataset = json.loads((out / "dataset.json").read_text("utf-8"))
    assert dataset["imported"]["inputs"][0]["name"] == "20141124.export.CSV.zip"
    assert len(dataset["imported"]["inputs"][0]["sha256"]) == 64


def test_icews_sample(icews: tuple) -> None:
    result, events, provenance, _ = icews
    assert (result.rows_read, result.rows_written, result.rows_rejected) == (1000, 1000, 0)
    assert set(result.counts) == {
        "import-actor-not-expressible",
        "import-coordinates-outside",
        "import-derived-disagrees",
    }
    first = events[0]  # 32889836: Foreign Affairs (Bangladesh) consults Vietnam's military
    assert (first["source_actor_code"], first["target_actor_code"]) == ("BGDGOV", "VNMGOVMIL")
    assert first["source_actor_name"] == "Foreign Affairs (Bangladesh)"
    assert (first["cameo_code"], first["date_start_text"]) == ("040", "2018-06-01")
    assert (first["location_name"], first["location_country"]) == ("Hanoi", "VNM")
    assert first["geo_precision"] == "settlement" and first["coder"] == "ICEWS"
    row = provenance[0]
    assert (row["producer"], row["producer_version"], row["story_id"]) == (
        "ICEWS", None, "47400351")  # fmt: skip
    assert row["input_line"] == 2  # the header is line 1
    fields = json.loads(row["producer_fields"])
    assert fields["Source Sectors"] == "Executive,Foreign Ministry,Government"
    assert (fields["Intensity"], fields["Event Text"]) == ("1", "Consult")
    assert "District" not in fields  # NA is missing, and District is read by the place rule


@pytest.mark.parametrize("name", ["gdelt2", "gdelt1", "icews"])
def test_each_sample_output_validates_and_loads(name: str, request: pytest.FixtureRequest) -> None:
    result, events, _, out = request.getfixturevalue(name)
    findings = validate_flat([out / "data"]).findings
    assert [f for f in findings if f.is_error] == []
    table = coded_events.load(out)
    assert table.num_rows == len(events) == result.rows_written
    provenance = coded_events.load(out / "datapackage.json", "provenance")
    assert provenance.num_rows == result.rows_written


def test_duckdb_polars_pandas_read_the_import(gdelt2: tuple) -> None:
    duckdb = pytest.importorskip("duckdb")
    polars = pytest.importorskip("polars")
    pandas = pytest.importorskip("pandas")
    _, events, _, out = gdelt2
    path = out / "data" / "events.parquet"
    (count, codes) = duckdb.connect().execute(
        "SELECT count(*), count(DISTINCT cameo_code) FROM read_parquet(?) "
        "WHERE cameo_code LIKE '0%'", [str(path)]
    ).fetchone()  # fmt: skip
    assert count == sum(e["cameo_code"].startswith("0") for e in events) and codes > 1
    frame = polars.read_parquet(path)
    assert frame.height == len(events) and frame["cameo_code"].cast(str)[1] == "040"
    pdf = pandas.read_parquet(path)
    assert len(pdf) == len(events) and str(pdf["cameo_code"].iloc[1]) == "040"


def test_auto_says_what_it_chose() -> None:
    for path, name in ((GDELT2, "gdelt2"), (GDELT1, "gdelt1"), (ICEWS, "icews")):
        fmt, why = detect_format(path)
        assert fmt.name == name and name in why and str(path) in why

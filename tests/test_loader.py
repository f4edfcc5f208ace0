"""The loader: the bundled release, table and version names, conversions, clear errors."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pyarrow as pa
import pytest

import coded_events
from coded_events.access import loader
from coded_events.release import build as publish
from coded_events.resources import datasets_dir
from tests.test_download_support import (
    DATASET,
    files_in,
    make_release,
    registry_entry,
    serving,
    sha256,
)

dl = importlib.import_module("coded_events.access.fetch")
dl_registry = importlib.import_module("coded_events.access.registry")
BUNDLED = datasets_dir() / DATASET


def _bundled_manifest() -> dict:
    return json.loads((BUNDLED / "datapackage.json").read_text(encoding="utf-8"))


def _record_counts() -> dict[str, int]:
    events = evidence = 0
    sources = sorted((BUNDLED / "records").glob("*.json"))
    for file in sources:
        document = json.loads(file.read_text(encoding="utf-8"))
        events += len(document["events"])
        evidence += sum(len(event["evidence"]) for event in document["events"])
    return {"events": events, "evidence": evidence, "sources": len(sources)}


@pytest.fixture
def offline_env(tmp_path, monkeypatch) -> Path:
    """No network and an empty cache: the bundled release must still load."""
    monkeypatch.setenv(dl.ENV_OFFLINE, "1")
    monkeypatch.setenv(dl.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.setenv(dl.ENV_BASE_URL, "http://127.0.0.1:9/{dataset}/{version}/")
    return tmp_path / "cache"


@pytest.fixture
def fake_bundle(tmp_path, monkeypatch) -> Path:
    """A datasets/ folder with a copy of the real bundled release, used instead of it."""
    root = tmp_path / "datasets"
    shutil.copytree(BUNDLED, root / DATASET, ignore=shutil.ignore_patterns("records", "sources"))
    monkeypatch.setattr(loader, "datasets_dir", lambda: root)
    return root / DATASET


# ------------------------------------------------------------------ the bundled release


def test_load_bundled_events_offline(offline_env) -> None:
    table = coded_events.load(DATASET)
    assert isinstance(table, pa.Table)
    counts = _record_counts()
    assert table.num_rows == counts["events"] > 0
    assert table.column("event_id").to_pylist() == sorted(table.column("event_id").to_pylist())
    assert pa.types.is_date32(table.schema.field("date_start").type)
    for name in ("evidence", "sources"):
        assert coded_events.load(DATASET, name).num_rows == counts[name]
    assert files_in(offline_env) == []  # the cache was never touched


def test_bundled_version_by_number_is_the_bundle(offline_env) -> None:
    version = _bundled_manifest()["version"]
    assert coded_events.path(DATASET, version=f"v{version}").parent.parent == BUNDLED


def test_as_pandas_and_polars(offline_env) -> None:
    import pandas
    import polars

    frame = coded_events.load(DATASET, as_="pandas")
    assert isinstance(frame, pandas.DataFrame) and len(frame) == _record_counts()["events"]
    lazy = coded_events.load(DATASET, "evidence", as_="polars")
    assert isinstance(lazy, polars.DataFrame) and lazy.height == _record_counts()["evidence"]


def test_pandas_gets_the_types_an_analyst_expects(offline_env) -> None:
    """Dates as datetime64, integers as nullable Int64, every code and text as string."""
    import pandas as pd

    arrow = coded_events.load(DATASET)
    frame = coded_events.load(DATASET, as_="pandas")
    for name in ("date_start", "date_end"):
        assert frame[name].dtype == "datetime64[ms]", name
        expected = pd.to_datetime(pd.Series(arrow.column(name).to_pylist())).astype(
            "datetime64[ms]"
        )
        assert frame[name].tolist() == expected.tolist()
    for name in ("quad_class", "geonames_id"):
        assert frame[name].dtype == pd.Int64Dtype(), name
    assert frame["geonames_id"].isna().sum() == arrow.column("geonames_id").null_count > 0
    assert frame["quad_class"].tolist() == arrow.column("quad_class").to_pylist()
    for name in ("cameo_code", "root_code", "source_actor_code", "location_country", "certainty",
                 "event_id", "source_actor_name"):  # fmt: skip
        assert frame[name].dtype == pd.StringDtype(), name
        assert frame[name].tolist() == [
            pd.NA if value is None else value for value in arrow.column(name).to_pylist()
        ]
    assert frame["cameo_code"].str.startswith("0").any()  # leading zeros kept
    assert (frame["cameo_code"] == "0874").sum() == arrow.column("cameo_code").to_pylist().count(
        "0874"
    )
    assert frame["date_approximate"].dtype == pd.BooleanDtype()
    assert frame["goldstein"].dtype == "float64"
    evidence = coded_events.load(DATASET, "evidence", as_="pandas")
    assert {evidence[c].dtype for c in ("evidence_index", "char_start", "char_end")} == {
        pd.Int64Dtype()
    }
    monthly = frame.groupby(frame["date_start"].dt.to_period("M")).size()
    assert monthly.sum() == len(frame)
    # polars and Arrow stay as they were: Arrow types, dictionary codes, date32.
    assert pa.types.is_dictionary(arrow.schema.field("cameo_code").type)
    polars_frame = coded_events.load(DATASET, as_="polars")
    assert str(polars_frame.schema["date_start"]) == "Date"


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_missing_library_names_the_extra(offline_env, monkeypatch, library) -> None:
    monkeypatch.setitem(sys.modules, library, None)  # makes `import library` fail
    with pytest.raises(loader.MissingExtraError, match=re.escape(f"coded-events[{library}]")):
        coded_events.load(DATASET, as_=library)
    with pytest.raises(ImportError):  # also catchable as ImportError
        coded_events.load(DATASET, as_=library)


def test_bad_as_is_refused(offline_env) -> None:
    with pytest.raises(ValueError, match="arrow, pandas, polars"):
        coded_events.load(DATASET, as_="numpy")
    with pytest.raises(ValueError, match="arrow, pandas, polars"):
        coded_events.load(DATASET, as_=["arrow"])


def test_path_gives_files_for_duckdb(offline_env) -> None:
    import duckdb

    parquet = coded_events.path(DATASET, "events")
    csv = coded_events.path(DATASET, "events", format="csv")
    assert parquet == BUNDLED / "data/events.parquet" and csv == BUNDLED / "data/events.csv"
    count = duckdb.sql(f"select count(*) from read_parquet('{parquet}')").fetchall()[0][0]
    assert count == _record_counts()["events"]


def test_datasets_lists_bundled_and_registry(monkeypatch, tmp_path) -> None:
    known = coded_events.datasets()
    assert _bundled_manifest()["version"] in known[DATASET]
    registry = {"base_url": "x/", "datasets": {DATASET: {"0.9.0": {}}, "other": {"2.0.0": {}}}}
    (tmp_path / "r.json").write_text(json.dumps(registry), encoding="utf-8")
    monkeypatch.setattr(dl_registry, "REGISTRY_PATH", tmp_path / "r.json")
    known = coded_events.datasets()
    assert known[DATASET][0] == "0.9.0" and known["other"] == ["2.0.0"]


def test_versions_sort_as_semantic_versions_other_forms_first(monkeypatch, tmp_path) -> None:
    versions = ["1.10.0", "2024-06", "1.9.0", "1.2", "10.0.0", "1.0.0-rc1", "2.0.0"]
    registry = {"base_url": "x/", "datasets": {"other": {v: {} for v in versions}}}
    (tmp_path / "r.json").write_text(json.dumps(registry), encoding="utf-8")
    monkeypatch.setattr(dl_registry, "REGISTRY_PATH", tmp_path / "r.json")
    # 1.0.0-rc1 is a SemVer pre-release: after the other forms, before 1.0.0
    assert coded_events.datasets()["other"] == [
        "2024-06", "1.0.0-rc1", "1.2", "1.9.0", "1.10.0", "2.0.0", "10.0.0"
    ]  # fmt: skip
    assert sorted(versions, key=loader.version_sort_key) == coded_events.datasets()["other"]


# -------------------------------------------------------------------------- bad names


@pytest.mark.parametrize(
    ("call", "error", "closest"),
    [
        (lambda: coded_events.load("south-caucasas"), loader.UnknownDatasetError, DATASET),
        (lambda: coded_events.load(DATASET, "event"), loader.UnknownTableError, "events"),
        (lambda: coded_events.path(DATASET, "evidence", format="csvv"), loader.UnknownFormatError,
         "csv"),
    ],
)  # fmt: skip
def test_unknown_names_give_known_ones_and_closest(offline_env, call, error, closest) -> None:
    with pytest.raises(error) as caught:
        call()
    assert caught.value.closest == closest
    assert f"Did you mean {closest!r}" in str(caught.value)
    assert "; known: " in str(caught.value)
    assert isinstance(caught.value, LookupError)


@pytest.mark.parametrize(
    ("call", "argument", "known"),
    [
        (lambda: coded_events.load(dataset=None), "dataset", DATASET),
        (lambda: coded_events.load(dataset=["x"]), "dataset", DATASET),
        (lambda: coded_events.load(DATASET, table=None), "table", "links"),
        (lambda: coded_events.load(DATASET, table=3), "table", "events"),
        (lambda: coded_events.load(DATASET, version=1.0), "version", "1.2.0"),
        (lambda: coded_events.path(DATASET, "events", format=None), "format", "parquet"),
        (lambda: coded_events.path(b"south-caucasus"), "dataset", DATASET),
        (lambda: coded_events.download(None), "dataset", DATASET),
        (lambda: loader.release_folder(DATASET, version=["1.0.0"]), "version", "1.2.0"),
    ],
)
def test_arguments_of_the_wrong_type_are_named(offline_env, call, argument, known) -> None:
    with pytest.raises(loader.ArgumentTypeError) as caught:
        call()
    message = str(caught.value)
    assert message.startswith(f"{argument} must be a string") and known in message
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, dl.DataError)


def test_unknown_version_offline_lists_known_versions(offline_env) -> None:
    with pytest.raises(dl.OfflineError) as caught:
        coded_events.load(DATASET, version="1.0.1")
    assert "unknown version '1.0.1'" in str(caught.value)
    assert "datapackage.json" in str(caught.value)


# -------------------------------------------------------------- damaged bundled release


def test_damaged_bundled_file_is_detected(offline_env, fake_bundle) -> None:
    target = fake_bundle / "data/evidence.parquet"
    expected = sha256(target)
    target.write_bytes(target.read_bytes()[:-10])
    assert coded_events.load(DATASET, "events").num_rows > 0  # only the file read is hashed
    with pytest.raises(dl.BundledDataError) as caught:
        coded_events.load(DATASET, "evidence")
    message = str(caught.value)
    assert str(target) in message and "sha256" in message and expected in message
    assert sha256(target) in message


def test_unbuilt_bundle_says_how_to_build(offline_env, fake_bundle) -> None:
    (fake_bundle / "datapackage.json").unlink()
    with pytest.raises(dl.BundledDataError, match="coded-events build"):
        coded_events.load(DATASET)


def _set_bundled_version(folder: Path, version: str) -> None:
    """Make a fake bundle say ``version`` (dataset.json and datapackage.json)."""
    for name in ("dataset.json", "datapackage.json"):
        meta = json.loads((folder / name).read_text(encoding="utf-8"))
        (folder / name).write_text(json.dumps({**meta, "version": version}), encoding="utf-8")


@pytest.mark.parametrize(
    ("version", "error", "message"),
    [
        (None, dl.BundledDataError, "does not match the registry's south-caucasus 1.1.0"),
        ("9.0.0", dl.ManifestError, "refused resource path"),  # not released: own manifest
    ],
)
def test_hostile_bundled_manifest_is_refused(
    offline_env, fake_bundle, version, error, message
) -> None:
    if version:
        _set_bundled_version(fake_bundle, version)
    manifest = json.loads((fake_bundle / "datapackage.json").read_text(encoding="utf-8"))
    manifest["resources"][0]["path"] = "../../../etc/passwd"
    (fake_bundle / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(error, match=message):
        coded_events.load(DATASET)


def test_bundled_manifest_of_another_dataset_is_refused(offline_env, fake_bundle) -> None:
    manifest = json.loads((fake_bundle / "datapackage.json").read_text(encoding="utf-8"))
    manifest["name"] = "north-caucasus"
    (fake_bundle / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(dl.ManifestError) as caught:
        coded_events.load(DATASET)
    message = str(caught.value)
    assert "'north-caucasus'" in message and f"'{DATASET}'" in message
    assert str(fake_bundle / "datapackage.json") in message


# ---------------------------------------------------------------------- the registry


def test_registry_is_well_formed() -> None:
    registry = dl.read_registry()
    assert "{dataset}" in registry["base_url"] and "{version}" in registry["base_url"]
    releases = [(d, v, files) for d, vs in registry["datasets"].items() for v, files in vs.items()]
    assert (DATASET, "1.0.0") in [(d, v) for d, v, _ in releases]
    for dataset, version, files in releases:
        assert "datapackage.json" in files, (dataset, version)
        assert list(files) == sorted(files), (dataset, version)
        for relative, item in files.items():
            dl.safe_join(Path("/release"), relative, f"{dataset} {version}")
            assert set(item) == {"bytes", "sha256"}, (dataset, version, relative)
            assert re.fullmatch("[0-9a-f]{64}", item["sha256"]), (dataset, version, relative)
            assert isinstance(item["bytes"], int) and item["bytes"] > 0
        assert set(dl.registry_files(dataset, version)) == set(files)


def test_registry_agrees_with_the_bundled_release() -> None:
    """The committed files of the bundled version are that release, file for file.

    A bundled version not in the registry is allowed only while it is being prepared:
    newer than every registered release (the release workflow then records it).
    """
    version = json.loads((BUNDLED / "dataset.json").read_text(encoding="utf-8"))["version"]
    assert loader.bundled_version(DATASET) == version == _bundled_manifest()["version"]
    registered = dl.registry_versions(DATASET)
    if version not in registered:
        newest = max(registered, key=loader.version_sort_key)
        assert loader.version_sort_key(version) > loader.version_sort_key(newest), (
            f"{DATASET} {version} is bundled but neither registered nor newer than {newest}"
        )
        return
    assert registered[version] == registry_entry(BUNDLED)


def test_registry_disagreeing_with_a_release_is_detected(offline_env, fake_bundle) -> None:
    """A changed file of a registered release: the loader and the registry check refuse it."""
    target = fake_bundle / "data/links.csv"
    target.write_bytes(target.read_bytes() + b"\r\n")
    manifest = json.loads((fake_bundle / "datapackage.json").read_text(encoding="utf-8"))
    for resource in manifest["resources"]:  # a consistent release, other than the registry's
        if resource["path"] == "data/links.csv":
            resource.update(bytes=target.stat().st_size, hash=f"sha256:{sha256(target)}")
    (fake_bundle / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(dl.BundledDataError, match="A released version never changes"):
        coded_events.path(DATASET, "links", format="csv")
    script = Path(__file__).resolve().parents[1] / "scripts" / "update_registry.py"
    result = subprocess.run(
        [sys.executable, str(script), str(fake_bundle), "--check"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "with other files (data/links.csv, datapackage.json differ)" in result.stderr


def test_bundled_version_downloads_from_the_package_without_network(offline_env) -> None:
    """download() and path() of the bundled version: verified, no network, no warning."""
    version = loader.bundled_version(DATASET)
    assert version in dl.registry_versions(DATASET)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert coded_events.download(DATASET, version=version) == BUNDLED
        assert coded_events.download(DATASET, version, base_url="http://127.0.0.1:9/") == BUNDLED
        assert coded_events.path(DATASET, version=version) == BUNDLED / "data/events.parquet"
    assert not offline_env.exists()


def test_bundled_version_is_what_dataset_json_says(offline_env, fake_bundle) -> None:
    meta = json.loads((fake_bundle / "dataset.json").read_text(encoding="utf-8"))
    (fake_bundle / "dataset.json").write_text(
        json.dumps({**meta, "version": "9.0.0"}), encoding="utf-8"
    )
    assert loader.bundled_version(DATASET) == "9.0.0"
    with pytest.raises(dl.BundledDataError, match=r"built for south-caucasus 1\.1\.0.*9\.0\.0"):
        coded_events.load(DATASET)


# ------------------------------------------------- the real build, served and downloaded


@pytest.fixture
def real_site(tmp_path, fake_bundle, monkeypatch):
    """A fresh ``coded-events build`` of the real dataset, served as release 1.1.0.

    The bundle says 9.0.0 (a later release in preparation), so 1.1.0 is an earlier
    registered release that downloads from the release host, here the loopback server.
    """
    folder = tmp_path / "site" / DATASET / "1.1.0"
    publish.build(BUNDLED, folder)
    _set_bundled_version(fake_bundle, "9.0.0")
    with serving(tmp_path / "site") as server:
        server.folder = folder
        registry = {**dl.read_registry(), "base_url": server.url}
        (tmp_path / "registry.json").write_text(json.dumps(registry), encoding="utf-8")
        monkeypatch.setattr(dl_registry, "REGISTRY_PATH", tmp_path / "registry.json")
        yield server


def test_download_real_build_verifies_every_file(real_site, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(dl.ENV_OFFLINE, raising=False)
    monkeypatch.delenv(dl.ENV_BASE_URL, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # registered: verified against the registry, no warning
        folder = coded_events.download(DATASET, "1.1.0", cache_dir=tmp_path / "c")
    assert registry_entry(folder) == registry_entry(real_site.folder)
    assert files_in(folder) == files_in(real_site.folder)
    assert (folder / "data/events.parquet").read_bytes() == (
        BUNDLED / "data/events.parquet"
    ).read_bytes()  # the build is reproducible, and the bundled release is fresh


def test_download_real_build_refuses_corruption(real_site, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(dl.ENV_OFFLINE, raising=False)
    real_site.behave(f"{DATASET}/1.1.0/data/events.parquet", "corrupt")
    with pytest.raises(dl.HashMismatchError, match="sha256"):
        coded_events.download(DATASET, "1.1.0", base_url=real_site.url, cache_dir=tmp_path / "c")
    assert "data/events.parquet" not in files_in(tmp_path / "c")
    assert not [name for name in files_in(tmp_path / "c") if name.endswith(".part")]


def test_load_by_version_downloads_only_that_table(tmp_path, monkeypatch) -> None:
    make_release(tmp_path / "site" / DATASET / "5.0.0", "5.0.0", rows=4)
    monkeypatch.setenv(dl.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.delenv(dl.ENV_OFFLINE, raising=False)
    with serving(tmp_path / "site") as server:
        monkeypatch.setenv(dl.ENV_BASE_URL, server.url)
        with pytest.warns(dl.UnverifiedReleaseWarning):
            table = coded_events.load(DATASET, "evidence", version="5.0.0")
        with pytest.raises(loader.UnknownTableError, match="Did you mean 'sources'"):
            warnings.simplefilter("ignore", dl.UnverifiedReleaseWarning)
            coded_events.load(DATASET, "source", version="5.0.0")
    assert table.num_rows == 4
    assert files_in(tmp_path / "cache" / DATASET / "5.0.0") == [
        "data/evidence.parquet",
        "datapackage.json",
    ]


def test_load_docstring_names_every_published_table() -> None:
    from coded_events.spec.tables import TABLE_NAMES

    for table in TABLE_NAMES:
        assert f"``{table}``" in (loader.load.__doc__ or "")


def test_bundled_file_changed_in_place_at_its_size_is_detected(offline_env, fake_bundle) -> None:
    """One byte changed, the size kept: the sha256 alone must refuse it (not size and hash)."""
    target = fake_bundle / "data/evidence.parquet"
    content = bytearray(target.read_bytes())
    content[len(content) // 2] ^= 0xFF
    target.write_bytes(bytes(content))
    assert target.stat().st_size == len(content)
    with pytest.raises(dl.BundledDataError) as caught:
        coded_events.load(DATASET, "evidence")
    assert str(target) in str(caught.value) and sha256(target) in str(caught.value)


def test_unreleased_bundle_whose_manifest_gives_no_sizes_loads(offline_env, fake_bundle) -> None:
    """``bytes`` is optional in a manifest: without it the sha256 alone verifies the file."""
    _set_bundled_version(fake_bundle, "9.0.0")  # not in the registry: its own manifest
    manifest = json.loads((fake_bundle / "datapackage.json").read_text(encoding="utf-8"))
    for resource in manifest["resources"]:
        del resource["bytes"]
    (fake_bundle / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert coded_events.load(DATASET, "evidence").num_rows > 0


def test_path_takes_a_dataset_folder_as_load_does(tmp_path: Path, monkeypatch) -> None:
    """Its "unknown dataset" advice named './folder' and Path(...), which path() refused."""
    folder = tmp_path / "copy"
    shutil.copytree(datasets_dir() / "south-caucasus", folder)
    expected = folder / "data" / "events.parquet"
    assert coded_events.path(folder, "events") == expected
    monkeypatch.chdir(tmp_path)
    assert coded_events.path("./copy", "evidence", format="csv") == Path("copy/data/evidence.csv")
    with pytest.raises(ValueError, match="names a registry release"):
        coded_events.path(folder, "events", version="1.0.0")
    expected.write_bytes(expected.read_bytes() + b"x")  # verified as load() verifies
    from coded_events.access.errors import DataError

    with pytest.raises(DataError):
        coded_events.path(folder, "events")


def test_path_of_a_partitioned_import_says_how_to_read_it(tmp_path: Path) -> None:
    pytest.importorskip("dask")
    from coded_events.importers.distributed import import_files_dask
    from tests.conftest import ROOT

    source = ROOT / "tests" / "fixtures" / "compare" / "synthetic.export.CSV"
    import_files_dask("gdelt2", [source], tmp_path / "dk")
    with pytest.raises(ValueError, match=r"in \d+ parts .* read it with load\(\)"):
        coded_events.path(tmp_path / "dk", "events")


def test_a_table_file_given_as_a_dataset_names_its_dataset_folder(tmp_path: Path) -> None:
    from coded_events.access.errors import DataError

    folder = tmp_path / "copy"
    shutil.copytree(datasets_dir() / "south-caucasus", folder)
    with pytest.raises(DataError, match=rf"a table of the dataset {re.escape(str(folder))}"):
        coded_events.load(folder / "data" / "events.parquet")
    raw = tmp_path / "export.CSV"
    raw.write_text("1\t2\n", encoding="utf-8")
    with pytest.raises(DataError, match="coded-events import auto FILE"):
        coded_events.load(raw)

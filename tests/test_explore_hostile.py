"""``coded-events explore`` on a hostile or broken dataset folder: refused with one line
naming the file and the field, never a traceback, never a file from outside the dataset in
the site, never a generated file replaced, never a script link in the page."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events import cli
from coded_events.explore import ExploreInputError, _copies, _generated, build_site
from coded_events.explore.inputs import Release
from tests.test_explore_fixtures import DATASET, non_bmp_release, rehash

MANIFEST = "datapackage.json"


def _release(tmp_path: Path) -> Path:
    """A copy of south-caucasus's release (manifest and data/), without its sources."""
    folder = tmp_path / "release"
    folder.mkdir()
    shutil.copy(DATASET / MANIFEST, folder / MANIFEST)
    shutil.copytree(DATASET / "data", folder / "data")
    return folder


def _edit(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    change(manifest)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _add_resource(folder: Path, path: str) -> None:
    _edit(folder, lambda m: m["resources"].append({"name": "extra", "path": path}))
    rehash(folder)


def _explore(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["explore", *args])
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, result.output


def _refused(folder: Path, out: Path, *needles: str, options: tuple[str, ...] = ()) -> str:
    code, output = _explore(str(folder), "--out", str(out), *options)
    assert code == 1, output
    assert output.startswith("error: ") and "Traceback" not in output
    for needle in needles:
        assert needle in output, (needle, output)
    assert not (out / "index.html").exists()
    return output


# 1. a resource never replaces a generated file


@pytest.mark.parametrize(
    "path",
    ["index.html", "assets/explorer.js", "assets/vega.min.js", "./index.html", "Index.html",
     "javascript:alert(1)", "notes.txt"],
)  # fmt: skip
def test_a_resource_outside_data_is_refused(tmp_path: Path, path: str) -> None:
    folder = _release(tmp_path)
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_text("<script>alert('owned')</script>", encoding="utf-8")
    _add_resource(folder, path)
    _refused(folder, tmp_path / "site", str(folder / MANIFEST), repr(path), "data/")


def test_the_generated_files_are_never_among_the_downloads(tmp_path: Path) -> None:
    site = build_site(DATASET, tmp_path / "site").folder
    html = (site / "index.html").read_text(encoding="utf-8")
    downloads = re.findall(r'<a href="([^"]*)" download>', html)
    assert downloads and all(d == MANIFEST or d.startswith("data/") for d in downloads)


@pytest.mark.parametrize("target", ["index.html", "INDEX.HTML", "assets/explorer.css", "assets/x"])
def test_a_release_file_never_replaces_a_generated_one(tmp_path: Path, target: str) -> None:
    """The last guard, below the manifest's data/ rule: whatever the release says."""
    file = tmp_path / "page.html"
    release = Release(tmp_path, {}, {}, {target: file}, None, {file: b"<script>x</script>"})
    with pytest.raises(ExploreInputError, match=re.escape(repr(target))):
        _copies(release, _generated("<p>page</p>"))


# 2. no link below the dataset folder, and every resource as the manifest describes it


def test_a_folder_link_inside_a_resource_path_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    folder = _release(tmp_path)
    (folder / "data" / "ext").symlink_to(outside, target_is_directory=True)
    _add_resource(folder, "data/ext/secret.txt")
    _refused(folder, tmp_path / "site", "symbolic link", "data/ext")
    assert not (tmp_path / "site" / "data" / "ext").exists()


def test_a_linked_data_folder_is_refused(tmp_path: Path) -> None:
    folder = _release(tmp_path)
    shutil.move(folder / "data", tmp_path / "elsewhere")
    (folder / "data").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    _refused(folder, tmp_path / "site", "symbolic link", str(folder / "data"))


def test_a_linked_table_file_in_a_bare_data_folder_is_refused(tmp_path: Path) -> None:
    folder = _release(tmp_path)
    (folder / MANIFEST).unlink()
    shutil.move(folder / "data" / "events.parquet", tmp_path / "events.parquet")
    (folder / "data" / "events.parquet").symlink_to(tmp_path / "events.parquet")
    _refused(folder / "data", tmp_path / "site", "symbolic link", "events.parquet")


def _fewer_events(folder: Path) -> None:
    events = pq.read_table(folder / "data" / "events.parquet")
    pq.write_table(events.slice(1), folder / "data" / "events.parquet")


def _same_size_other_bytes(folder: Path) -> None:
    file = folder / "data" / "events.csv"
    data = file.read_bytes()
    file.write_bytes(data[:-3] + (b"X" if data[-3:-2] != b"X" else b"Y") + data[-2:])


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (_fewer_events, ("data/events.parquet", "bytes")),
        (_same_size_other_bytes, ("data/events.csv", "sha256")),
    ],
)
def test_a_file_that_differs_from_its_manifest_entry_is_refused(
    tmp_path: Path, change: Callable[[Path], None], needles: tuple[str, ...]
) -> None:
    folder = _release(tmp_path)
    change(folder)
    _refused(folder, tmp_path / "site", str(folder / MANIFEST), *needles)


def test_with_sources_a_source_id_is_never_a_path(tmp_path: Path) -> None:
    folder = non_bmp_release(tmp_path / "nb")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    evidence = pq.read_table(folder / "data" / "evidence.parquet")
    index = evidence.schema.get_field_index("source_id")
    moved = pa.array(["../../secret"] * evidence.num_rows, evidence.schema.field(index).type)
    pq.write_table(evidence.set_column(index, evidence.schema.field(index), moved),
                   folder / "data" / "evidence.parquet")  # fmt: skip
    rehash(folder)
    _refused(folder, tmp_path / "site", "'../../secret'", "source_id", options=("--with-sources",))


def test_with_sources_a_linked_sources_folder_is_refused(tmp_path: Path) -> None:
    folder = non_bmp_release(tmp_path / "nb")
    shutil.move(folder / "sources", tmp_path / "texts")
    (folder / "sources").symlink_to(tmp_path / "texts", target_is_directory=True)
    _refused(folder, tmp_path / "site", "symbolic link", options=("--with-sources",))


# 3. the licence links only http(s)


@pytest.mark.parametrize(
    "path", ["javascript:alert(document.domain)", " JavaScript:alert(1)", "data:text/html,x"]
)
def test_a_licence_path_that_is_not_http_is_shown_as_text(tmp_path: Path, path: str) -> None:
    folder = _release(tmp_path)
    _edit(folder, lambda m: m.update(licenses=[{"name": "Evil", "path": path}]))
    rehash(folder)
    html = (build_site(folder, tmp_path / "site").folder / "index.html").read_text("utf-8")
    header = html.split("</header>")[0]
    assert "Evil" in header
    assert not re.search(r'href="\s*(javascript|data):', header, re.IGNORECASE)


def test_an_http_licence_path_is_a_link(tmp_path: Path) -> None:
    site = build_site(DATASET, tmp_path / "site").folder
    header = (site / "index.html").read_text("utf-8").split("</header>")[0]
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in header


# 4. malformed metadata and tables: the file and the field, no traceback


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda m: m.update({key: value})


def _set_resource(index: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda m: m["resources"][index].update({key: value})


def _replace_resource(value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda m: m["resources"].__setitem__(1, value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("licenses", [{"path": 5}]), "licenses[0].path"),
        (_set("licenses", [{"name": ["x"]}]), "licenses[0].name"),
        (_set("licenses", "CC-BY"), "licenses"),
        (_set("licenses", [5]), "licenses[0]"),
        (_set("resources", "data/events.parquet"), "resources"),
        (_replace_resource(5), "resources[1]"),
        (_set_resource(0, "path", 5), "resources[0].path"),
        (_set_resource(0, "format", 5), "resources[0].format"),
        (_set_resource(0, "bytes", "many"), "resources[0].bytes"),
        (_set_resource(0, "hash", 5), "resources[0].hash"),
        (_set_resource(0, "hash", "md5:0123"), "resources[0].hash"),
    ],
)
def test_malformed_metadata_names_the_manifest_and_the_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], field: str
) -> None:
    folder = _release(tmp_path)
    _edit(folder, change)
    _refused(folder, tmp_path / "site", str(folder / MANIFEST), field)


@pytest.mark.parametrize(
    ("text", "needle"), [("[]", "a list"), ('{"version": NaN, ', "NaN"), ("{", "cannot read")]
)
def test_a_manifest_that_is_not_a_json_object_is_refused(
    tmp_path: Path, text: str, needle: str
) -> None:
    folder = _release(tmp_path)
    real = (folder / MANIFEST).read_text(encoding="utf-8")
    (folder / MANIFEST).write_text(text + real[1:] if text.endswith(", ") else text, "utf-8")
    _refused(folder, tmp_path / "site", str(folder / MANIFEST), needle)


def _cast(column: str, to: pa.DataType) -> Callable[[pa.Table], pa.Table]:
    def change(t: pa.Table) -> pa.Table:
        i = t.schema.get_field_index(column)
        return t.set_column(i, pa.field(column, to), pc.cast(t[column], to))

    return change


def _drop(column: str) -> Callable[[pa.Table], pa.Table]:
    return lambda t: t.drop_columns([column])


def _fill(column: str, value: Any) -> Callable[[pa.Table], pa.Table]:
    def change(t: pa.Table) -> pa.Table:
        i = t.schema.get_field_index(column)
        field = t.schema.field(i).with_nullable(True)
        return t.set_column(i, field, pa.array([value] * t.num_rows, field.type))

    return change


@pytest.mark.parametrize(
    ("table", "change", "needles"),
    [
        ("events", _cast("date_start", pa.string()), ("date_start", "date32")),
        ("events", _cast("quad_class", pa.string()), ("quad_class", "int8")),
        ("events", _cast("date_approximate", pa.string()), ("date_approximate", "bool")),
        ("events", _drop("date_end"), ("date_end", "missing")),
        ("events", _fill("date_start", None), ("date_start", "empty")),
        ("events", _fill("root_code", None), ("root_code", "empty")),
        ("events", _fill("latitude", float("nan")), ("latitude", "NaN")),
        ("evidence", _cast("char_start", pa.string()), ("char_start", "int")),
        ("evidence", _fill("source_id", None), ("source_id", "empty")),
        ("sources", _cast("published", pa.string()), ("published", "date32")),
        ("links", _drop("target_event_id"), ("target_event_id", "missing")),
    ],
)
def test_a_table_with_a_wrong_column_names_the_column_and_the_type(
    tmp_path: Path,
    table: str,
    change: Callable[[pa.Table], pa.Table],
    needles: tuple[str, ...],
) -> None:
    folder = _release(tmp_path)
    file = folder / "data" / f"{table}.parquet"
    pq.write_table(change(pq.read_table(file)), file)
    rehash(folder)
    _refused(folder, tmp_path / "site", str(file), *needles)


def test_a_hash_load_accepts_is_accepted_here_too(tmp_path: Path) -> None:
    """The hash's form is the download's rule (access.hashes): upper case is a sha256 too."""
    folder = _release(tmp_path)
    _edit(folder, lambda m: [r.update(hash=r["hash"].upper()) for r in m["resources"]])
    code, output = _explore(str(folder), "--out", str(tmp_path / "site"))
    assert code == 0, output

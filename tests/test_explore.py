"""``coded-events explore`` without a browser: inputs, payload, specs, determinism, packaging.

The page itself, in a real browser, is tested in ``test_explore_browser.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events import cli
from coded_events.explore import PACKAGED, SHAPES, build_site, inputs, network, payload
from tests.conftest import ROOT
from tests.test_explore_fixtures import DATASET, non_bmp_release

EVENTS = pq.read_table(DATASET / "data" / "events.parquet").to_pylist()


def _inlined(site: Path, element: str) -> dict:
    html = (site / "index.html").read_text(encoding="utf-8")
    match = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', html)
    assert match, element
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site(DATASET, tmp_path_factory.mktemp("site") / "site").folder


def test_built_twice_the_site_is_byte_identical(tmp_path: Path, site: Path) -> None:
    again = build_site(DATASET, tmp_path / "again").folder
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    for name in files:
        assert (site / name).read_bytes() == (again / name).read_bytes(), name


def test_with_sources_built_twice_is_byte_identical(tmp_path: Path) -> None:
    one = build_site(DATASET, tmp_path / "one", with_sources=True).folder
    two = build_site(DATASET, tmp_path / "two", with_sources=True).folder
    assert (one / "index.html").read_bytes() == (two / "index.html").read_bytes()


def test_every_input_form_gives_the_same_site(tmp_path: Path, site: Path) -> None:
    expected = (site / "index.html").read_bytes()
    for form in (DATASET / "data", DATASET / "datapackage.json", "south-caucasus"):
        out = build_site(str(form), tmp_path / re.sub(r"\W", "_", str(form))).folder
        assert (out / "index.html").read_bytes() == expected, form


def test_the_site_holds_the_page_the_libraries_their_licences_and_the_data(site: Path) -> None:
    for name in [*PACKAGED, "index.html", "datapackage.json", "data/events.parquet"]:
        assert (site / name).is_file(), name
    html = (site / "index.html").read_text(encoding="utf-8")
    assert (
        "http://"
        not in re.sub(r'(href|path)="[^"]*"|"\$schema":"[^"]*"', "", html).split(
            '<script type="application/json"'
        )[0]
    )
    assert not re.search(r"<script[^>]+src=\"(https?:)?//", html), "a script from the network"
    assert "cdn" not in html.lower()


def test_the_payload_has_every_event_quote_link_and_actor() -> None:
    body, _ = payload(inputs.resolve(str(DATASET)))
    assert [e["id"] for e in body["events"]] == sorted(
        (e["event_id"] for e in EVENTS),
        key=lambda i: (next(r["date_start"] for r in EVENTS if r["event_id"] == i), i),
    )
    evidence = pq.read_table(DATASET / "data" / "evidence.parquet").num_rows
    assert sum(len(e["quotes"]) for e in body["events"]) == evidence
    links = pq.read_table(DATASET / "data" / "links.parquet").num_rows
    assert sum(len(e["links"]) for e in body["events"]) == links
    codes = {r["source_actor_code"] for r in EVENTS} | {r["target_actor_code"] for r in EVENTS}
    assert [a["code"] for a in body["actors"]] == sorted(codes - {None})
    assert body["texts"] == {}, "source texts only with --with-sources"
    for event in body["events"]:
        assert event["t1"] > event["t0"], event["id"]  # a day has a width


def test_the_header_shows_versions_licence_citation_counts_and_downloads(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((DATASET / "datapackage.json").read_text(encoding="utf-8"))
    header = html.split("</header>")[0]
    for value in (manifest["title"], manifest["version"], manifest["schema_version"],
                  manifest["codebook_version"], "CC-BY-4.0", manifest["citation"]):  # fmt: skip
        assert value in header, value
    assert f'<span class="n" data-table="events">{len(EVENTS)}</span>' in header
    for resource in manifest["resources"]:
        assert f'href="{resource["path"]}"' in header
        assert (site / resource["path"]).read_bytes() == (DATASET / resource["path"]).read_bytes()


def test_specs_carry_no_counters_or_timestamps_and_name_every_layer(site: Path) -> None:
    specs = _inlined(site, "explorer-specs")
    assert set(specs) == {"timeline", "map", "network"}
    text = json.dumps(specs)
    assert not re.search(r"(param|view|layer|concat)_\d+", text)
    assert not re.search(r"20\d\d-\d\d-\d\dT", text)
    for spec in specs.values():
        assert all(layer.get("name") for layer in spec["layer"])


def test_the_network_layout_is_seeded_and_inside_the_unit_square() -> None:
    codes = ["A", "B", "C", "D"]
    weights = {(0, 1): 2.0, (1, 2): 1.0}
    first = network.spring_layout(codes, weights)
    assert (first == network.spring_layout(codes, weights)).all()
    assert first.min() >= 0.05 and first.max() <= 0.95


def test_with_sources_inlines_the_texts_checked_by_hash(tmp_path: Path) -> None:
    folder = non_bmp_release(tmp_path / "nb")
    body, _ = payload(inputs.resolve(str(folder)), with_sources=True)
    assert set(body["texts"]) == {q["source_id"] for e in body["events"] for q in e["quotes"]}
    text = next(iter(body["texts"].values()))
    text_file = next((folder / "sources").iterdir())
    text_file.write_text(text + " tampered", encoding="utf-8")
    with pytest.raises(inputs.ExploreInputError, match=r"sha256 differs"):
        payload(inputs.resolve(str(folder)), with_sources=True)


def _explore(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["explore", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-dataset"], "unknown dataset 'no-such-dataset'"),
        (["./no/such/folder"], "no such file or folder"),
        (["south-caucasus", "--version", "0.0.0"], "unknown version '0.0.0'"),
        ([str(DATASET), "--version", "1.0.0"], "--version picks a release"),
        ([str(ROOT / "docs")], "neither a built dataset folder"),
    ],
)
def test_bad_input_is_one_line_naming_the_problem(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, output = _explore(*args, "--out", str(tmp_path / "site"))
    assert code == (2 if message == "no such file or folder" else 1)  # a missing path: usage
    assert message in output and "Traceback" not in output
    assert not (tmp_path / "site").exists()


def test_with_sources_without_texts_is_refused(tmp_path: Path) -> None:
    bare = tmp_path / "release"
    (bare / "data").mkdir(parents=True)
    for file in (DATASET / "data").iterdir():
        (bare / "data" / file.name).write_bytes(file.read_bytes())
    (bare / "datapackage.json").write_bytes((DATASET / "datapackage.json").read_bytes())
    code, output = _explore(str(bare), "--with-sources", "--out", str(tmp_path / "site"))
    assert code == 1 and "needs the source texts in a sources/ folder" in output


def test_a_link_in_the_output_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "assets").symlink_to(tmp_path / "elsewhere")
    code, output = _explore(str(DATASET), "--out", str(tmp_path / "site"))
    assert code == 1 and "symbolic link" in output
    assert not any((tmp_path / "elsewhere").iterdir())


def test_a_folder_the_explorer_did_not_write_is_refused(tmp_path: Path) -> None:
    """``--out`` pointed at a dataset folder would have replaced its tables and manifest."""
    dataset = tmp_path / "mine"
    (dataset / "data").mkdir(parents=True)
    (dataset / "data" / "events.parquet").write_bytes(b"mine")
    (dataset / "datapackage.json").write_bytes(b"{}")
    code, output = _explore(str(DATASET), "--out", str(dataset))
    assert code == 1 and "holds files the explorer did not write" in output, output
    assert sorted(p.name for p in dataset.rglob("*")) == ["data", "datapackage.json",
                                                          "events.parquet"]  # fmt: skip
    assert (dataset / "data" / "events.parquet").read_bytes() == b"mine"


def test_an_earlier_site_is_replaced_whole_but_for_files_added_beside_it(
    tmp_path: Path, site: Path
) -> None:
    out = tmp_path / "site"
    build_site(DATASET, out)
    (out / "data" / "old-table.csv").write_bytes(b"an earlier release's file")
    (out / "CNAME").write_bytes(b"events.example.org")
    build_site(DATASET, out)
    assert not (out / "data" / "old-table.csv").exists()
    assert (out / "CNAME").read_bytes() == b"events.example.org"
    files = {p.relative_to(out) for p in out.rglob("*") if p.is_file()} - {Path("CNAME")}
    assert files == {p.relative_to(site) for p in site.rglob("*") if p.is_file()}


def test_a_pages_checkout_is_a_place_for_a_site(tmp_path: Path) -> None:
    """A fresh gh-pages checkout holds .git, .nojekyll and CNAME: not someone else's files."""
    out = tmp_path / "pages"
    (out / ".git").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    (out / ".nojekyll").write_bytes(b"")
    (out / "CNAME").write_bytes(b"events.example.org")
    code, output = _explore(str(DATASET), "--out", str(out))
    assert code == 0, output
    assert (out / "index.html").is_file() and (out / "CNAME").read_bytes() == b"events.example.org"
    assert (out / ".git" / "HEAD").read_text(encoding="utf-8") == "ref: refs/heads/gh-pages\n"


def test_a_partitioned_import_is_named_as_such(tmp_path: Path) -> None:
    """`import --engine dask` writes parts the page does not read: say that, not "run
    coded-events build" (which does not apply to an import)."""
    pytest.importorskip("dask")
    from coded_events.importers.distributed import import_files_dask

    source = ROOT / "tests" / "fixtures" / "compare" / "synthetic.export.CSV"
    import_files_dask("gdelt2", [source], tmp_path / "dk")
    for given in (tmp_path / "dk", tmp_path / "dk" / "data"):
        code, output = _explore(str(given), "--out", str(tmp_path / "site"))
        assert code == 1 and "partitioned (written by `import --engine dask`)" in output, output
        assert "coded-events build" not in output


def test_the_cli_reports_what_it_wrote(tmp_path: Path) -> None:
    code, output = _explore(str(DATASET), "--out", str(tmp_path / "site"))
    assert code == 0, output
    assert f"{len(EVENTS)} events" in output and "index.html" in output


def test_the_wheel_ships_the_vendored_libraries_shapes_and_licences(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path)],
        check=True,
    )  # fmt: skip
    wheel = next(tmp_path.glob("coded_events-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for packaged in [*PACKAGED.values(), SHAPES]:
        assert f"coded_events/explore/{packaged}" in names, packaged


def test_with_sources_on_events_without_quotes_says_so(tmp_path: Path) -> None:
    from coded_events.importers.run import import_files

    source = ROOT / "tests" / "fixtures" / "compare" / "synthetic.export.CSV"
    import_files("gdelt2", [source], tmp_path / "imported")
    code, output = _explore(str(tmp_path / "imported"), "--with-sources", "--out",
                            str(tmp_path / "site"))  # fmt: skip
    assert code == 0, output
    assert "note: no event has a quote" in output

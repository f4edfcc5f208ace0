"""coded-events compare on the south-caucasus dataset: against itself (recall 1 at every
level) and against a copy changed in known ways (exact figures); the report's three
forms; the ethnic-to-country table; bad input."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from coded_events import cli
from coded_events.coding import matching
from coded_events.compare import CompareError, compare, report, text_report, write_report
from coded_events.compare.actors import countries, ethnic_countries
from coded_events.compare.rules import LEVELS, Rules, fits
from coded_events.spec import codebook
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
LEVEL_NAMES = list(LEVELS)


def _events() -> pa.Table:
    return pq.read_table(DATASET / "data" / "events.parquet")


def write_copy(folder: Path, events: pa.Table) -> Path:
    """A dataset folder holding only an events table and a manifest naming it."""
    (folder / "data").mkdir(parents=True)
    pq.write_table(events, folder / "data" / "events.parquet")
    manifest = {"name": "changed", "resources": [{"name": "events", "path": "data/events.parquet"}]}
    (folder / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


REMOVED = {"sc-0003", "sc-0018"}
NEW_CODES = {"sc-0005": "051", "sc-0024": "042"}  # same root; same QuadClass only
SHIFTED = {"sc-0021": 10}  # days, past the window of 3


def changed(events: pa.Table) -> pa.Table:
    """The reference with events removed, codes changed and a date shifted (see above)."""
    rows = [dict(r) for r in events.to_pylist() if r["event_id"] not in REMOVED]
    for row in rows:
        if row["event_id"] in NEW_CODES:
            entry = codebook.event(NEW_CODES[row["event_id"]])
            row.update(cameo_code=entry.code, root_code=entry.root_code)
            row["quad_class"] = entry.quad_class
        if row["event_id"] in SHIFTED:
            days = timedelta(days=SHIFTED[row["event_id"]])
            row["date_start"] += days
            row["date_end"] += days
            row["date_start_text"] = row["date_start"].isoformat()
            row["date_end_text"] = row["date_end"].isoformat()
    return pa.Table.from_pylist(rows, schema=events.schema)


@pytest.fixture(scope="module")
def changed_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_copy(tmp_path_factory.mktemp("changed") / "changed", changed(_events()))


@pytest.mark.parametrize("level", LEVEL_NAMES)
@pytest.mark.parametrize("undirected", [False, True])
def test_the_dataset_against_itself_finds_every_event(level: str, undirected: bool) -> None:
    data = report(compare(DATASET, "south-caucasus", level=level, undirected=undirected))
    n = _events().num_rows
    assert data["recall"] == {name: {"found": n, "of": n, "recall": 1.0} for name in LEVELS}
    assert data["candidate_rows"] == {
        "total": n,
        "in_scope": n,
        "matched": n,
        "duplicate": 0,
        "imprecise": 0,
        "statement": 0,
        "unmatched": 0,
        "share_matching": 1.0,
    }
    for event in data["events"]:
        assert event["best"][0]["event_id"] == event["event_id"]
        assert event["best"][0]["role"] == "matched"
    # every matched pair agrees on its root: the confusion table is its diagonal
    confusion = data["confusion"]["root_codes"]
    assert all(set(row) == {ref} for ref, row in confusion.items())
    assert sum(n for row in confusion.values() for n in row.values()) == n


def test_a_changed_copy_gives_exactly_the_expected_figures(changed_copy: Path) -> None:
    data = report(compare(DATASET, changed_copy))
    n = _events().num_rows
    assert data["recall"] == {
        "quadclass": {"found": 21, "of": n, "recall": round(21 / n, 4)},
        "root": {"found": 20, "of": n, "recall": round(20 / n, 4)},
        "code": {"found": 19, "of": n, "recall": round(19 / n, 4)},
    }
    assert data["candidate_rows"] == {
        "total": 22,
        "in_scope": 22,
        "matched": 20,
        "duplicate": 0,
        "imprecise": 0,
        "statement": 0,
        "unmatched": 2,
        "share_matching": round(20 / 22, 4),
    }
    found = {e["event_id"]: [lvl for lvl, hit in e["found"].items() if hit] for e in data["events"]}
    assert {k for k, v in found.items() if not v} == REMOVED | set(SHIFTED)
    assert found["sc-0005"] == ["quadclass", "root"]
    assert found["sc-0024"] == ["quadclass"]
    # the pair matched at QuadClass only shows in the confusion table: 05 -> 04
    assert data["confusion"]["root_codes"]["05"] == {"04": 1, "05": 4}
    unmatched = sorted(r["event_id"] for r in data["unmatched"])
    assert unmatched == ["sc-0021", "sc-0024"]


def test_the_level_changes_the_candidate_side(changed_copy: Path) -> None:
    rows = report(compare(DATASET, changed_copy, level="code"))["candidate_rows"]
    assert (rows["matched"], rows["unmatched"]) == (19, 3)
    rows = report(compare(DATASET, changed_copy, level="quadclass"))["candidate_rows"]
    assert (rows["matched"], rows["unmatched"]) == (21, 1)


def test_a_wider_window_finds_the_shifted_event(changed_copy: Path) -> None:
    data = report(compare(DATASET, changed_copy, window=10))
    assert next(e for e in data["events"] if e["event_id"] == "sc-0021")["found"]["code"]


def test_the_matching_does_not_depend_on_row_order(changed_copy: Path) -> None:
    base = compare(DATASET, changed_copy)
    refs = list(base.refs)
    random.Random(3).shuffle(refs)
    keys = [r.sort_key() for r in refs]
    cand_keys = [c.sort_key() for c in base.cands]
    shuffled = matching.assign(
        fits(refs, base.cands, Rules()).at("root"), len(refs), len(base.cands), keys, cand_keys
    )
    pairs = {(refs[p.left].event_id, base.cands[p.right].event_id) for p in shuffled.pairs}
    expected = {
        (base.refs[p.left].event_id, base.cands[p.right].event_id) for p in base.matching.pairs
    }
    assert pairs == expected


def test_scope_options_restrict_the_candidate(changed_copy: Path) -> None:
    data = report(compare(DATASET, changed_copy, scope_from="2024-01-01", countries=["rus", "aze"]))
    assert data["scope"] == {"from": "2024-01-01", "to": "2024-04-20", "countries": ["AZE", "RUS"]}
    # 2024 events among RUS and AZE only: sc-0001, sc-0016, sc-0017, sc-0019, sc-0020
    # (sc-0018, AZECOP with no target, was removed)
    assert data["candidate_rows"]["in_scope"] == 5


def test_ethnic_groups_count_for_their_country() -> None:
    assert countries("AZE", "arm", "AZE") == {"AZE", "ARM"}
    assert countries("AZE", "kur", "AZE") == {"AZE"}  # no single country
    assert countries("AZE", "xyz", None) == {"AZE"}  # not declared
    assert countries(None, None, "GEO") == {"GEO"}  # no country: the event's location
    assert countries(None, None, None) == frozenset()


def test_the_ethnic_table_uses_codebook_codes() -> None:
    table = ethnic_countries()
    assert table["arm"] == "ARM" and table["oss"] is None
    assert set(table) <= set(codebook.ethnic_groups())
    assert {c for c in table.values() if c} <= set(codebook.actor_countries())


def test_text_json_and_html(changed_copy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["compare", str(DATASET), str(changed_copy)]
    text = runner.invoke(cli.app, args)
    assert text.exit_code == 0, text.output
    recall = [line.split() for line in text.output.splitlines() if line.startswith("  root ")]
    assert recall == [["root", "20", "of", "24", "83.3%"]]
    as_json = runner.invoke(cli.app, [*args, "--format", "json", "--best", "1"])
    assert json.loads(as_json.stdout) == report(compare(DATASET, changed_copy), best=1)
    first, second = tmp_path / "a", tmp_path / "b"
    assert runner.invoke(cli.app, [*args, "--html", str(first)]).exit_code == 0
    assert runner.invoke(cli.app, [*args, "--html", str(second)]).exit_code == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert [str(f) for f in files] == [
        "assets/LICENSE-vega",
        "assets/LICENSE-vega-lite",
        "assets/VENDORED.md",
        "assets/compare.css",
        "assets/compare.js",
        "assets/explorer.css",
        "assets/vega-lite.min.js",
        "assets/vega.min.js",
        "index.html",
    ]
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    page = (first / "index.html").read_text(encoding="utf-8")
    assert '<script src="https://' not in page and 'id="compare-spec"' in page
    spec = json.loads(page.split('id="compare-spec">')[1].split("</script>")[0])
    statuses = sorted(v["status"] for v in spec["data"]["values"])
    assert statuses.count("missed") == 4 and statuses.count("found") == 20


def test_the_text_report_lists_every_reference_event(changed_copy: Path) -> None:
    lines = text_report(report(compare(DATASET, changed_copy)))
    assert sum(1 for line in lines if line.startswith("  sc-")) == 24
    assert any(line.startswith("  sc-0003 ") and "missed" in line for line in lines)


RAW = ROOT / "tests" / "fixtures" / "compare" / "synthetic.export.CSV"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no/such/folder", "south-caucasus"], "no/such/folder"),
        (["south-caucasus", "nowhere-dataset"], "unknown dataset 'nowhere-dataset'"),
        (["south-caucasus", "south-caucasus", "--from", "2024-13-01"], "--from: '2024-13-01'"),
        (["south-caucasus", "south-caucasus", "--from", "2025-01-01"], "starts"),
        (["south-caucasus", "south-caucasus", "--countries", "arm,xx"], "--countries: XX not a"),
        (["south-caucasus", str(RAW)], f"error: {RAW}: a file, not a dataset folder; a producer"),
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli.app, ["compare", *args])
    assert result.exit_code == (2 if args[0] == "no/such/folder" else 1)  # a missing path: usage
    assert message in result.output
    assert "Traceback" not in result.output
    if args[1] == str(RAW):  # the file named once (it was named twice)
        assert result.output.count(args[1]) == 1


def test_a_dataset_without_the_needed_columns(tmp_path: Path) -> None:
    folder = write_copy(tmp_path / "bare", _events().drop_columns(["cameo_code"]))
    with pytest.raises(CompareError, match="no column cameo_code"):
        compare(DATASET, folder)


def test_write_report_returns_its_files(tmp_path: Path) -> None:
    files = write_report(report(compare(DATASET, DATASET)), tmp_path / "site")
    assert "index.html" in files and (tmp_path / "site" / "assets" / "vega.min.js").is_file()


def _as_year(events: pa.Table, event_id: str, year: int) -> pa.Table:
    """The events with one event's date lowered to a whole year (as the GDELT importer
    does for a date set by arithmetic)."""
    rows = [dict(r) for r in events.to_pylist()]
    for row in rows:
        if row["event_id"] == event_id:
            row["date_start"] = row["date_start"].replace(year=year, month=1, day=1)
            row["date_end"] = row["date_start"].replace(month=12, day=31)
            row.update(date_start_text=str(year), date_end_text=None, date_precision="year")
    return pa.Table.from_pylist(rows, schema=events.schema)


@pytest.mark.parametrize("level", LEVEL_NAMES)
def test_a_year_precision_candidate_row_is_imprecise_not_matched(
    level: str, tmp_path: Path
) -> None:
    # sc-0005 (2020-11-09/10) in the candidate as "2020": it overlaps sc-0005's reach but
    # is wider than it, so it is neither a match ("0 d") nor unmatched: imprecise
    candidate = write_copy(tmp_path / "year", _as_year(_events(), "sc-0005", 2020))
    data = report(compare(DATASET, candidate, level=level))
    assert data["recall"]["code"]["found"] == 23
    assert data["recall"][level] == {"found": 23, "of": 24, "recall": round(23 / 24, 4)}
    sc5 = next(e for e in data["events"] if e["event_id"] == "sc-0005")
    assert sc5["found"] == {name: False for name in LEVELS}
    assert all(row["event_id"] != "sc-0005" for row in sc5["best"])
    assert data["candidate_rows"] == {
        "total": 24,
        "in_scope": 24,
        "matched": 23,
        "duplicate": 0,
        "imprecise": 1,
        "statement": 0,
        "unmatched": 0,
        "share_matching": 1.0,
    }
    [row] = data["imprecise"]
    assert (row["event_id"], row["date"]) == ("sc-0005", "2020-01-01/2020-12-31")
    assert (row["role"], row["reference_event"]) == ("imprecise", "sc-0005")
    assert "fit" not in row  # no days apart claimed for a date that cannot say
    lines = text_report(data)
    assert "  imprecise          1 (dates wider than the reach; left out of the share)" in lines


def test_a_candidate_must_lie_within_the_reach_not_just_overlap(tmp_path: Path) -> None:
    # sc-0019 is dated "2024" to 2024-04-17: it reaches the whole of 2024 up to 2024-04-20
    # (a year-precision start is not widened); a candidate dated 2024 ends past the reach
    candidate = write_copy(tmp_path / "year", _as_year(_events(), "sc-0019", 2024))
    data = report(compare(DATASET, candidate))
    found = {e["event_id"] for e in data["events"] if e["found"]["root"]}
    assert "sc-0019" not in found and len(found) == 23
    assert [r["event_id"] for r in data["imprecise"]] == ["sc-0019"]


def test_a_date_text_of_no_known_precision_is_an_error(tmp_path: Path) -> None:
    rows = [dict(r) for r in _events().to_pylist()]
    rows[0]["date_start_text"] = "2024-4-10"
    folder = write_copy(tmp_path / "odd", pa.Table.from_pylist(rows, schema=_events().schema))
    with pytest.raises(CompareError, match=r"sc-0001.*date_start_text '2024-4-10'.*precision"):
        compare(DATASET, folder)

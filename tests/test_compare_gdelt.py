"""coded-events compare against a SYNTHETIC GDELT 2.0 file (tests/fixtures/compare/),
imported with the real `coded-events import gdelt2`: known matches, misses, duplicates,
a reversed dyad and a statement row, with exact figures at each level."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coded_events import cli
from coded_events.compare import compare, report
from tests.conftest import FIXTURES, ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
EXPORT = FIXTURES / "compare" / "synthetic.export.CSV"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gdelt") / "synthetic"
    result = CliRunner().invoke(cli.app, ["import", "gdelt2", str(EXPORT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _data(imported: Path, **options: object) -> dict:
    return report(compare(DATASET, imported, **options), best=5)


def _roles(data: dict) -> dict[str, tuple[str, str | None]]:
    """GDELT id -> (role, reference event), over every row listed anywhere in the report."""
    rows = [r for e in data["events"] for r in e["best"]]
    rows += data["statements"] + data["unmatched"]
    return {r["producer_event_id"]: (r["role"], r["reference_event"]) for r in rows}


def test_the_fixture_is_generated_by_its_script(tmp_path: Path) -> None:
    script = FIXTURES / "compare" / "make_gdelt.py"
    fresh = tmp_path / "fresh.export.CSV"
    subprocess.run([sys.executable, str(script), str(fresh)], check=True, capture_output=True)
    assert fresh.read_bytes() == EXPORT.read_bytes()


def test_root_level_directed(imported: Path) -> None:
    data = _data(imported)
    assert data["candidate"] == {"dataset": str(imported), "rows": 15}
    assert {k: v["found"] for k, v in data["recall"].items()} == {
        "quadclass": 6,
        "root": 5,
        "code": 4,
    }
    assert data["candidate_rows"] == {
        "total": 15,
        "in_scope": 12,
        "matched": 5,
        "duplicate": 2,
        "imprecise": 0,
        "statement": 1,
        "unmatched": 4,
        "share_matching": round(7 / 11, 4),
    }
    assert _roles(data) == {
        "1001": ("matched", "sc-0005"),
        "1002": ("matched", "sc-0006"),
        "1003": ("duplicate", "sc-0005"),
        "1004": ("duplicate", "sc-0005"),
        "1005": ("unmatched", None),
        "1006": ("unmatched", None),
        "1007": ("matched", "sc-0001"),
        "1008": ("matched", "sc-0004"),
        "1009": ("unmatched", None),
        "1010": ("unmatched", None),
        "1011": ("matched", "sc-0011"),
        "1012": ("statement", "sc-0011"),
    }


def test_each_reference_event_lists_producer_ids_and_urls(imported: Path) -> None:
    events = {e["event_id"]: e for e in _data(imported)["events"]}
    best = events["sc-0005"]["best"]
    assert [(r["producer_event_id"], r["role"]) for r in best[:3]] == [
        ("1001", "matched"),
        ("1003", "duplicate"),
        ("1004", "duplicate"),
    ]
    assert best[0]["producer"] == "GDELT"
    assert best[0]["url"] == "https://example.org/synthetic/1001"
    assert best[0]["fit"] == {
        "agreement": "code",
        "direction": "as coded",
        "days_apart": 0,
        "same_place": True,
    }
    assert events["sc-0011"]["found"] == {"quadclass": True, "root": True, "code": False}
    assert events["sc-0003"]["found"] == {"quadclass": True, "root": False, "code": False}
    assert events["sc-0008"]["found"] == {"quadclass": False, "root": False, "code": False}


def test_code_level(imported: Path) -> None:
    rows = _data(imported, level="code")["candidate_rows"]
    assert (rows["matched"], rows["duplicate"], rows["statement"], rows["unmatched"]) == (
        4,
        1,
        1,
        6,
    )


def test_quadclass_level_and_the_confusion_table(imported: Path) -> None:
    data = _data(imported, level="quadclass")
    rows = data["candidate_rows"]
    assert (rows["matched"], rows["duplicate"], rows["statement"], rows["unmatched"]) == (
        6,
        2,
        1,
        3,
    )
    assert data["confusion"]["root_codes"] == {
        "05": {"05": 2},
        "07": {"07": 1},
        "14": {"11": 1},
        "16": {"16": 1},
        "19": {"19": 1},
    }


def test_undirected_matches_the_reversed_dyad(imported: Path) -> None:
    data = _data(imported, undirected=True)
    assert {k: v["found"] for k, v in data["recall"].items()} == {
        "quadclass": 7,
        "root": 6,
        "code": 5,
    }
    roles = _roles(data)
    assert roles["1005"] == ("matched", "sc-0008")
    assert roles["1001"] == ("matched", "sc-0005")  # as coded beats reversed
    assert data["candidate_rows"]["share_matching"] == round(8 / 11, 4)
    fit = next(r for r in data["events"][7]["best"] if r["producer_event_id"] == "1005")["fit"]
    assert fit["direction"] == "reversed"


def test_scope_options_bring_rows_in(imported: Path) -> None:
    countries = ["ARM", "AZE", "GEO", "RUS", "WST", "USA"]
    data = _data(imported, countries=countries, scope_from="2019-01-01")
    assert data["candidate_rows"]["in_scope"] == 14  # 1013 (USA) and 1014 (2019)


def test_the_command_line_json(imported: Path) -> None:
    result = CliRunner().invoke(
        cli.app, ["compare", "south-caucasus", str(imported), "-f", "json", "--best", "5"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["reference"] == {"dataset": "south-caucasus", "events": 24}
    assert data["candidate_rows"]["in_scope"] == 12


def test_a_row_dated_by_arithmetic_is_imprecise_not_a_match(tmp_path: Path) -> None:
    # GDELT 1001 (AZEGOV -> ARMGOV 057) with SQLDATE 20200310 added on 20210310: the
    # importer lowers its date to the year 2020, which is wider than sc-0005's reach
    cells = EXPORT.read_text(encoding="utf-8").splitlines()[0].split("\t")
    cells[0:5] = ["1099", "20200310", "202003", "2020", "2020.1890"]
    cells[59] = "20210310000000"
    export = tmp_path / "arithmetic.export.CSV"
    export.write_text("\t".join(cells) + "\n", encoding="utf-8")
    out = tmp_path / "imported"
    result = CliRunner().invoke(cli.app, ["import", "gdelt2", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = _data(out, level="code")
    assert data["recall"]["code"]["found"] == 0
    rows = data["candidate_rows"]
    assert (rows["in_scope"], rows["matched"], rows["imprecise"], rows["unmatched"]) == (1, 0, 1, 0)
    assert rows["share_matching"] is None
    [row] = data["imprecise"]
    assert (row["producer_event_id"], row["date"]) == ("1099", "2020-01-01/2020-12-31")
    assert row["reference_event"] == "sc-0005"

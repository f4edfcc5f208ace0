"""UCDP GED traps (issue 16), each on a fixture of our own: best outside low..high and low
above high (reported, numbers kept), precision codes, historical country names,
Gleditsch-Ward numbers, quoted cells with line breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from coded_events.importers import crosswalks, ucdp
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).parent / "fixtures" / "importers_part2"
SAMPLE = SAMPLES / "ucdp"


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(ucdp.read_rows(handle))


def test_quoted_cells_with_line_breaks_keep_rows_and_lines() -> None:
    rows = _rows(FIXTURES / "ucdp_traps.csv")
    assert [line for line, _ in rows] == [2, 4, 5, 6]  # row 1 spans lines 2-3
    assert "\n" in rows[0][1]["source_article"]


def test_deaths_become_quantities_and_bad_ranges_are_reported_not_fixed() -> None:
    rows = dict((r["id"], r) for _, r in _rows(FIXTURES / "ucdp_traps.csv"))
    quantities, problems = ucdp.deaths(rows["1"])
    assert problems == []
    assert [(q["value"], q["qualifier"]) for q in quantities if q["unit"] == "deaths"] == [
        (3.0, "approximately"), (3.0, "at_least"), (3.0, "at_most")]  # fmt: skip
    assert ucdp.deaths(rows["2"])[1] == ["best-outside-range"]  # best 2 < low 3
    values, problems = ucdp.deaths(rows["3"])
    assert problems == ["low-above-high", "best-outside-range"]  # low 18 > high 17 < best 18
    assert [q["value"] for q in values if q["unit"] == "deaths"] == [18.0, 18.0, 17.0]


def test_precision_codes_and_dates() -> None:
    rows = dict((r["id"], r) for _, r in _rows(FIXTURES / "ucdp_traps.csv"))
    assert ucdp.date(rows["1"]) == ("1995-01-03", None, False)
    assert ucdp.date(rows["2"]) == ("2013-01-03", "2013-01-05", False)
    assert crosswalks.precision("ucdp", "where_prec", "4").ours == "admin1"
    assert crosswalks.precision("ucdp", "where_prec", "7").lossy


def test_historical_names_and_gleditsch_ward_numbers() -> None:
    rows = dict((r["id"], r) for _, r in _rows(FIXTURES / "ucdp_traps.csv"))
    assert crosswalks.country_iso3(rows["1"]["country"]) == "RUS"
    assert rows["1"]["country_id"] == "365"  # a GW number, not ISO 643: never read as ISO
    assert ucdp.side_actor(rows["1"], "a") == "RUSGOV"
    assert ucdp.side_actor(rows["1"], "b") == "REB"
    assert ucdp.side_actor(rows["3"], "a") == "UAF"
    assert ucdp.side_actor(rows["3"], "b") == "CVL"
    assert crosswalks.country_iso3(rows["4"]["country"]) == "YEM"


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"{SAMPLE} is absent (the shared real "
                    "samples are not part of the repository)")  # fmt: skip
def test_the_real_sample_parses() -> None:
    rows = _rows(SAMPLE / "ucdpged_sample.first300.csv")
    assert len(rows) == 300
    first = rows[0][1]
    assert ucdp.side_actor(first, "a") == "SYRGOV" and ucdp.side_actor(first, "b") == "REB"
    assert ucdp.date(first) == ("2013-01-03", None, False)
    flagged = {r["id"]: ucdp.deaths(r)[1] for _, r in rows if ucdp.deaths(r)[1]}
    assert set(flagged) == {"236880", "304491", "299515", "406097", "464847"}
    assert "low-above-high" in flagged["406097"]
    assert all(crosswalks.country_iso3(r["country"]) for _, r in rows)

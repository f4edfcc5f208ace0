"""ACLED traps (issue 16), each on a fixture of our own: date forms, the HDX tag row, R's
NA, a truncated last row, cp1252 mojibake (C1 characters), a pandas index column, reduced
column sets, actors without direction."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from coded_events.importers import acled, crosswalks
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).parent / "fixtures" / "importers_part2"
SAMPLE = SAMPLES / "acled"


def _rows(name: str) -> list[list[str]]:
    with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2020-05-09", "2020-05-09"), ("9-May-20", "2020-05-09"),
     ("28 December 2022", "2022-12-28"), ("30 February 2022", None), ("NA", None),
     ("2.02E+13", None)],
)  # fmt: skip
def test_the_three_date_forms_and_impossible_dates(text: str, iso: str | None) -> None:
    assert acled.parse_date(text) == iso


def test_hdx_tag_row_truncated_last_row_and_na() -> None:
    rows = _rows("acled_hdx_traps.csv")
    header, tags, data = rows[0], rows[1], rows[2:]
    assert acled.is_hdx_tag_row(tags) and not acled.is_hdx_tag_row(header)
    assert not acled.is_hdx_tag_row(data[0])
    assert [len(r) == len(header) for r in data] == [True] * 5 + [False]  # truncated
    row = dict(zip(header, data[1], strict=True))
    assert acled.fatalities(row["fatalities"]) is None  # R's NA
    assert acled.actor(dict(zip(header, data[2], strict=True))["actor2"], "0") is None


def test_c1_mojibake_is_repaired() -> None:
    notes = dict(zip(_rows("acled_hdx_traps.csv")[0], _rows("acled_hdx_traps.csv")[4],
                     strict=True))["notes"]  # fmt: skip
    assert "\u0092" in notes
    assert acled.repair_c1(notes) == "Teachers don\u2019t accept the reform"
    assert acled.repair_c1("plain text") is None


def test_pandas_index_column_and_reduced_columns() -> None:
    rows = _rows("acled_pandas_index.csv")
    assert acled.is_pandas_index(rows[0], [r[0] for r in rows[1:]])
    assert not acled.is_pandas_index(["event_id_cnty"], ["BEN1"])
    assert acled.is_pandas_index(["Unnamed: 0"], ["0", "1"])


def test_actor_direction_rule_and_countries_from_names() -> None:
    assert acled.actor("Military Forces of Benin (2016-)", "1").code == "BENMIL"
    assert acled.actor("Police Forces of Benin (2016-) Customs", "1").code == "BENCOP"
    assert acled.actor("Civilians (Benin)", "7").code == "BENCVL"
    assert acled.actor("Civilians (International)", "7").code == "CVL"
    jnim = acled.actor("JNIM: Group for Support of Islam and Muslims", "2")
    assert (jnim.code, jnim.lossy) == ("REB", False)
    assert acled.actor("Fulani Ethnic Militia (Nigeria)", "4").code == "NGAUAF"
    battle = crosswalks.acled_event("Battles", "Armed clash")
    assert battle.directed is False and battle.lossy  # a warning: actor 1 -> actor 2 by order
    assert crosswalks.acled_event("Violence against civilians", "Attack").directed is True
    assert crosswalks.acled_event("Strategic developments", "Other").cameo_code is None


def test_fatalities_are_a_quantity() -> None:
    assert acled.fatalities("3") == {"value": 3.0, "unit": "fatalities",
                                     "qualifier": "at_least", "as_written": "3"}  # fmt: skip
    with pytest.raises(ValueError, match="whole number"):
        acled.fatalities("three")


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"{SAMPLE} is absent (the shared real "
                    "samples are not part of the repository)")  # fmt: skip
def test_the_real_sample_parses() -> None:
    with open(SAMPLE / "JoshMerfeld_saereplication_acled.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 811
    assert all(acled.parse_date(r["event_date"]) for r in rows)
    first = rows[0]
    assert acled.parse_date(first["event_date"]) == "2022-12-28"
    assert acled.actor(first["actor1"], first["inter1"]).code == "BENCVL"
    assert acled.actor(first["actor2"], first["inter2"]) is None
    mapped = [crosswalks.acled_event(r["event_type"], r["sub_event_type"]) for r in rows]
    assert all(m is not None for m in mapped)
    assert (
        sum(m.cameo_code is None for m in mapped) == 45
    )  # Other, Change to group/activity, Disrupted weapons use

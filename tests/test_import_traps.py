"""Every trap of third-party event files, each with its own fixture
(``tests/fixtures/importers/<format>__<trap>.<ext>``, synthetic rows): the rows written,
the rows rejected, the findings (code and line), and the values imported. Every import's
output passes the flat validator."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from coded_events.flat import validate_flat
from coded_events.importers.run import ImportResult, import_files
from coded_events.spec.catalogue import LAYERS, importing
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "importers"


class Imported:
    """One fixture imported: the result, and the events and provenance rows by line."""

    def __init__(self, result: ImportResult, out: Path) -> None:
        self.result = result
        self.out = out
        provenance = pq.read_table(out / "data" / "provenance.parquet").to_pylist()
        events = pq.read_table(out / "data" / "events.parquet").to_pylist()
        self.lines = [p["input_line"] for p in provenance]
        self.events = dict(zip(self.lines, events, strict=True))
        self.provenance = {p["input_line"]: p for p in provenance}
        self.sources = pq.read_table(out / "data" / "sources.parquet").to_pylist()

    def fields(self, line: int) -> dict[str, str]:
        return json.loads(self.provenance[line]["producer_fields"])

    def found(self) -> dict[str, list[int | None]]:
        """Findings shown: code -> lines."""
        out: dict[str, list[int | None]] = {}
        for finding in self.result.findings:
            out.setdefault(finding.code, []).append(finding.line)
        return out


def imported(fmt: str, name: str, tmp_path: Path) -> Imported:
    out = tmp_path / name
    result = import_files(fmt, [FIXTURES / name], out)
    assert result.rows_read == result.rows_written + result.rows_rejected
    errors = [f for f in validate_flat([out / "data"]).findings if f.is_error]
    assert errors == [], f"the import of {name} does not validate"
    return Imported(result, out)


def test_leading_zeros_are_restored_only_when_proven(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__leading-zeros.tsv", tmp_path)
    codes = {line: event["cameo_code"] for line, event in got.events.items()}
    # 10 with QuadClass 1, Goldstein 0 is 010; 874 with root 8 is 0874; 20 with QuadClass
    # 1 and Goldstein 3 is 020; the real root codes 10 and 20 that agree stay as they are
    assert codes == {1: "010", 2: "0874", 3: "10", 4: "20", 5: "020", 8: "040"}
    assert got.found()["import-event-code-padded"] == [1, 2, 5]
    assert got.found()["import-bad-event-code"] == [6, 7]  # 43 unprovable, 9999 unknown
    assert got.result.rows_rejected == 2
    assert got.fields(1)["EventCode"] == "10"  # the producer's code stays verbatim
    padded = next(f for f in got.result.findings if f.code == "import-event-code-padded")
    assert "QuadClass" in padded.message and padded.value == "10"


def test_producer_derived_values_are_compared_never_imported(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__leading-zeros.tsv", tmp_path)
    event = got.events[8]  # 040 with QuadClass 2: ours (1) is kept, the difference reported
    assert (event["quad_class"], event["root_code"], event["goldstein"]) == (1, "04", 1.0)
    assert got.found()["import-derived-disagrees"] == [8]
    assert got.fields(8)["QuadClass"] == "2"


def test_spreadsheet_semicolons_quotes_and_crlf(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__spreadsheet-semicolon-crlf.csv", tmp_path)
    assert got.result.rows_written == 3 and got.found() == {"import-delimiter": [1]}
    assert got.events[2]["source_actor_name"] == "GEORGIA; TBILISI"  # quoted ';' kept
    assert got.events[3]["cameo_code"] == "036"
    assert got.provenance[1]["source_url"] == "https://example.org/news/1"  # no '\r' left


def test_header_added_to_a_headerless_format_is_skipped(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__header-added.tsv", tmp_path)
    assert got.result.rows_read == 2 and got.lines == [2, 3]
    assert got.found() == {"import-header-added": [1]}


def test_blank_misplaced_and_repeated_headers(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__header-misplaced.tsv", tmp_path)
    assert got.result.rows_read == 3 and got.lines == [2, 3, 5]  # line 4 is a header again
    assert got.found() == {
        "import-header-added": [1],
        "import-header-mismatch": [1],
        "import-header-repeated": [4],
    }
    # the swapped columns are read by their names, the blank one by its position
    assert (got.fields(3)["NumMentions"], got.fields(3)["NumSources"]) == ("7", "2")
    assert got.events[3]["source_actor_name"] == "GEORGIA"


def test_scientific_and_impossible_dates_are_rejected_never_guessed(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__scientific-dates.tsv", tmp_path)
    assert got.found() == {
        "import-date-scientific": [1],
        "import-bad-date": [3],  # 2019-02-30 is not a day (pyarrow alone reads 03-02)
        "import-date-added-unusable": [2],
    }
    assert got.lines == [2, 4]
    assert got.events[2]["date_start_text"] == "2019-10-24"  # kept, its own date is fine
    assert got.fields(2)["DATEADDED"] == "2.02E+13"


def test_fips_codes_are_not_iso_codes(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__fips-countries.tsv", tmp_path)
    countries = {line: e["location_country"] for line, e in got.events.items()}
    # GG is Georgia (ISO: Guernsey), RS Russia (ISO: Serbia), NI Nigeria (ISO: Nicaragua)
    assert countries == {1: "GEO", 2: "RUS", 3: "NGA", 4: None, 5: "MUS"}
    assert got.found()["import-country-unknown"] == [4]  # Kosovo has no ISO 3166 code
    assert got.fields(4)["ActionGeo_CountryCode"] == "KV"
    # GDELT's own point for MP lies in the Pacific: the coordinates are dropped, not the country
    assert got.found()["import-coordinates-outside"] == [5]
    assert (got.events[5]["latitude"], got.fields(5)["ActionGeo_Lat"]) == (None, "16")


def test_zero_coordinates_without_a_place_are_missing(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__zero-coordinates.tsv", tmp_path)
    assert got.found() == {"import-coordinates-missing": [1], "import-bad-number": [3]}
    for line in (1, 2):
        event = got.events[line]
        assert (event["latitude"], event["longitude"], event["geo_precision"]) == (
            None, None, "none")  # fmt: skip
        assert event["location_name"] is None
    assert got.events[4]["latitude"] == 41.725


def test_feature_ids_are_never_geonames_ids(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__fips-countries.tsv", tmp_path)
    assert all(event["geonames_id"] is None for event in got.events.values())
    assert got.fields(1)["ActionGeo_FeatureID"] == "-2329564"


def test_dates_set_by_arithmetic_are_not_day_precise(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__arithmetic-dates.tsv", tmp_path)
    dates = {line: (e["date_start_text"], e["date_precision"]) for line, e in got.events.items()}
    assert dates == {1: ("2018", "year"), 2: ("2019-09", "month"), 3: ("2019-10-23", "day"),
                     4: ("2019-10-24", "day")}  # fmt: skip
    assert got.found() == {"import-date-arithmetic": [1, 2]}
    assert str(got.events[1]["date_end"]) == "2018-12-31"
    assert got.events[1]["date_approximate"] is False
    assert got.fields(1)["SQLDATE"] == "20181024"


def test_concatenated_actor_codes_are_rebuilt(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__actor-codes.tsv", tmp_path)
    actors = {line: (e["source_actor_code"], e["source_actor_religion"],
                     e["source_actor_known_group"]) for line, e in got.events.items()}  # fmt: skip
    assert actors == {
        1: ("USAMNC", None, None),  # MNCUSA: country first, then the type
        2: ("EURIGOEEC", None, "EEC"),  # IGOEUREEC
        3: (None, "CHR", None),  # religion only: no actor code can say it
        4: ("ROUGOV", None, None),  # ROU: recent GDELT's ISO code, in the codebook
        5: (None, None, None),  # no Actor1 at all
        6: ("SSDGOV", None, None),  # SSD (South Sudan): added to the codebook for GDELT
        7: ("GEOGOV", None, None),
    }
    assert got.found()["import-actor-not-expressible"] == [3]
    assert got.events[7]["target_actor_code"] is None  # GEOGOV acting on GEOGOV
    assert got.found()["import-target-is-source"] == [7]
    assert got.fields(7)["Actor2Code"] == "GEOGOV"
    assert got.events[2]["source_actor_roles"] == ["IGO", "EEC"]


def test_gdelt1_daily_and_backfile_rows_mixed(tmp_path: Path) -> None:
    got = imported("gdelt1", "gdelt1__mixed-widths.tsv", tmp_path)
    assert got.lines == [1, 2, 3, 5]
    assert got.found() == {"import-wrong-width": [4]}
    backfile = got.provenance[2]
    assert backfile["source_url"] is None
    assert got.events[2]["source_id"] == "gdelt1-file-gdelt1-mixed-widths-tsv"
    bbc = got.provenance[3]  # GDELT 1.0 names a source instead of a URL
    assert bbc["source_url"] == "BBC Monitoring"
    by_id = {s["source_id"]: s for s in got.sources}
    assert by_id[got.events[3]["source_id"]]["url"] is None
    assert got.events[1]["coder"] == "GDELT 1.0"


def test_ids_missing_malformed_or_repeated_are_rejected(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__ids.tsv", tmp_path)
    assert got.found() == {"import-duplicate-id": [2], "import-bad-id": [3, 4]}
    assert [e["event_id"] for e in got.events.values()] == ["gdelt2-900000001", "gdelt2-900000004"]


def test_rows_that_are_not_utf8_are_rejected(tmp_path: Path) -> None:
    got = imported("gdelt2", "gdelt2__not-utf8.tsv", tmp_path)
    assert got.found() == {"import-not-utf8": [2]} and got.lines == [1, 3]


def test_control_characters_in_values_we_write_reject_the_row(tmp_path: Path) -> None:
    """A NUL in a place name or a control byte in a URL would be written verbatim into a
    column the validator refuses: the row is rejected, never changed; a control byte in a
    column kept only in producer_fields is JSON-escaped there and the row imported."""
    got = imported("gdelt2", "gdelt2__control-characters.tsv", tmp_path)
    assert got.found() == {"import-control-character": [2, 3]} and got.lines == [1]
    assert got.fields(1)["Actor1Geo_FullName"] == "\x07"
    messages = sorted(f.message.split(" holds")[0] for f in got.result.findings)
    assert messages == [
        "the value for events.location_name",
        "the value for provenance.source_url",
    ]


def test_a_file_that_is_not_an_event_file_is_refused_with_one_finding(tmp_path: Path) -> None:
    for fmt in ("gdelt2", "icews"):
        out = tmp_path / fmt
        result = import_files(fmt, [FIXTURES / "gdelt2__not-an-event-file.txt"], out)
        assert [f.code for f in result.findings] == ["import-not-event-file"]
        assert (result.rows_read, result.files_refused, result.complete) == (0, 1, False)
        assert pq.read_table(out / "data" / "events.parquet").num_rows == 0
    icews_as_gdelt = import_files(
        "gdelt2", [FIXTURES / "icews__names-sectors-na.tab"], tmp_path / "icews-as-gdelt2"
    )
    assert [f.code for f in icews_as_gdelt.findings] == ["import-not-event-file"]
    assert "20" in icews_as_gdelt.findings[0].message  # 20 fields, not 61


def test_icews_names_sectors_na_and_intensity(tmp_path: Path) -> None:
    got = imported("icews", "icews__names-sectors-na.tab", tmp_path)
    first, reordered = got.events[2], got.events[3]
    assert first["source_actor_code"] == reordered["source_actor_code"] == "PRKGOV"
    assert first["target_actor_code"] == "PSECVL"  # Occupied Palestinian Territory
    assert (first["location_country"], first["location_name"]) == ("PRK", "Pyongyang")
    # Province and District are kept as named, beside the most precise place (City)
    assert (first["location_admin1"], first["location_admin2"]) == ("Pyongyang", None)
    na = got.events[4]  # NA is missing, never the text "NA"
    assert (na["source_actor_name"], na["target_actor_code"]) == (None, None)
    assert na["source_actor_code"] == "PRKPTY"  # Parties -> PTY; Center Right is lost
    assert got.fields(4)["Source Sectors"] == "Parties,Center Right"
    assert got.events[5]["location_country"] is None  # Country NA
    assert got.events[6]["cameo_code"] == got.events[7]["cameo_code"] == "016"
    assert got.events[6]["goldstein"] == -2.0  # ours; ICEWS says -5
    assert got.found() == {
        "import-bad-date": [8],
        "import-actor-not-expressible": [4, 5],
        "import-event-code-padded": [7],  # 16 proven 016 by the ICEWS Intensity -5
        "import-derived-disagrees": [6, 7],
    }
    assert got.provenance[2]["story_id"] == "47400351"
    assert got.sources[0]["publisher"] == "Example Wire"


def test_every_import_code_is_triggered_by_a_fixture(tmp_path: Path) -> None:
    """The fixtures reach every code of the import layer but the unreadable input
    (tests/test_import_cli.py)."""
    triggered: Counter[str] = Counter()
    for path in sorted(FIXTURES.iterdir()):
        fmt = path.name.split("__")[0]
        triggered.update(import_files(fmt, [path], tmp_path / path.name).counts)
    part2 = set(importing.PART2)  # issue 16's codes: tests/test_import_part2_formats.py
    assert set(LAYERS["import"]) - {"import-unreadable"} - part2 - set(triggered) == set()


@pytest.mark.parametrize("path", sorted(FIXTURES.iterdir()), ids=lambda p: p.name)
def test_fixture_names_say_format_and_trap(path: Path) -> None:
    fmt, _, trap = path.stem.partition("__")
    assert fmt in ("gdelt1", "gdelt2", "icews") and trap

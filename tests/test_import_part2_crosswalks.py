"""The declared crosswalks of part 2 (ACLED, UCDP GED, PLOVER, Phoenix): every producer
category of the codebooks is mapped, every CAMEO code and role exists, every row says
whether it loses information."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from coded_events.importers import crosswalks
from coded_events.spec import codebook

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "cameo"
MAPPING_FILES = [name for name in crosswalks.CROSSWALKS if name != "producer_categories.csv"]


@pytest.mark.parametrize("name", list(crosswalks.CROSSWALKS))
def test_every_crosswalk_file_exists_has_a_header_and_is_documented(name: str) -> None:
    rows = crosswalks.rows(name)
    assert rows, name
    sources = (Path(crosswalks.__file__).parent / "SOURCES.md").read_text(encoding="utf-8")
    assert f"`{name}`" in sources


@pytest.mark.parametrize("name", [n for n in MAPPING_FILES if "lossy" in crosswalks.rows(n)[0]])
def test_every_mapping_row_says_whether_it_is_lossy(name: str) -> None:
    for row in crosswalks.rows(name):
        assert row["lossy"] in ("true", "false"), row
        if row["lossy"] == "true":
            assert row["note"].strip(), f"{name}: a lossy row needs a note: {row}"


@pytest.mark.parametrize(
    "name", ["acled_event_types.csv", "ucdp_violence_types.csv", "plover_event_types.csv"]
)
def test_every_cameo_code_is_in_the_codebook(name: str) -> None:
    for row in crosswalks.rows(name):
        if row["cameo_code"]:
            codebook.event(row["cameo_code"])
        else:
            assert row["lossy"] == "true" and "No CAMEO" in row["note"], row


def test_every_role_and_actor_code_is_in_the_codebook() -> None:
    roles = [r["role"] for r in crosswalks.rows("acled_actor_types.csv")]
    roles += [r["role"] for r in crosswalks.rows("ucdp_sides.csv")]
    roles += [r["cameo_role"] for r in crosswalks.rows("plover_sectors.csv")]
    for role in filter(None, roles):
        assert role in codebook.actor_roles(), role
    for row in crosswalks.rows("plover_actor_codes.csv"):
        codebook.actor(row["cameo_code"])


def test_every_acled_category_of_the_codebook_is_mapped() -> None:
    categories = crosswalks.producer_categories("ACLED")
    pairs = [r["value"] for r in categories if r["field"] == "event_type | sub_event_type"]
    assert len(pairs) == 25  # the 2023 codebook: 6 event types, 25 sub-event types
    for pair in pairs:
        event_type, sub = pair.split(" | ", 1)
        assert crosswalks.acled_event(event_type, sub) is not None, pair
    for row in categories:
        if row["field"] == "event_type":
            assert crosswalks.acled_event(row["value"], "") is not None, row
        if row["field"] == "inter":
            assert crosswalks.acled_actor(row["value"], "Anyone") is not None, row
        if row["field"] in ("time_precision", "geo_precision"):
            assert crosswalks.precision("acled", row["field"], row["value"]) is not None, row


def test_every_ucdp_category_of_the_codebook_is_mapped() -> None:
    for row in crosswalks.producer_categories("UCDP-GED"):
        if row["field"] == "type_of_violence":
            assert crosswalks.ucdp_violence(row["value"]) is not None
            for side in "ab":
                assert crosswalks.ucdp_side(row["value"], side, "Anyone") is not None
        else:
            assert crosswalks.precision("ucdp", row["field"], row["value"]) is not None, row


def test_every_plover_category_of_the_codebook_is_mapped_mode_by_mode() -> None:
    table = {(r["event_type"], r["mode"]) for r in crosswalks.rows("plover_event_types.csv")}
    for row in crosswalks.producer_categories("PLOVER"):
        if row["field"] == "event":
            assert (row["value"], "") in table, row
        elif row["field"] == "event | mode":
            assert tuple(row["value"].split(" | ", 1)) in table, row
        elif row["field"] == "sector":
            assert crosswalks.plover_sector(row["value"]) is not None, row
        else:
            assert crosswalks.plover_actor_code(row["value"]) is not None, row


@pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"{REFERENCE} (the shared reference "
    "tables) is absent: the in-repo transcription is checked instead",
)
def test_the_transcribed_plover_lists_match_the_shared_reference() -> None:
    def read(name: str) -> list[dict[str, str]]:
        with open(REFERENCE / name, encoding="utf-8") as handle:
            return list(csv.DictReader(handle, delimiter="\t"))

    listed = {(r["field"], r["value"]) for r in crosswalks.producer_categories("PLOVER")}
    for row in read("plover_event_types.tsv"):
        assert ("event", row["event_type"]) in listed
    for row in read("plover_modes.tsv"):
        assert ("event | mode", f"{row['event_type']} | {row['mode']}") in listed
    for row in read("plover_sector_codes.tsv"):
        assert ("sector", row["code"]) in listed
    quads = {r["root_code"]: r["phoenix_quad_class"] for r in read("quadclass.tsv")}
    assert quads == {r: crosswalks.phoenix_quad_class(r) for r in quads}


def test_plover_modes_decide_and_unknown_modes_fall_back_to_the_type() -> None:
    assert crosswalks.plover_event("CONSULT", "visit").cameo_code == "042"
    assert crosswalks.plover_event("CONSULT", "").cameo_code == "040"
    assert crosswalks.plover_event("CONSULT", "teleport").cameo_code == "040"
    assert crosswalks.plover_event("FIGHT", None) is None


def test_traps_of_the_vocabularies() -> None:
    assert crosswalks.plover_sector("MED").code == "HLH"  # PLOVER MED is health
    assert crosswalks.plover_actor_code("EUR").code == "IGOEEC"  # the EU, not Europe
    assert crosswalks.plover_sector("UAF").lossy
    assert crosswalks.acled_actor("1", "Police Forces of Benin (2016-) Customs").code == "COP"
    assert crosswalks.acled_actor("1", "Military Forces of Benin (2016-)").code == "MIL"
    assert crosswalks.acled_actor("1", "Benin Forest Guards").code == "GOV"
    assert crosswalks.ucdp_side("3", "b", "Civilians").code == "CVL"
    assert crosswalks.ucdp_side("1", "b", "Taleban").code == "REB"


@pytest.mark.parametrize(
    ("name", "iso3"),
    [("Russia (Soviet Union)", "RUS"), ("Yemen (North Yemen)", "YEM"), ("Benin", "BEN"),
     ("DR Congo (Zaire)", "COD"), ("Serbia (Yugoslavia)", "SRB"), ("Burkina Faso", "BFA"),
     ("Atlantis", None)],
)  # fmt: skip
def test_country_names_with_historical_parentheses(name: str, iso3: str | None) -> None:
    assert crosswalks.country_iso3(name) == iso3

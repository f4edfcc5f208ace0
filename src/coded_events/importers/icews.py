"""ICEWS coded event files as published on Harvard Dataverse (``events.YYYY.*.tab``): 20
tab-separated columns with a header, ``NA`` for a missing value."""

from __future__ import annotations

from coded_events.importers.actors import icews_actor_rule
from coded_events.importers.codes import event_code_rule
from coded_events.importers.dates import iso_date_rule
from coded_events.importers.format import Format, Layout
from coded_events.importers.places import icews_place_rule
from coded_events.importers.sources import story_source_rule

__all__ = ["ICEWS"]

ICEWS_COLUMNS = (
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Sectors",
    "Source Country",
    "Event Text",
    "CAMEO Code",
    "Intensity",
    "Target Name",
    "Target Sectors",
    "Target Country",
    "Story ID",
    "Sentence Number",
    "Publisher",
    "City",
    "District",
    "Province",
    "Country",
    "Latitude",
    "Longitude",
)

ICEWS = Format(
    name="icews",
    producer="ICEWS",
    producer_version="",
    description="ICEWS coded event data, Harvard Dataverse event files: 20 tab-separated "
    "columns with a header; `NA` marks a missing value.",
    layouts=(Layout(ICEWS_COLUMNS, "Dataverse event file"),),
    header="required",
    required_columns=("Event ID", "Event Date", "CAMEO Code", "Source Name"),
    missing=("", "NA"),
    id_column="Event ID",
    rules=(
        iso_date_rule("Event Date", "The event day (YYYY-MM-DD, strict)."),
        icews_actor_rule(
            "source_actor",
            "Source Name",
            "Source Sectors",
            "Source Country",
            "Source Name as given. The code: Source Country (an English name, "
            "`North Korea`, `Occupied Palestinian Territory`) -> ISO 3166 -> CAMEO "
            "country, then the Source Sectors (an unordered comma list) -> CAMEO "
            "roles through the declared table `icews_sectors.csv`, in the table's "
            "order. Sectors with no role are reported and, with the country and "
            "the whole list, kept verbatim in provenance.",
        ),
        icews_actor_rule(
            "target_actor",
            "Target Name",
            "Target Sectors",
            "Target Country",
            "As the source actor.",
        ),
        event_code_rule(
            "CAMEO Code",
            goldstein="Intensity",
            scale="goldstein_icews",
            doc="Read as text; a code that lost its leading zero is padded only "
            "when Intensity proves it. Intensity is ICEWS's Goldstein-like score: "
            "not imported (ours comes from the codebook); a difference is "
            "reported (`import-derived-disagrees`) and Intensity kept verbatim.",
        ),
        icews_place_rule(
            "The place: the most precise of City, District, Province, Country "
            "(geo_precision settlement, admin2, admin1, country); Province and "
            "District, as named, also in location_admin1 and location_admin2; Country "
            "-> ISO 3166 through the names table; `NA` is missing; 0,0 without a place "
            "is missing."
        ),
        story_source_rule(
            "Story ID",
            "Publisher",
            "One source per story (`icews-story-<id>`), its publisher from "
            "Publisher; Story ID also in provenance.story_id.",
        ),
    ),
    licence="ICEWS coded event data, Harvard Dataverse (doi:10.7910/DVN/28075); the "
    "Dataverse terms of use apply",
    homepage="https://dataverse.harvard.edu/dataverse/icews",
    notes=(
        "Event Text (the CAMEO label ICEWS gives) and Sentence Number have no home in our "
        "model: they stay verbatim in `provenance.producer_fields`, with Intensity, the "
        "sectors and the countries.",
    ),
)

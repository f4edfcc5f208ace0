"""GDELT event files: ``gdelt1`` (GDELT 1.0: daily files of 58 columns and the 1979-2013
backfile of 57, mixed row by row) and ``gdelt2`` (the GDELT 2.0 15-minute export, 61
columns). Tab-separated, no header, read by position.
"""

from __future__ import annotations

from coded_events.importers.actors import gdelt_actor_rule
from coded_events.importers.codes import event_code_rule
from coded_events.importers.dates import gdelt_date_rule
from coded_events.importers.format import Format, Layout, Rule
from coded_events.importers.places import gdelt_place_rule
from coded_events.importers.sources import url_source_rule

__all__ = ["GDELT1", "GDELT2"]


def _actor(n: int) -> tuple[str, ...]:
    parts = (
        "Code",
        "Name",
        "CountryCode",
        "KnownGroupCode",
        "EthnicCode",
        "Religion1Code",
        "Religion2Code",
        "Type1Code",
        "Type2Code",
        "Type3Code",
    )
    return tuple(f"Actor{n}{p}" for p in parts)


def _geo(prefix: str, adm2: bool) -> tuple[str, ...]:
    parts = (
        "Type",
        "FullName",
        "CountryCode",
        "ADM1Code",
        *(("ADM2Code",) if adm2 else ()),
        "Lat",
        "Long",
        "FeatureID",
    )
    return tuple(f"{prefix}_{p}" for p in parts)


def _columns(adm2: bool, url: bool) -> tuple[str, ...]:
    return (
        "GLOBALEVENTID",
        "SQLDATE",
        "MonthYear",
        "Year",
        "FractionDate",
        *_actor(1),
        *_actor(2),
        "IsRootEvent",
        "EventCode",
        "EventBaseCode",
        "EventRootCode",
        "QuadClass",
        "GoldsteinScale",
        "NumMentions",
        "NumSources",
        "NumArticles",
        "AvgTone",
        *_geo("Actor1Geo", adm2),
        *_geo("Actor2Geo", adm2),
        *_geo("ActionGeo", adm2),
        "DATEADDED",
        *(("SOURCEURL",) if url else ()),
    )


GDELT2_COLUMNS = _columns(adm2=True, url=True)
GDELT1_DAILY_COLUMNS = _columns(adm2=False, url=True)
GDELT1_BACKFILE_COLUMNS = _columns(adm2=False, url=False)
assert (len(GDELT2_COLUMNS), len(GDELT1_DAILY_COLUMNS), len(GDELT1_BACKFILE_COLUMNS)) == (
    61,
    58,
    57,
)


def _rules() -> tuple[Rule, ...]:
    return (
        gdelt_date_rule(
            "SQLDATE",
            "DATEADDED",
            "The event day (YYYYMMDD, strict). Where it is DATEADDED minus whole "
            "years or months (GDELT's arithmetic for 'a year ago', 'last month'), "
            "it is imported at year or month precision "
            "(`import-date-arithmetic`). Scientific notation (`2.02E+07`) is "
            "rejected, never guessed. MonthYear, Year and FractionDate repeat it "
            "and stay in provenance.",
        ),
        gdelt_actor_rule(
            "source_actor",
            "Actor1",
            "Actor1Code is a concatenation (`MNCUSA`, `IGOEUREEC`, religion-only "
            "`CHR`): the code is rebuilt as country + Type1-3 + known group "
            "(`EURIGOEEC`); ethnic (lower case), Religion1 and known group go to "
            "their columns; what cannot be expressed (Religion2, unknown "
            "segments, a religion-only actor) is reported and kept verbatim. A "
            "blank Actor1 leaves the source actor empty.",
        ),
        gdelt_actor_rule("target_actor", "Actor2", "As Actor1, for the target actor."),
        event_code_rule(
            "EventCode",
            base="EventBaseCode",
            root="EventRootCode",
            quad="QuadClass",
            goldstein="GoldsteinScale",
            doc="Read as text. A code that lost its leading zero (`10`, `874`) is "
            "padded only when EventBaseCode, EventRootCode, QuadClass or "
            "GoldsteinScale prove it; otherwise rejected. EventRootCode, QuadClass "
            "and GoldsteinScale are not imported: ours come from the codebook and "
            "a difference is reported (`import-derived-disagrees`).",
        ),
        gdelt_place_rule(
            "ActionGeo",
            "The event's place. ActionGeo_CountryCode is FIPS 10-4 (`GG` Georgia, "
            "`RS` Russia, `NI` Nigeria), mapped to ISO 3166 with the shipped "
            "table; ActionGeo_Type 1 country, 2/5 admin1, 3/4 settlement; `0,0` "
            "with an empty name is 'no coordinates'. ActionGeo_FeatureID is a "
            "GNS/GNIS id, never a GeoNames id: geonames_id stays empty, the id "
            "stays in provenance with ADM1/ADM2 codes.",
        ),
    )


_NOTES = (
    "Actor1Geo_* and Actor2Geo_*, NumMentions, NumSources, NumArticles, AvgTone and "
    "IsRootEvent have no home in our model: they stay verbatim in "
    "`provenance.producer_fields`.",
)

GDELT2 = Format(
    name="gdelt2",
    producer="GDELT",
    producer_version="2.0",
    description="GDELT 2.0 event export (`YYYYMMDDHHMMSS.export.CSV[.zip]`): 61 "
    "tab-separated columns, no header, one file per 15 minutes.",
    layouts=(Layout(GDELT2_COLUMNS, "GDELT 2.0 export"),),
    rules=(
        *_rules(),
        url_source_rule(
            "SOURCEURL",
            "The article URL: one source per URL "
            "(`url-<sha256 prefix>`); a value that is not an "
            "http(s) URL stays only in provenance.source_url.",
        ),
    ),
    id_column="GLOBALEVENTID",
    licence="GDELT: free for any use with a citation of the GDELT Project "
    "(https://www.gdeltproject.org/about.html#termsofuse)",
    homepage="https://www.gdeltproject.org/data.html",
    notes=_NOTES,
)

GDELT1 = Format(
    name="gdelt1",
    producer="GDELT",
    producer_version="1.0",
    description="GDELT 1.0 event files: daily files since April 2013 (58 columns, with "
    "SOURCEURL) and the 1979-2013 backfile (57 columns, without), mixed row by row; "
    "tab-separated, no header.",
    layouts=(
        Layout(GDELT1_DAILY_COLUMNS, "daily files since April 2013"),
        Layout(GDELT1_BACKFILE_COLUMNS, "the 1979-2013 backfile"),
    ),
    rules=(
        *_rules(),
        url_source_rule(
            "SOURCEURL",
            "The article URL where the row has one "
            "(daily files; GDELT 1.0 sometimes writes a name such as "
            "`BBC Monitoring`: kept only in provenance.source_url). "
            "Backfile rows have none: they share one source per input "
            "file (`gdelt1-file-<name>`).",
        ),
    ),
    id_column="GLOBALEVENTID",
    licence=GDELT2.licence,
    homepage=GDELT2.homepage,
    notes=_NOTES,
)

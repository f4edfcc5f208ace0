"""The record model, schema 1.2.0: the source of truth for the published JSON Schema.

Long because: one model per definition of the JSON Schema, each field with its
description and examples (the schema's documentation is generated from them).

A *source document* holds one news article (``source``) and the events coded from
it. Everything that can be computed (date precision and bounds, actor segments,
root code, QuadClass, Goldstein) is derived, never typed by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from coded_events.spec import codebook
from coded_events.spec.layout import DOCUMENT_SCHEMA_FILE
from coded_events.spec.versions import SCHEMA_VERSION
from coded_events.spec.vocabulary import (  # re-exported: models is the schema's public face
    DATE_PATTERN,
    EVENT_ID_PATTERN,
    LANGUAGE_PATTERN,
    LINK_TYPE_DOCS,
    PRODUCER_PATTERN,
    SHA256_PATTERN,
    SOURCE_ID_PATTERN,
    Certainty,
    GeoPrecision,
    LinkType,
    Precision,
    Qualifier,
    Status,
    first_day,
    last_day,
    precision_of,
)

SCHEMA_BASE_URL = "https://coded-events.github.io/coded-events/schema"


def schema_url(version: str) -> str:
    """The ``$id`` of the source-document schema of ``version``."""
    return f"{SCHEMA_BASE_URL}/{version}/{DOCUMENT_SCHEMA_FILE}"


SCHEMA_ID = schema_url(SCHEMA_VERSION)


def _check_calendar_date(value: str) -> str:
    """Reject dates the pattern lets through but the calendar does not have (2023-02-30,
    year 0000)."""
    first_day(value)
    last_day(value)
    return value


IsoDate = Annotated[
    str,
    Field(pattern=DATE_PATTERN, examples=["2024-04-17", "2024-04", "2020"]),
    AfterValidator(_check_calendar_date),
]


def _code_list(values: list[str], pattern: str | None = None) -> WithJsonSchema:
    schema: dict[str, Any] = {"type": "string", "enum": sorted(values)}
    if pattern:
        schema = {"type": "string", "pattern": pattern}
    return WithJsonSchema(schema)


def _check_event_code(value: str) -> str:
    codebook.event(value)
    return value


def _check_actor_code(value: str) -> str:
    codebook.actor(value)
    return value


def _in(table: dict[str, Any], kind: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in table:
            raise codebook.UnknownCodeError(kind, value, codebook.closest(value, table))
        return value

    return AfterValidator(check)


EventCodeStr = Annotated[
    str,
    AfterValidator(_check_event_code),
    _code_list(list(codebook.event_codes())),
]
ActorCodeStr = Annotated[
    str,
    AfterValidator(_check_actor_code),
    _code_list([], codebook.actor_code_pattern()),
]
IsoCountry = Annotated[
    str,
    _in(codebook.iso_countries(), "ISO 3166-1 alpha-3 country code"),
    _code_list(list(codebook.iso_countries())),
]
EthnicCode = Annotated[
    str,
    _in(codebook.ethnic_groups(), "CAMEO ethnic code"),
    _code_list(list(codebook.ethnic_groups())),
]
ReligionCode = Annotated[
    str, _in(codebook.religions(), "CAMEO religion code"), _code_list(list(codebook.religions()))
]
KnownGroupCode = Annotated[
    str,
    _in(codebook.known_groups(), "CAMEO known-group code"),
    _code_list(list(codebook.known_groups())),
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        use_enum_values=False,
        validate_default=False,
    )


class EventDate(_Model):
    """When the event happened, at the precision the text supports."""

    start: IsoDate = Field(
        description="The date, or the first date of a range, as ISO 8601 at reduced "
        "precision: YYYY, YYYY-MM or YYYY-MM-DD. Precision is derived from the string.",
    )
    end: IsoDate | None = Field(
        default=None,
        description="The last date of a range (inclusive), when the text gives a span.",
        examples=["2020-11-09"],
    )
    approximate: bool = Field(
        default=False,
        description="True when the text gives the date only roughly ('several days ago', 'late').",
        examples=[True],
    )
    note: str | None = Field(
        default=None,
        description="How the coder arrived at the date, where reasoning was needed "
        "(for instance when the article's own date is wrong).",
        examples=[
            "The article says 'September of the following year' (2021); "
            "the offensive took place on 19-20 September 2023."
        ],
    )

    @property
    def precision(self) -> Precision:
        """The precision of ``start`` (a range is as precise as its start)."""
        return precision_of(self.start)

    @property
    def first_day(self) -> dt.date:
        """The earliest calendar day the date can mean."""
        return first_day(self.start)

    @property
    def last_day(self) -> dt.date:
        """The latest calendar day the date (or range) can mean."""
        return last_day(self.end or self.start)


class Actor(_Model):
    """An actor as a CAMEO actor code and the name the text gives it."""

    code: ActorCodeStr = Field(
        description="CAMEO actor code: a country, region or international type "
        "(RUS, CAU, IGO) followed by three-letter role segments (MIL, GOV, COP ...).",
        examples=["RUSMIL", "AZEGOV", "ARMCOP"],
    )
    name: str = Field(
        min_length=1,
        description="The actor as the source names it.",
        examples=["Russian peacekeepers"],
    )
    ethnic: EthnicCode | None = Field(
        default=None,
        description="CAMEO ethnic-group code (lower case), where the text names one.",
        examples=["arm"],
    )
    religion: ReligionCode | None = Field(
        default=None,
        description="CAMEO religion code, where the text names one.",
        examples=["CHR"],
    )
    known_group: KnownGroupCode | None = Field(
        default=None,
        description="CAMEO known-group code, where the actor is one.",
        examples=["NAT"],
    )

    @property
    def parsed(self) -> codebook.ActorCode:
        """The code split into its segments, with labels from the codebook."""
        return codebook.actor(self.code)


class Action(_Model):
    """What the source actor did, as a CAMEO event code.

    Label, root code, QuadClass and Goldstein are derived from the codebook at build
    time; a coder may type them for readability, and the validator checks that they
    agree with the codebook.
    """

    code: EventCodeStr = Field(
        description="CAMEO event code as a string; leading zeros matter ('010', '0874').",
        examples=["0874"],
    )
    label: str | None = Field(
        default=None,
        description="Optional, for readability: the codebook label of `code`. Checked.",
        examples=["Retreat or surrender militarily"],
    )
    root_code: str | None = Field(
        default=None,
        description="Optional, for readability: the two-digit root of `code`. Checked.",
        examples=["08"],
    )
    quad_class: int | None = Field(
        default=None,
        ge=1,
        le=4,
        description="Optional, for readability: the QuadClass of `code`. Checked.",
        examples=[2],
    )
    goldstein: float | None = Field(
        default=None,
        ge=-10,
        le=10,
        description="Optional, for readability: the Goldstein score of `code`. Checked.",
        examples=[10.0],
    )


class Location(_Model):
    """Where the event happened, with an honest statement of precision."""

    name: str = Field(
        min_length=1,
        description="The place as the coder identifies it.",
        examples=["Dadivank monastery, Kalbajar district"],
    )
    country: IsoCountry | None = Field(
        default=None,
        description="ISO 3166-1 alpha-3 code of the country the place lies in; "
        "absent only for multi-country or unknown places.",
        examples=["AZE"],
    )
    admin1: str | None = Field(
        default=None,
        description="First-level administrative division (region, province, economic region).",
        examples=["East Zangezur economic region"],
    )
    admin2: str | None = Field(
        default=None,
        description="Second-level administrative division (district).",
        examples=["Kalbajar district"],
    )
    latitude: float | None = Field(
        default=None,
        ge=-90,
        le=90,
        description="WGS84 latitude in decimal degrees.",
        examples=[40.1625],
    )
    longitude: float | None = Field(
        default=None,
        ge=-180,
        le=180,
        description="WGS84 longitude in decimal degrees.",
        examples=[46.2886],
    )
    geo_precision: GeoPrecision = Field(
        strict=False,  # an enum's value as a JSON string is not a coercion
        description="What the coordinates stand for: the exact site, a settlement, a "
        "district (admin2), a province (admin1), a wider region, a country, several "
        "countries, or nothing (no coordinates).",
        examples=["exact_site"],
    )
    geonames_id: int | None = Field(
        default=None,
        ge=1,
        description="GeoNames id of the place, where one fits.",
        examples=[174982],
    )


class Quantity(_Model):
    """A number the text gives about the event."""

    value: float = Field(description="The number.", examples=[2000])
    unit: str = Field(
        min_length=1,
        description="What is counted or measured.",
        examples=["troops"],
    )
    qualifier: Qualifier = Field(
        strict=False,  # an enum's value as a JSON string is not a coercion
        default=Qualifier.exact,
        description="How the text qualifies the number ('nearly' is approximately).",
        examples=["approximately"],
    )
    as_written: str | None = Field(
        default=None,
        description="The number as the text writes it.",
        examples=["nearly 2,000"],
    )


class Evidence(_Model):
    """A verbatim quote from the source text that supports the event."""

    quote: str = Field(
        min_length=1,
        description="The exact text, character for character.",
        examples=["Yes, it is indeed the case"],
    )
    char_start: int = Field(
        ge=0,
        description="Offset of the quote's first character in the source text "
        "(Unicode code points, 0-based).",
        examples=[1641],
    )
    char_end: int = Field(
        ge=1,
        description="Offset just after the quote's last character (exclusive).",
        examples=[1667],
    )
    source_id: str | None = Field(
        default=None,
        pattern=SOURCE_ID_PATTERN,
        description="The source the quote comes from; defaults to the document's source.",
        examples=["myind-2024-04-17-russia-peacekeepers-withdrawal"],
    )


class Link(_Model):
    """A typed link from this event to another event of the dataset (schema 1.1.0)."""

    type: LinkType = Field(
        strict=False,  # an enum's value as a JSON string is not a coercion
        description="How this event relates to the linked one: "
        + "; ".join(f"{t.value}: {d}" for t, d in LINK_TYPE_DOCS.items()),
        examples=["part_of"],
    )
    event_id: str = Field(
        pattern=EVENT_ID_PATTERN,
        max_length=128,
        description="The linked event's id (in any file of the same dataset).",
        examples=["sc-0001"],
    )


class Provenance(_Model):
    """Where an event taken from another producer (GDELT, ICEWS ...) comes from (schema
    1.2.0): the producer, its own id for the event, and what it gives that has no home in
    the model, verbatim. Nothing here is derived or invented."""

    producer: str = Field(
        pattern=PRODUCER_PATTERN,
        max_length=64,
        description="Who produced the event record: a short code-like name.",
        examples=["GDELT", "ICEWS"],
    )
    producer_version: str | None = Field(
        default=None,
        min_length=1,
        description="The producer's version or edition, as it names it.",
        examples=["2.0"],
    )
    producer_event_id: str = Field(
        min_length=1,
        description="The producer's own id of the event, verbatim.",
        examples=["1161357865"],
    )
    source_url: str | None = Field(
        default=None,
        min_length=1,
        description="The article URL (or other source reference) the producer gives, verbatim.",
        examples=["https://example.org/article"],
    )
    story_id: str | None = Field(
        default=None,
        min_length=1,
        description="The producer's id of the story (article) the event was coded from.",
        examples=["28223817"],
    )
    producer_fields: dict[str, str] | None = Field(
        default=None,
        description="The producer's columns that have no home in the model, by the "
        "producer's column name, in the producer's order, each value verbatim as text.",
        examples=[{"NumMentions": "10", "AvgTone": "-2.5"}],
    )


class Event(_Model):
    """One coded event: who did what to whom, when and where, and on what evidence (verbatim
    quotes, or, for an event taken from another producer, its provenance)."""

    event_id: str = Field(
        pattern=EVENT_ID_PATTERN,
        max_length=128,
        description="Stable identifier; never changed or reused once published.",
        examples=["sc-0001"],
    )
    date: EventDate = Field(description="When the event happened.")
    source_actor: Actor = Field(description="The actor who acts.")
    target_actor: Actor | None = Field(
        default=None,
        description="The actor acted upon, where there is one.",
    )
    action: Action = Field(description="The CAMEO event code of what happened.")
    location: Location = Field(description="Where it happened.")
    certainty: Certainty = Field(
        strict=False,  # an enum's value as a JSON string is not a coercion
        description="confirmed (stated as fact, or confirmed by the actor), reported "
        "(attributed to another outlet or party), unverified (the text says so), "
        "disputed (a party denies it).",
        examples=["confirmed"],
    )
    status: Status = Field(
        strict=False,  # an enum's value as a JSON string is not a coercion
        default=Status.occurred,
        description="occurred, ongoing, planned, demanded (for instance a deadline) or threatened.",
        examples=["occurred"],
    )
    quantities: list[Quantity] = Field(
        default_factory=list,
        description="Numbers the text gives about the event.",
    )
    evidence: list[Evidence] = Field(
        default_factory=list,
        description="Verbatim quotes that support the event: one or more, except for an "
        "event taken from another producer (with `provenance`), which may have none.",
    )
    coder: str = Field(
        min_length=1,
        description="Who coded the event (name or handle).",
        examples=["coded-events team"],
    )
    notes: str | None = Field(
        default=None,
        description="The coder's reasoning: code choice, doubts, corrections to the text.",
        examples=["Coded 0874 rather than 087: the troops physically leave."],
    )
    links: list[Link] = Field(
        default_factory=list,
        description="Typed links to other events (since schema 1.1.0).",
    )
    provenance: Provenance | None = Field(
        default=None,
        description="For an event taken from another producer (GDELT, ICEWS ...): where it "
        "comes from (since schema 1.2.0). An event needs evidence quotes, provenance, or both.",
    )


class Source(_Model):
    """The document the events were coded from."""

    source_id: str = Field(
        pattern=SOURCE_ID_PATTERN,
        max_length=128,
        description="Stable identifier; the text lives at sources/<source_id>.txt.",
        examples=["myind-2024-04-17-russia-peacekeepers-withdrawal"],
    )
    title: str = Field(
        min_length=1,
        description="The headline as published.",
        examples=["Russia commences withdrawal of troops from Nagorno Karabakh"],
    )
    publisher: str = Field(min_length=1, description="Who published it.", examples=["Myind"])
    published: IsoDate = Field(description="Publication date.")
    url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="Where the source was published, if known.",
        examples=["https://example.org/article"],
    )
    language: str = Field(
        pattern=LANGUAGE_PATTERN,
        description="BCP 47 language tag of the text.",
        examples=["en"],
    )
    text_sha256: str = Field(
        pattern=SHA256_PATTERN,
        description="sha256 of the UTF-8 bytes of the source text file.",
        examples=["0" * 64],
    )


class SourceDocument(_Model):
    """One source (a news article) and every event coded from it."""

    model_config = ConfigDict(
        title="coded-events source document",
        json_schema_extra={
            "$id": SCHEMA_ID,
            "$schema": "https://json-schema.org/draft/2020-12/schema",
        },
    )

    schema_ref: str | None = Field(
        default=None,
        alias="$schema",
        description="Optional URL of this JSON Schema, so that editors can autocomplete.",
        examples=[SCHEMA_ID],
    )
    schema_version: Literal[SCHEMA_VERSION] = Field(  # type: ignore[valid-type]
        description="The version of the coded-events schema the document follows.",
        examples=[SCHEMA_VERSION],
    )
    source: Source = Field(description="The article or other document the events come from.")
    events: list[Event] = Field(description="The events coded from the source.")


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a source document, as published."""
    schema = SourceDocument.model_json_schema(by_alias=True)
    ordered = {"$schema": schema.pop("$schema"), "$id": schema.pop("$id")}
    ordered.update(schema)
    return ordered

"""The schema's vocabulary without pydantic: patterns, code lists and date arithmetic.

The models (``coded_events.spec.models``) build on these; fast paths that never validate a
document with pydantic (the flat-table validator, the Table Schemas) import them from
here so that they do not pay for pydantic at start-up.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import Enum

DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
SOURCE_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
EVENT_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
DATASET_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"  # a Data Package name, lower case
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
PRODUCER_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"  # GDELT, ICEWS, UCDP-GED (schema 1.2.0)


class Precision(str, Enum):
    """How precisely a date string is known."""

    year = "year"
    month = "month"
    day = "day"


class GeoPrecision(str, Enum):
    """How precisely the coordinates locate the event."""

    exact_site = "exact_site"
    settlement = "settlement"
    admin2 = "admin2"
    admin1 = "admin1"
    region = "region"
    country = "country"
    multi_country = "multi_country"
    none = "none"


class Certainty(str, Enum):
    """How firmly the source establishes that the event happened."""

    confirmed = "confirmed"
    reported = "reported"
    unverified = "unverified"
    disputed = "disputed"


class Status(str, Enum):
    """Whether the event happened, is going on, or is only planned or asked for."""

    occurred = "occurred"
    ongoing = "ongoing"
    planned = "planned"
    demanded = "demanded"
    threatened = "threatened"


class LinkType(str, Enum):
    """How one event relates to another (schema 1.1.0)."""

    response_to = "response_to"
    part_of = "part_of"
    implements = "implements"
    cause_of = "cause_of"
    reciprocal_of = "reciprocal_of"
    same_as = "same_as"


LINK_TYPE_DOCS = {
    LinkType.response_to: "This event answers the linked one (a denial of an accusation).",
    LinkType.part_of: "This event is one step or site of the larger linked event.",
    LinkType.implements: "This event carries out the linked agreement or decision.",
    LinkType.cause_of: "This event brought about the linked one.",
    LinkType.reciprocal_of: "The same interaction coded from the other side (CAMEO's "
    "reciprocal events: A meets B and B meets A).",
    LinkType.same_as: "Another record of the same event (for instance from another source).",
}


class Qualifier(str, Enum):
    """How a number in the text is qualified."""

    exact = "exact"
    approximately = "approximately"
    at_least = "at_least"
    at_most = "at_most"


def precision_of(value: str) -> Precision:
    """The precision of a reduced-precision ISO 8601 date string."""
    return {4: Precision.year, 7: Precision.month, 10: Precision.day}[len(value)]


def first_day(value: str) -> dt.date:
    """The first calendar day a reduced-precision date can mean."""
    parts = [int(p) for p in value.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def last_day(value: str) -> dt.date:
    """The last calendar day a reduced-precision date can mean."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    month = parts[1] if len(parts) == 2 else 12
    return dt.date(parts[0], month, calendar.monthrange(parts[0], month)[1])


CONTROL_CHARACTERS_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
"""The C0 control characters text must not hold (all but tab, LF and CR), as a regex that
Python's ``re`` and Arrow's RE2 both read."""

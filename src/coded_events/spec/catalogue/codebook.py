"""The codebook layer's checks: is every code one the codebooks know?"""

from __future__ import annotations

from coded_events.spec.catalogue.check import BOTH, declare

CHECKS = declare(
    "codebook",
    (
        "unknown-event-code",
        "error",
        BOTH,
        ("closest", "value"),
        "Unknown CAMEO event code",
        "{value} is not a CAMEO event code{closest}",
        "Look the action up with `coded-events codebook --search WORD`.",
        "The event code is not in the shipped CAMEO codebook.",
    ),
    (
        "event-code-lost-leading-zero",
        "error",
        BOTH,
        ("fixed", "value"),
        "Event code lost its leading zero",
        "{value} is not a CAMEO event code, but {fixed!r} is: the leading zero was lost",
        'Write the code as the string "{fixed}".',
        "CAMEO codes are strings and the leading zero is part of the code (`010`, "
        "`0874`). Spreadsheets and CSV readers drop it when they read codes as numbers.",
    ),
    (
        "event-code-not-string",
        "error",
        BOTH,
        ("fixed", "value"),
        "Event code is a number",
        "the event code is the number {value}; event codes are strings",
        'Write it in quotes with its leading zeros, for example "{fixed}".',
        "A numeric event code cannot keep its leading zero (`874` for `0874`), so codes "
        "must be strings (or string columns in a table).",
    ),
    (
        "deprecated-event-code",
        "warning",
        BOTH,
        ("note", "replacement", "since", "value"),
        "Deprecated event code",
        "event code {value} is deprecated since {since}: {note}",
        "Use {replacement} instead.",
        "The code is still understood but should no longer be used; the codebook names "
        "its replacement.",
    ),
    (
        "malformed-actor-code",
        "error",
        BOTH,
        ("value",),
        "Malformed actor code",
        "{value} is not an actor code: actor codes are upper-case letters in segments of three",
        "For example RUSMIL (country + role) or IGOUNO.",
        "An actor code is a country, region or international type followed by role "
        "segments, each three upper-case letters.",
    ),
    (
        "unknown-actor-country",
        "error",
        BOTH,
        ("closest", "segment", "value"),
        "Unknown actor country or type",
        "{segment!r}, the first segment of actor code {value}, is not a CAMEO country, "
        "region or international type{closest}",
        "Use an actor country from the codebook (RUS, AZE, ARM, GEO ...) or a type (IGO, NGO).",
        "The first segment of an actor code must be a CAMEO country, region, sub-national "
        "or international-type code.",
    ),
    (
        "unknown-actor-role",
        "error",
        BOTH,
        ("closest", "position", "segment", "value"),
        "Unknown actor role",
        "{segment!r}, segment {position} of actor code {value}, is not a CAMEO role or "
        "known group{closest}",
        "Look the role up with `coded-events codebook RUSMIL`-style lookups; roles are "
        "GOV, MIL, COP, OPP, REB ...",
        "Each segment after the first must be a CAMEO role or known-group code.",
    ),
    (
        "unknown-country",
        "error",
        BOTH,
        ("closest", "value"),
        "Unknown ISO country",
        "{value} is not an ISO 3166-1 alpha-3 country code{closest}",
        "Use the three-letter upper-case ISO code: AZE, ARM, RUS, GEO ...",
        "Location countries are ISO 3166-1 alpha-3 codes (not CAMEO actor codes).",
    ),
    (
        "unknown-ethnic-group",
        "error",
        BOTH,
        ("closest", "value"),
        "Unknown ethnic-group code",
        "{value} is not a CAMEO ethnic-group code{closest}",
        "Ethnic codes are lower case, for example arm or aze.",
        "The actor's ethnic code is not in the codebook.",
    ),
    (
        "unknown-religion",
        "error",
        BOTH,
        ("closest", "value"),
        "Unknown religion code",
        "{value} is not a CAMEO religion code{closest}",
        "Religion codes are upper case, for example CHR or MOS.",
        "The actor's religion code is not in the codebook.",
    ),
    (
        "unknown-known-group",
        "error",
        BOTH,
        ("closest", "value"),
        "Unknown known-group code",
        "{value} is not a CAMEO known-group code{closest}",
        "See the known_groups table of the codebook.",
        "The actor's known-group code is not in the codebook.",
    ),
)

"""The CAMEO codebook shipped as package data, with lookups.

>>> from coded_events.spec import codebook
>>> codebook.event("0874").label
'Retreat or surrender militarily'
>>> [s.code for s in codebook.actor("RUSMIL").segments]
['RUS', 'MIL']
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = [
    "ActorCode",
    "ActorSegment",
    "EventCode",
    "UnknownCodeError",
    "actor",
    "actor_code_pattern",
    "actor_countries",
    "actor_roles",
    "closest",
    "codebook_version",
    "ethnic_groups",
    "event",
    "event_codes",
    "iso_countries",
    "known_groups",
    "religions",
    "search",
]

QUAD_LABELS = {
    1: "Verbal Cooperation",
    2: "Material Cooperation",
    3: "Verbal Conflict",
    4: "Material Conflict",
}


class UnknownCodeError(ValueError):
    """A code that the codebook does not contain; ``suggestions`` holds the closest ones."""

    def __init__(
        self,
        kind: str,
        code: str,
        suggestions: list[str],
        where: str = "",
        position: int | None = None,
    ) -> None:
        self.kind = kind
        self.code = code
        self.suggestions = suggestions
        self.position = position  # 1-based segment of an actor code, where one is at fault
        hint = f"; closest: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"unknown {kind} {code!r}{where}{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class EventCode:
    """One CAMEO event code with the values derived from it."""

    code: str
    label: str
    root_code: str
    parent_code: str | None
    quad_class: int
    goldstein: float | None
    goldstein_icews: float | None
    in_cameo_1_1b3: bool
    deprecated_since: str | None
    replaced_by: str | None
    deprecation_note: str | None

    @property
    def quad_label(self) -> str:
        return QUAD_LABELS[self.quad_class]

    @property
    def deprecated(self) -> bool:
        return self.deprecated_since is not None


@dataclass(frozen=True)
class ActorSegment:
    """One three-letter segment of an actor code."""

    code: str
    kind: str  # "country", "region", "sub-national", "role", "known_group"
    label: str


@dataclass(frozen=True)
class ActorCode:
    """A parsed CAMEO actor code: an optional country/region and role segments."""

    code: str
    segments: tuple[ActorSegment, ...]

    @property
    def country(self) -> str | None:
        """The country, region or sub-national code the actor belongs to, if any."""
        first = self.segments[0]
        return first.code if first.kind in ("country", "region", "sub-national") else None

    @property
    def roles(self) -> tuple[str, ...]:
        """The role, international-type and known-group segments, in order (every segment
        after the country, region or sub-national one)."""
        return tuple(s.code for s in self.segments[1 if self.country else 0 :])


def _rows(name: str) -> list[dict[str, str]]:
    text = files("coded_events.codebook_data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _float(value: str) -> float | None:
    return float(value) if value else None


@cache
def codebook_version() -> str:
    """The version of the shipped codebook tables."""
    return files("coded_events.codebook_data").joinpath("VERSION").read_text().strip()


@cache
def event_codes() -> dict[str, EventCode]:
    """All CAMEO event codes, keyed by code string (leading zeros kept)."""
    return {
        r["code"]: EventCode(
            code=r["code"],
            label=r["label"],
            root_code=r["root_code"],
            parent_code=r["parent_code"] or None,
            quad_class=int(r["quad_class"]),
            goldstein=_float(r["goldstein"]),
            goldstein_icews=_float(r["goldstein_icews"]),
            in_cameo_1_1b3=r["in_cameo_1_1b3"] == "Y",
            deprecated_since=r["deprecated_since"] or None,
            replaced_by=r["replaced_by"] or None,
            deprecation_note=r["deprecation_note"] or None,
        )
        for r in _rows("event_codes.csv")
    }


def _labels(name: str) -> dict[str, str]:
    return {r["code"]: r["label"] for r in _rows(name)}


@cache
def actor_countries() -> dict[str, tuple[str, str]]:
    """Country, region and sub-national actor codes: code -> (label, category)."""
    return {r["code"]: (r["label"], r["category"]) for r in _rows("actor_countries.csv")}


@cache
def actor_roles() -> dict[str, str]:
    """Role and international-type actor codes: code -> label."""
    return _labels("actor_roles.csv")


@cache
def known_groups() -> dict[str, str]:
    """CAMEO known-group codes: code -> label."""
    return _labels("known_groups.csv")


@cache
def ethnic_groups() -> dict[str, str]:
    """CAMEO ethnic-group codes (lower case): code -> label."""
    return _labels("ethnic_groups.csv")


@cache
def religions() -> dict[str, str]:
    """CAMEO religion codes: code -> label."""
    return _labels("religions.csv")


def closest(code: str, known: list[str] | dict[str, object], n: int = 3) -> list[str]:
    """The known codes most similar to ``code``, best first.

    Codes of the same length that share the longest prefix come first (``0875`` suggests
    ``0871``-``0874``), then codes that look alike.
    """
    pool = list(known)
    for size in range(len(code) - 1 if code.isdigit() else 0, 0, -1):
        siblings = [k for k in pool if len(k) == len(code) and k[:size] == code[:size]]
        if siblings:
            break
    else:
        siblings = []
    alike = difflib.get_close_matches(code, pool, n=n, cutoff=0.5)
    return list(dict.fromkeys(sorted(siblings) + alike))[:n]


def event(code: str) -> EventCode:
    """Look up a CAMEO event code; raise UnknownCodeError with suggestions when unknown."""
    codes = event_codes()
    if code in codes:
        return codes[code]
    raise UnknownCodeError("CAMEO event code", code, closest(code, codes))


_COUNTRY_KINDS = {"region": "region", "sub-national / city": "sub-national"}


def _segment(code: str, first: bool) -> ActorSegment | None:
    countries = actor_countries()
    if first and code in countries:
        label, category = countries[code]
        return ActorSegment(code, _COUNTRY_KINDS.get(category, "country"), label)
    if code in actor_roles():
        return ActorSegment(code, "role", actor_roles()[code])
    if not first and code in known_groups():
        return ActorSegment(code, "known_group", known_groups()[code])
    return None


def actor(code: str) -> ActorCode:
    """Parse a CAMEO actor code into its segments, each checked against the codebook.

    The first segment is a country, region or sub-national code, or a role /
    international type (``IGO``, ``NGO`` ...). Each later segment is a role code or a
    known group (``IGOUNO``).
    """
    if not code or len(code) % 3 or not code.isalpha() or not code.isupper():
        raise UnknownCodeError(
            "CAMEO actor code",
            code,
            [],
            " (an actor code is upper-case letters in segments of three)",
        )
    segments = []
    for i in range(0, len(code), 3):
        piece = code[i : i + 3]
        segment = _segment(piece, first=i == 0)
        if segment is None:
            pool: dict[str, object] = dict(actor_roles())
            if i == 0:
                pool.update(actor_countries())
            else:
                pool.update(known_groups())
            raise UnknownCodeError(
                "CAMEO actor segment",
                piece,
                closest(piece, pool),
                f" at position {i // 3 + 1} of {code!r}",
                position=i // 3 + 1,
            )
        segments.append(segment)
    return ActorCode(code, tuple(segments))


def search(text: str) -> list[EventCode]:
    """Event codes whose label contains ``text`` (case-insensitive)."""
    needle = text.casefold()
    return [e for e in event_codes().values() if needle in e.label.casefold()]


@cache
def iso_countries() -> dict[str, str]:
    """ISO 3166-1 alpha-3 country codes: code -> English short name."""
    return {r["alpha_3"]: r["name"] for r in _rows("iso_countries.csv")}


def actor_code_pattern() -> str:
    """A regular expression that matches exactly the actor codes ``actor()`` accepts."""
    first = sorted(set(actor_countries()) | set(actor_roles()))
    later = sorted(set(actor_roles()) | set(known_groups()))
    return f"^({'|'.join(first)})({'|'.join(later)})*$"

"""Declared crosswalks from producers that are not CAMEO (ACLED, UCDP GED, PLOVER, Phoenix)
to our codes, shipped as CSV data beside this module (sources in ``SOURCES.md``).

Every row says whether the mapping loses information (``lossy``) and why (``note``); an
importer turns a lossy mapping into a warning on the row and keeps the producer's category
verbatim in provenance. ``producer_categories.csv`` transcribes the producers' codebooks so
that a test can check every category is mapped.

>>> acled_event("Battles", "Armed clash").cameo_code
'190'
>>> plover_event("CONSULT", "visit").cameo_code
'042'
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = [
    "CROSSWALKS",
    "ActorMapping",
    "EventMapping",
    "Mapping",
    "acled_actor",
    "acled_event",
    "acled_inter_code",
    "country_iso3",
    "phoenix_quad_class",
    "plover_actor_code",
    "plover_event",
    "plover_sector",
    "precision",
    "producer_categories",
    "rows",
    "ucdp_side",
    "ucdp_violence",
]

CROSSWALKS: dict[str, str] = {
    "acled_event_types.csv": "ACLED event type and sub-event type -> CAMEO event code "
    "(`directed` false: ACLED's actor 1 and actor 2 have no direction for that category)",
    "acled_actor_types.csv": "ACLED actor type (`inter`: the code, `3` or `3.0`, or its text "
    "label as newer exports write it, `export_label`, or the codebook's `label`, in any case) "
    "and actor-name prefix -> CAMEO role; the country comes from the actor name "
    "(`country_names.csv`)",
    "acled_precision.csv": "ACLED time_precision and geo_precision -> our date and geo precision",
    "ucdp_violence_types.csv": "UCDP GED type_of_violence -> CAMEO event code",
    "ucdp_sides.csv": "UCDP GED side_a / side_b by type of violence and name prefix -> CAMEO role",
    "ucdp_precision.csv": "UCDP GED where_prec and date_prec -> our geo precision and date form",
    "plover_event_types.csv": "PLOVER event type (with mode where it decides; empty mode: any "
    "other) -> CAMEO event code",
    "plover_sectors.csv": "PLOVER sector -> CAMEO role",
    "plover_actor_codes.csv": "PLOVER international non-state actor code -> CAMEO actor code",
    "phoenix_quad_classes.csv": "CAMEO root code -> the QuadClass Phoenix writes (0-4 scale)",
    "country_names.csv": "Country names of ACLED and UCDP (historical parentheses included) "
    "that ISO 3166 does not spell -> ISO 3166-1 alpha-3",
    "producer_categories.csv": "The producers' own category lists, transcribed from their "
    "codebooks (the coverage test checks each is mapped)",
}
"""Each crosswalk file and what it maps, for docs/importers.md."""


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of one crosswalk file, every value a string (codes keep leading zeros)."""
    text = files(__name__).joinpath(name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Mapping:
    """One crosswalk answer: whether it loses information, and why."""

    lossy: bool
    note: str


@dataclass(frozen=True)
class EventMapping(Mapping):
    """A producer category mapped to a CAMEO event code (``None``: no CAMEO action)."""

    cameo_code: str | None
    directed: bool = True


@dataclass(frozen=True)
class ActorMapping(Mapping):
    """A producer actor type mapped to a CAMEO role or code (``None``: none)."""

    code: str | None


def _flag(value: str) -> bool:
    return value.strip().lower() == "true"


@cache
def _events(name: str, keys: tuple[str, ...]) -> dict[tuple[str, ...], EventMapping]:
    return {
        tuple(r[k] for k in keys): EventMapping(
            lossy=_flag(r["lossy"]),
            note=r["note"],
            cameo_code=r["cameo_code"] or None,
            directed=_flag(r.get("directed", "true")),
        )
        for r in rows(name)
    }


def acled_event(event_type: str, sub_event_type: str | None) -> EventMapping | None:
    """The CAMEO code of an ACLED category (``None``: not an ACLED category)."""
    table = _events("acled_event_types.csv", ("event_type", "sub_event_type"))
    return table.get((event_type, sub_event_type or ""))


def ucdp_violence(type_of_violence: str) -> EventMapping | None:
    """The CAMEO code of a UCDP GED type of violence (``"1"``, ``"2"``, ``"3"``)."""
    return _events("ucdp_violence_types.csv", ("type_of_violence",)).get((type_of_violence,))


def plover_event(event_type: str, mode: str | None) -> EventMapping | None:
    """The CAMEO code of a PLOVER event type, refined by its mode where the mode decides."""
    table = _events("plover_event_types.csv", ("event_type", "mode"))
    return table.get((event_type, mode or "")) or table.get((event_type, ""))


def _by_prefix(candidates: list[dict[str, str]], name: str, column: str) -> ActorMapping:
    candidates = sorted(candidates, key=lambda r: -len(r["name_prefix"]))
    row = next(r for r in candidates if name.startswith(r["name_prefix"]))
    return ActorMapping(lossy=_flag(row["lossy"]), note=row["note"], code=row[column] or None)


_WHOLE_NUMBER = re.compile(r"^([0-9]+)(?:\.0*)?$")


@cache
def _inter_labels() -> dict[str, str]:
    labels = {}
    for r in rows("acled_actor_types.csv"):
        for label in (r["label"], r["export_label"]):
            if label:
                labels[label.casefold()] = r["inter"]
    return labels


def acled_inter_code(value: str) -> str | None:
    """ACLED's ``inter`` code of a cell: the code (``3``; ``3.0`` as pandas writes it) or
    its text label (``Political militia`` in newer exports, ``Political militias`` as the
    codebook heads it; any case); None when it is neither."""
    text = value.strip()
    number = _WHOLE_NUMBER.match(text)
    if number:
        return str(int(number.group(1)))
    return _inter_labels().get(" ".join(text.split()).casefold())


def acled_actor(inter: str, name: str) -> ActorMapping | None:
    """The CAMEO role of an ACLED actor, from its ``inter`` code (or its text label, see
    :func:`acled_inter_code`) and its name."""
    code = acled_inter_code(inter)
    candidates = [r for r in rows("acled_actor_types.csv") if r["inter"] == code]
    return _by_prefix(candidates, name, "role") if candidates else None


def ucdp_side(type_of_violence: str, side: str, name: str) -> ActorMapping | None:
    """The CAMEO role of a UCDP GED side (``side`` is ``"a"`` or ``"b"``)."""
    candidates = [
        r
        for r in rows("ucdp_sides.csv")
        if r["type_of_violence"] == type_of_violence and r["side"] == side
    ]
    return _by_prefix(candidates, name, "role") if candidates else None


@cache
def _plover_sectors() -> dict[str, ActorMapping]:
    return {
        r["sector"]: ActorMapping(_flag(r["lossy"]), r["note"], r["cameo_role"] or None)
        for r in rows("plover_sectors.csv")
    }


def plover_sector(sector: str) -> ActorMapping | None:
    """The CAMEO role of a PLOVER sector code (``None``: not a PLOVER sector)."""
    return _plover_sectors().get(sector)


def plover_actor_code(code: str) -> ActorMapping | None:
    """The CAMEO code of a PLOVER international non-state actor code (``EUR``, ``UNO`` ...)."""
    for r in rows("plover_actor_codes.csv"):
        if r["code"] == code:
            return ActorMapping(_flag(r["lossy"]), r["note"], r["cameo_code"])
    return None


@dataclass(frozen=True)
class PrecisionMapping(Mapping):
    """A producer precision code mapped to ours (``ours`` as in the crosswalk file)."""

    ours: str


def precision(producer: str, field: str, code: str) -> PrecisionMapping | None:
    """Our precision for a producer's precision code (producer ``acled`` or ``ucdp``)."""
    for r in rows(f"{producer}_precision.csv"):
        if r["field"] == field and r["code"] == code:
            return PrecisionMapping(_flag(r["lossy"]), r["note"], r["ours"])
    return None


@cache
def _phoenix_quads() -> dict[str, str]:
    return {r["root_code"]: r["phoenix_quad_class"] for r in rows("phoenix_quad_classes.csv")}


def phoenix_quad_class(root_code: str) -> str | None:
    """The QuadClass (0-4) Phoenix writes for a CAMEO root code."""
    return _phoenix_quads().get(root_code)


_PARENTHESES = re.compile(r"\s*\([^()]*\)\s*$")


@cache
def _country_index() -> dict[str, str]:
    from coded_events.spec import codebook

    index = {name.casefold(): code for code, name in codebook.iso_countries().items()}
    for code, (label, _category) in codebook.actor_countries().items():
        if code in codebook.iso_countries():
            index.setdefault(label.casefold(), code)
    index.update({r["name"].casefold(): r["iso3"] for r in rows("country_names.csv")})
    return index


def country_iso3(name: str) -> str | None:
    """The ISO 3166-1 alpha-3 code of a country as ACLED or UCDP names it.

    Tries the name as written (``country_names.csv`` first, then ISO names), then without a
    trailing parenthesis (UCDP's ``Russia (Soviet Union)``); ``None`` when nothing matches.
    """
    index = _country_index()
    for candidate in (name.strip(), _PARENTHESES.sub("", name).strip()):
        if candidate.casefold() in index:
            return index[candidate.casefold()]
    return None


def producer_categories(producer: str) -> list[dict[str, str]]:
    """The categories a producer's codebook lists (``producer_categories.csv``)."""
    return [r for r in rows("producer_categories.csv") if r["producer"] == producer]

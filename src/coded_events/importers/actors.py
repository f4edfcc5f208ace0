"""Actors from producer columns: a CAMEO actor code rebuilt from the country and type
fields, with what cannot be expressed reported (``import-actor-not-expressible``) and
kept verbatim in provenance.

The rebuild runs once per distinct combination of the actor's fields in a batch
(:func:`~coded_events.importers.columns.map_rows`), not once per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.columns import map_rows
from coded_events.importers.format import Batch, Converted, Issue, Rule
from coded_events.importers.reference import (
    icews_countries,
    icews_sectors,
)
from coded_events.spec import codebook

__all__ = ["gdelt_actor_rule", "icews_actor_rule", "rebuild"]

_RESULT = pa.struct(
    [
        ("code", pa.string()),
        ("ethnic", pa.string()),
        ("religion", pa.string()),
        ("known_group", pa.string()),
        ("lost", pa.string()),
    ]
)


def rebuild(
    country: str, types: list[str], known_group: str, ethnic: str, religions: list[str]
) -> dict[str, Any]:
    """Our actor fields from the parts of a producer's actor code; ``lost`` says what
    cannot be expressed (None when nothing is lost)."""
    lost = []
    first: list[str] = []
    if country and country in codebook.actor_countries():
        first = [country]
    elif country:
        lost.append(f"country {country} is not a CAMEO country code of the codebook")
    roles = []
    for role in types:
        if role in codebook.actor_roles():
            roles.append(role) if role not in roles else None
        else:
            lost.append(f"type {role} is not a CAMEO role of the codebook")
    group = known_group if known_group in codebook.known_groups() else None
    if known_group and group is None:
        lost.append(f"known group {known_group} is not in the codebook")
    segments = first + roles + ([group] if group and (first or roles) else [])
    if group and not (first or roles):
        lost.append(f"known group {group} alone cannot open an actor code")
    ethnic_code = ethnic.lower() if ethnic else None
    if ethnic_code and ethnic_code not in codebook.ethnic_groups():
        lost.append(f"ethnic group {ethnic} is not in the codebook")
        ethnic_code = None
    religion = None
    for index, code in enumerate(r for r in religions if r):
        if index == 0 and code in codebook.religions():
            religion = code
        else:
            lost.append(
                f"religion {code} "
                + ("has no place (one religion per actor)" if index else "is not in the codebook")
            )
    code = "".join(segments) or None
    if code is not None:
        try:
            codebook.actor(code)
        except codebook.UnknownCodeError as error:
            lost.append(f"{code} is not a valid actor code ({error})")
            code = None
    if code is None and (ethnic_code or religion or group):
        lost.append("the actor is given by ethnicity, religion or group only: no actor code")
    return {
        "code": code,
        "ethnic": ethnic_code,
        "religion": religion,
        "known_group": group,
        "lost": "; ".join(lost) or None,
    }


def _spread(
    columns: list[pa.Array], function: Callable[[list[str]], dict[str, Any]]
) -> pa.StructArray:
    """``function`` on each distinct combination of the rows' cells (a null as "")."""
    return map_rows(columns, lambda *cells: function(list(cells)), _RESULT)


def _actor_columns(prefix: str, name: pa.Array, built: pa.StructArray) -> dict[str, pa.Array]:
    return {
        f"events.{prefix}_code": built.field("code"),
        f"events.{prefix}_name": name,
        f"events.{prefix}_ethnic": built.field("ethnic"),
        f"events.{prefix}_religion": built.field("religion"),
        f"events.{prefix}_known_group": built.field("known_group"),
    }


def _targets(prefix: str) -> tuple[str, ...]:
    parts = ("code", "name", "ethnic", "religion", "known_group")
    return tuple(f"events.{prefix}_{p}" for p in parts)


def gdelt_actor_rule(prefix: str, actor: str, doc: str) -> Rule:
    """GDELT ``<actor>Code`` rebuilt from ``<actor>CountryCode``, ``Type1-3Code``,
    ``KnownGroupCode``, ``EthnicCode`` and ``Religion1-2Code`` (``actor``: ``Actor1``)."""
    parts = (
        "CountryCode",
        "Type1Code",
        "Type2Code",
        "Type3Code",
        "KnownGroupCode",
        "EthnicCode",
        "Religion1Code",
        "Religion2Code",
    )
    sources = (f"{actor}Code", f"{actor}Name", *(actor + p for p in parts))

    def build(fields: list[str]) -> dict[str, Any]:
        country, t1, t2, t3, group, ethnic, r1, r2 = fields
        return rebuild(country, [t for t in (t1, t2, t3) if t], group, ethnic, [r1, r2])

    def convert(batch: Batch, code: pa.Array, name: pa.Array, *rest: pa.Array) -> Converted:
        built = _spread(list(rest), build)
        lost = built.field("lost")
        issue = Issue(
            "import-actor-not-expressible",
            pc.is_valid(lost),
            code,
            {"code": pc.fill_null(code, "(none)"), "lost": lost},
            f"{actor}Code",
        )
        return Converted(_actor_columns(prefix, name, built), [issue])

    return Rule(_targets(prefix), sources, convert, doc, keep=True)


def _icews_build(fields: list[str]) -> dict[str, Any]:
    """An ICEWS actor: its country (a name) and sectors (a comma list, unordered)."""
    country_name, sectors = fields
    country = icews_countries().get(country_name.lower()) if country_name else None
    table = icews_sectors()
    given = [s.strip() for s in sectors.split(",") if s.strip()] if sectors else []
    roles = sorted({table[s] for s in given if s in table}, key=list(table.values()).index)
    built = rebuild(country or "", roles, "", "", [])
    lost = [f"sector {s!r} has no CAMEO role" for s in given if s not in table]
    if country_name and country is None:
        lost.append(f"country {country_name!r} has no ISO 3166 code")
    built["lost"] = "; ".join(filter(None, [built["lost"], *lost])) or None
    return built


def icews_actor_rule(prefix: str, name: str, sectors: str, country: str, doc: str) -> Rule:
    """An ICEWS actor: ``name`` as given, the code from ``country`` (a name -> ISO 3166 ->
    CAMEO country) and ``sectors`` (-> CAMEO roles, ``icews_sectors.csv``); sectors and
    country stay verbatim in provenance."""

    def convert(
        batch: Batch, names: pa.Array, sector_list: pa.Array, countries: pa.Array
    ) -> Converted:
        built = _spread([countries, sector_list], _icews_build)
        lost = built.field("lost")
        issue = Issue(
            "import-actor-not-expressible",
            pc.is_valid(lost),
            sector_list,
            {"code": pc.fill_null(names, "(unnamed)"), "lost": lost},
            sectors,
        )
        return Converted(_actor_columns(prefix, names, built), [issue])

    return Rule(_targets(prefix), (name, sectors, country), convert, doc, keep=True)

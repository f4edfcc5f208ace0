"""Which countries an actor counts for when `coded-events compare` matches dyads.

An actor counts for its actor country (``AZE`` of ``AZEPRE``). An actor coded by location
with an ethnic group counts for the group's country as well, through the declared table
``data/ethnic_countries.csv`` (``AZE`` + ethnic ``arm`` counts for AZE and ARM). A group
with no single country (an empty country in the table, or a group not listed) counts for
its location country only. An actor with no country at all (an IGO, a bare known group, a
GDELT actor with a blank country) counts for the event's location country, when it has one.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

ETHNIC_TABLE = "data/ethnic_countries.csv"


@cache
def ethnic_countries() -> dict[str, str | None]:
    """Ethnic group code -> its country (None: declared to have no single country)."""
    text = files(__package__).joinpath(ETHNIC_TABLE).read_text(encoding="utf-8")
    return {row["ethnic"]: (row["country"] or None) for row in csv.DictReader(text.splitlines())}


def countries(
    actor_country: str | None, ethnic: str | None, location_country: str | None
) -> frozenset[str]:
    """The countries one actor counts for (see the module)."""
    if actor_country is None:
        return frozenset({location_country}) if location_country else frozenset()
    kin = ethnic_countries().get(ethnic) if ethnic else None
    return frozenset({actor_country, kin} - {None})

"""The part of the candidate the reference can speak for.

By default the **period** is the reference's first to last day, widened by the window at
both ends, and the **countries** are those the reference's actors count for (see
:mod:`coded_events.compare.actors`) and its locations. A candidate row is in scope when its
dates overlap the period, every country its actors count for is in scope, and it names at
least one country in scope (as an actor or as its location). Both can be set instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from coded_events.compare.rows import Row


@dataclass(frozen=True)
class Scope:
    """A period (first and last day) and a set of countries."""

    first: date
    last: date
    countries: frozenset[str]

    def holds(self, row: Row) -> bool:
        """Whether a candidate row is in scope (see the module)."""
        if row.last < self.first.toordinal() or row.first > self.last.toordinal():
            return False
        actors = row.source | row.target
        if not actors <= self.countries:
            return False
        return bool(actors or (row.location in self.countries))

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "countries": sorted(self.countries),
        }


def reference_scope(
    refs: Sequence[Row],
    window: int,
    first: date | None = None,
    last: date | None = None,
    countries: Iterable[str] | None = None,
) -> Scope:
    """The scope of the reference rows, with any of its parts set by the caller."""
    if first is None:
        first = date.fromordinal(min(r.first for r in refs)) - timedelta(days=window)
    if last is None:
        last = date.fromordinal(max(r.last for r in refs)) + timedelta(days=window)
    if countries is None:
        found = {c for r in refs for c in r.source | r.target}
        found |= {r.location for r in refs if r.location}
        countries = found
    return Scope(first, last, frozenset(countries))

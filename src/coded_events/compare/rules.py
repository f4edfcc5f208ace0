"""When a candidate row can stand for a reference event, and how well it fits.

A (reference event, candidate row) pair is a **candidate pair** at a level when

- **actors**: the source actors share a country and the target actors share a country
  (or neither has a target); with ``undirected``, the reversed dyad counts too;
- **dates**: the candidate's whole span lies within the reference's **reach**: its days
  widened by the window at each end given to the day; an end given as a month or a year
  is not widened (the reference event reaches its whole month or year, and only that);
- **code**: the two codes agree at the level: ``quadclass`` (same QuadClass), ``root``
  (same root code) or ``code`` (same event code).

A candidate row whose actors agree and whose span overlaps the reach but is wider than it
(a year-precision row against a reference event given to the day) is no pair: it is
**wide** of that reference event, too imprecise to say whether it stands for it.

Its **score**, compared in this order, higher first: code agreement (3 same code, 2 same
root, 1 same QuadClass, 0 none), direction (1 as coded, 0 reversed), date (minus the days
between the two dates, 0 when they overlap), place (1 same location country, else 0).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from coded_events.coding import matching
from coded_events.compare.rows import Row

LEVELS = {"quadclass": 1, "root": 2, "code": 3}
"""Agreement level -> the code agreement it needs (the first part of a score)."""
STATEMENT_ROOT = "01"
"""CAMEO 010-019, Make public statement: how machine coders code a bare confirmation."""
DEFAULT_WINDOW = 3


@dataclass(frozen=True)
class Rules:
    """The matching options."""

    window: int = DEFAULT_WINDOW
    undirected: bool = False


def agreement(ref: Row, cand: Row) -> int:
    """3 same event code, 2 same root code, 1 same QuadClass, 0 none."""
    if ref.code == cand.code:
        return 3
    if ref.root == cand.root:
        return 2
    return 1 if ref.quad == cand.quad else 0


def reach(ref: Row, window: int) -> tuple[int, int]:
    """The days a candidate may fall on: the reference's, widened at day-precision ends."""
    lo = ref.first - (window if ref.start_precision == "day" else 0)
    hi = ref.last + (window if ref.end_precision == "day" else 0)
    return lo, hi


def _meet(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a & b) if (a or b) else True


def direction(ref: Row, cand: Row, undirected: bool) -> int | None:
    """1 when the dyad agrees as coded, 0 when only reversed (and ``undirected``), else None."""
    if ref.source & cand.source and _meet(ref.target, cand.target):
        return 1
    if undirected and ref.target & cand.source and ref.source & cand.target:
        return 0
    return None


def gap(ref: Row, cand: Row) -> int:
    """Days between the two dates (0 when they overlap)."""
    return max(0, cand.first - ref.last, ref.first - cand.last)


def within(ref: Row, cand: Row, window: int) -> bool | None:
    """True when the candidate's span lies within the reference's reach, False when it
    overlaps the reach and is wider than it, None otherwise (apart, or overlapping only
    in part)."""
    lo, hi = reach(ref, window)
    if lo <= cand.first and cand.last <= hi:
        return True
    if cand.first > hi or cand.last < lo:
        return None
    return False if cand.last - cand.first > hi - lo else None


def fit(ref: Row, cand: Row, rules: Rules) -> matching.Score | None:
    """The score of a pair whose actors and dates agree (any code), else None."""
    return _score(ref, cand, rules) if within(ref, cand, rules.window) else None


def _score(ref: Row, cand: Row, rules: Rules) -> matching.Score | None:
    """The score of a pair whose actors agree (dates as they come), else None."""
    way = direction(ref, cand, rules.undirected)
    if way is None:
        return None
    place = int(ref.location is not None and ref.location == cand.location)
    return (agreement(ref, cand), way, -gap(ref, cand), place)


@dataclass(frozen=True)
class Fits:
    """Every (reference, candidate) pair whose actors and dates agree, with its score, and
    every pair whose actors agree but whose candidate is wide of the reference's reach."""

    by_pair: dict[tuple[int, int], matching.Score]
    wide: dict[tuple[int, int], matching.Score]

    def at(self, level: str) -> list[matching.Candidate]:
        """The candidate pairs whose codes agree at ``level``."""
        need = LEVELS[level]
        return [
            matching.Candidate(i, j, score)
            for (i, j), score in sorted(self.by_pair.items())
            if score[0] >= need
        ]


def _by_country(cands: Sequence[Row], undirected: bool) -> dict[str, list[int]]:
    """Country -> candidate rows whose source (or, undirected, target) counts for it."""
    index: dict[str, list[int]] = {}
    for j, cand in enumerate(cands):
        for country in cand.source | (cand.target if undirected else frozenset()):
            index.setdefault(country, []).append(j)
    return index


def _near(ref: Row, index: dict[str, list[int]], undirected: bool) -> Iterator[int]:
    """Candidate rows that share a country with the reference's actors (to be scored)."""
    keys = ref.source | (ref.target if undirected else frozenset())
    return iter(sorted({j for country in keys for j in index.get(country, [])}))


def fits(refs: Sequence[Row], cands: Sequence[Row], rules: Rules) -> Fits:
    """Score every pair that can be a candidate at some level (see the module)."""
    index = _by_country(cands, rules.undirected)
    out: dict[tuple[int, int], matching.Score] = {}
    wide: dict[tuple[int, int], matching.Score] = {}
    for i, ref in enumerate(refs):
        for j in _near(ref, index, rules.undirected):
            inside = within(ref, cands[j], rules.window)
            score = None if inside is None else _score(ref, cands[j], rules)
            if score is not None:
                (out if inside else wide)[(i, j)] = score
    return Fits(out, wide)


def is_statement(row: Row) -> bool:
    """Whether a row is a bare statement (CAMEO 010-019)."""
    return row.root == STATEMENT_ROOT

"""Compare a candidate with a reference: scope, one-to-one matching at each level, then
duplicates and statements among the candidate rows left over.

The one-to-one matching is :func:`coded_events.coding.matching.assign` (best score first,
ties by content), the core ``coded-events agree`` uses, over the candidate pairs of
:mod:`coded_events.compare.rules`. Each level (QuadClass, root, code) gets its own
matching, which gives the recall at that level; the chosen level's matching gives the rest
of the report. Then each candidate row in scope is one of:

- **matched**: paired with a reference event at the chosen level;
- **duplicate**: not paired, but a candidate pair (at the chosen level) of a reference
  event that is paired: a second report of a found event;
- **imprecise**: neither, and its actors and code (at the chosen level) agree with a
  reference event whose reach its dates overlap but are wider than (a year-precision row
  against an event given to the day): too imprecise to say; left out of the share;
- **statement**: neither, a CAMEO 010-019 code, and its actors and dates agree with a
  reference event (any code): a bare confirmation our coding keeps as evidence;
- **unmatched**: the rest.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from coded_events.coding import matching
from coded_events.compare import rules
from coded_events.compare.rows import CompareError, Row, read_rows
from coded_events.compare.scope import Scope, reference_scope
from coded_events.spec import codebook

DEFAULT_LEVEL = "root"
CONFUSION_LEVEL = "quadclass"
"""The matching whose pairs the root-code confusion table counts: at the root or code
level every pair agrees on its root by construction."""


@dataclass(frozen=True)
class Comparison:
    """Everything the report shows, before it is written out."""

    reference_name: str
    candidate_name: str
    refs: list[Row]
    cands: list[Row]  # the candidate rows in scope
    candidate_total: int
    scope: Scope
    options: rules.Rules
    level: str
    fits: rules.Fits
    by_level: dict[str, matching.Matching]
    duplicates: dict[int, int]  # candidate row -> the reference event it repeats
    statements: dict[int, int]  # candidate row -> the reference event it confirms
    imprecise: dict[int, int]  # candidate row -> the reference event it is wide of

    @property
    def matching(self) -> matching.Matching:
        """The matching at the chosen level."""
        return self.by_level[self.level]

    @cached_property
    def _partner(self) -> dict[int, int]:
        return {p.right: p.left for p in self.matching.pairs}

    def role(self, j: int) -> tuple[str, int | None]:
        """What candidate row ``j`` is (matched, duplicate, imprecise, statement, unmatched)
        and the reference event it belongs to."""
        if j in self._partner:
            return "matched", self._partner[j]
        if j in self.duplicates:
            return "duplicate", self.duplicates[j]
        if j in self.imprecise:
            return "imprecise", self.imprecise[j]
        if j in self.statements:
            return "statement", self.statements[j]
        return "unmatched", None


def _best_reference(
    options: list[tuple[matching.Score, int]], among: set[int] | None, refs: list[Row]
) -> int | None:
    """Of the (score, reference) options of one candidate row, the best reference event
    in ``among`` (None: any); ties by content."""
    kept = [(s, i) for s, i in options if among is None or i in among]
    if not kept:
        return None
    best = max(s for s, _ in kept)
    return min((i for s, i in kept if s == best), key=lambda i: refs[i].sort_key())


def _by_cand(pairs: dict[tuple[int, int], matching.Score]) -> dict[int, list[tuple[Any, int]]]:
    by_cand: dict[int, list[tuple[matching.Score, int]]] = {}
    for (i, j), score in pairs.items():
        by_cand.setdefault(j, []).append((score, i))
    return by_cand


def leftovers(
    fits: rules.Fits, primary: matching.Matching, level: str, refs: list[Row], cands: list[Row]
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Duplicates, imprecise rows and statements among the candidate rows the matching
    left (see the module)."""
    paired = {p.left for p in primary.pairs}
    need = rules.LEVELS[level]
    by_cand, wide = _by_cand(fits.by_pair), _by_cand(fits.wide)
    duplicates: dict[int, int] = {}
    imprecise: dict[int, int] = {}
    statements: dict[int, int] = {}
    for j in primary.right_only:
        options = by_cand.get(j, [])
        at_level = [(s, i) for s, i in options if s[0] >= need]
        repeated = _best_reference(at_level, paired, refs)
        vague = _best_reference([(s, i) for s, i in wide.get(j, []) if s[0] >= need], None, refs)
        if repeated is not None:
            duplicates[j] = repeated
        elif vague is not None:
            imprecise[j] = vague
        elif rules.is_statement(cands[j]):
            confirmed = _best_reference(options, None, refs)
            if confirmed is not None:
                statements[j] = confirmed
    return duplicates, imprecise, statements


def _day(value: str | date | None, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CompareError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None


def _countries(countries: Sequence[str] | None) -> list[str] | None:
    """``--countries`` as codes (upper case); a code the codebook does not know (neither a
    CAMEO actor country nor an ISO 3166 country) is refused: it would leave nothing in
    scope without a word."""
    if not countries:
        return None
    codes = [c.strip().upper() for c in countries if c.strip()]
    known = set(codebook.actor_countries()) | set(codebook.iso_countries())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise CompareError(
            f"--countries: {', '.join(unknown)} not a CAMEO or ISO 3166 country code of the "
            "codebook (three letters, e.g. ARM, AZE, RUS)"
        )
    return codes


def compare(
    reference: str | os.PathLike[str],
    candidate: str | os.PathLike[str],
    *,
    level: str = DEFAULT_LEVEL,
    window: int = rules.DEFAULT_WINDOW,
    undirected: bool = False,
    scope_from: str | date | None = None,
    scope_to: str | date | None = None,
    countries: list[str] | None = None,
) -> Comparison:
    """Compare ``candidate`` with ``reference`` (each a dataset folder, its ``data/`` folder,
    a ``datapackage.json`` or a registered name). See the module for the rules; CompareError
    names the dataset when one cannot be read."""
    if level not in rules.LEVELS:
        raise CompareError(f"level {level!r}: choose one of {', '.join(rules.LEVELS)}")
    if window < 0:
        raise CompareError(f"window {window}: a number of days, 0 or more")
    chosen = _countries(countries)
    refs, _ = read_rows(reference)
    if not refs:
        raise CompareError(f"{reference}: the reference holds no events")
    scope = reference_scope(
        refs, window, _day(scope_from, "--from"), _day(scope_to, "--to"), chosen
    )
    if scope.first > scope.last:
        raise CompareError(f"the scope starts ({scope.first}) after it ends ({scope.last})")
    rows, total = read_rows(candidate, (scope.first, scope.last))
    cands = sorted((r for r in rows if scope.holds(r)), key=Row.sort_key)
    options = rules.Rules(window=window, undirected=undirected)
    fits = rules.fits(refs, cands, options)
    ref_keys = [r.sort_key() for r in refs]
    cand_keys = [c.sort_key() for c in cands]
    by_level = {
        name: matching.assign(fits.at(name), len(refs), len(cands), ref_keys, cand_keys)
        for name in rules.LEVELS
    }
    duplicates, imprecise, statements = leftovers(fits, by_level[level], level, refs, cands)
    return Comparison(
        reference_name=str(reference),
        candidate_name=str(candidate),
        refs=refs,
        cands=cands,
        candidate_total=total,
        scope=scope,
        options=options,
        level=level,
        fits=fits,
        by_level=by_level,
        duplicates=duplicates,
        statements=statements,
        imprecise=imprecise,
    )

"""A deterministic one-to-one matcher over scored candidate pairs.

Two lists of items (two coders' events, or reference events and machine-coded ones) are
matched one to one. The caller says which pairs are candidates and how well each pair
fits; this module decides, the same way every time, which candidates become pairs.

API
---
``Candidate(left, right, score)``
    ``left`` and ``right`` are indices into the two lists; ``score`` is a tuple of numbers
    compared lexicographically, higher is better: ``(quote_overlap, actors, date, code)``
    means quote overlap decides first, and actors only between equal overlaps.

``assign(candidates, left_keys=None, right_keys=None) -> Matching``
    Best first (greedy): candidates are taken in order of score, highest first; a pair is
    kept when neither of its items is already paired. **Tie-break**: among equal scores,
    the candidate whose left item has the smaller sort key comes first, then the one whose
    right item has the smaller key; keys default to the indices. Give content keys (not
    positions) when the lists' order is arbitrary, and the matching does not change when
    either list is shuffled.

``match(left, right, score, *, block=None, left_key=None, right_key=None) -> Matching``
    Builds the candidates by calling ``score(l, r)`` for every pair (None: not a
    candidate), only within the same block when ``block`` (item -> hashable, used on both
    sides) is given, then calls ``assign``. ``left_key``/``right_key`` map an item to its
    sort key for the tie-break.

``Matching``
    ``pairs`` (``Pair(left, right, score)``, by left index), ``left_only`` and
    ``right_only`` (unpaired indices, ascending).

Why best first and not the assignment that maximises the total score (Hungarian): scores
are lexicographic tuples, whose sums mean nothing, and "the best-supported pair is taken
first" is a rule a coder can check by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

L = TypeVar("L")
R = TypeVar("R")
Score = tuple[float, ...]


@dataclass(frozen=True)
class Candidate:
    """A pair that may be matched, with how well it fits (higher is better)."""

    left: int
    right: int
    score: Score


@dataclass(frozen=True)
class Pair:
    """A matched pair: indices into the two lists and the score that chose it."""

    left: int
    right: int
    score: Score


@dataclass(frozen=True)
class Matching(Generic[L, R]):
    """The pairs and the items of each side left without a partner."""

    pairs: list[Pair] = field(default_factory=list)
    left_only: list[int] = field(default_factory=list)
    right_only: list[int] = field(default_factory=list)


def assign(
    candidates: Iterable[Candidate],
    n_left: int,
    n_right: int,
    left_keys: Sequence[Any] | None = None,
    right_keys: Sequence[Any] | None = None,
) -> Matching[Any, Any]:
    """Pair items one to one, best score first, ties by the items' sort keys (see module)."""
    lkeys = list(range(n_left)) if left_keys is None else list(left_keys)
    rkeys = list(range(n_right)) if right_keys is None else list(right_keys)

    def order(c: Candidate) -> tuple[Any, ...]:
        return (tuple(-s for s in c.score), lkeys[c.left], rkeys[c.right], c.left, c.right)

    used_left: set[int] = set()
    used_right: set[int] = set()
    pairs = []
    for candidate in sorted(candidates, key=order):
        if candidate.left in used_left or candidate.right in used_right:
            continue
        used_left.add(candidate.left)
        used_right.add(candidate.right)
        pairs.append(Pair(candidate.left, candidate.right, candidate.score))
    return Matching(
        pairs=sorted(pairs, key=lambda p: p.left),
        left_only=[i for i in range(n_left) if i not in used_left],
        right_only=[i for i in range(n_right) if i not in used_right],
    )


def match(
    left: Sequence[L],
    right: Sequence[R],
    score: Callable[[L, R], Score | None],
    *,
    block: Callable[[Any], Hashable] | None = None,
    left_key: Callable[[L], Any] | None = None,
    right_key: Callable[[R], Any] | None = None,
) -> Matching[L, R]:
    """Score the candidate pairs of ``left`` x ``right`` (within blocks) and ``assign``."""
    by_block: dict[Hashable, list[int]] = {}
    for j, item in enumerate(right):
        by_block.setdefault(block(item) if block else None, []).append(j)
    candidates = []
    for i, item in enumerate(left):
        for j in by_block.get(block(item) if block else None, []):
            fit = score(item, right[j])
            if fit is not None:
                candidates.append(Candidate(i, j, tuple(fit)))
    return assign(
        candidates,
        len(left),
        len(right),
        [left_key(x) for x in left] if left_key else None,
        [right_key(x) for x in right] if right_key else None,
    )

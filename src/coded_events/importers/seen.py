"""Which ids an import has already read, in memory that grows by 8 bytes per id; and our
event ids, unique even where two different producer ids would give the same one.

Producer ids that are integers (GDELT, ICEWS) are kept as sorted NumPy ``int64`` runs,
merged as they grow (a log-structured set: a lookup is one binary search per run, at
most about log2(batches) runs); other ids in a Python set.
"""

from __future__ import annotations

import hashlib
from itertools import count

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["HASH_DIGITS", "EventIds", "SeenIds", "short_hash"]

_INTEGER = r"^(0|[1-9][0-9]{0,17})$"


class SeenIds:
    """A set of ids; :meth:`add_batch` says which of a batch's ids were seen before (in
    an earlier batch, or earlier in the same batch)."""

    def __init__(self) -> None:
        self.runs: list[np.ndarray] = []
        self.others: set[str] = set()

    def _seen_numbers(self, numbers: np.ndarray) -> np.ndarray:
        seen = np.zeros(len(numbers), dtype=bool)
        if not self.runs or numbers.min() > max(run[-1] for run in self.runs):
            return seen  # ids that grow (GDELT, ICEWS): no lookup
        for run in self.runs:
            at = np.searchsorted(run, numbers)
            inside = at < len(run)
            seen[inside] |= run[at[inside]] == numbers[inside]
        return seen

    def _add_numbers(self, numbers: np.ndarray, ascending: bool) -> None:
        self.runs.append(numbers if ascending else np.unique(numbers))
        while len(self.runs) > 1 and len(self.runs[-1]) * 2 >= len(self.runs[-2]):
            last, before = self.runs.pop(), self.runs.pop()
            if before[-1] < last[0]:
                self.runs.append(np.concatenate([before, last]))
            else:
                self.runs.append(np.union1d(before, last))

    def add_batch(self, ids: pa.Array, valid: pa.Array) -> pa.Array:
        """Add the ``valid`` ones of ``ids`` (strings); the mask of repeated ids."""
        ids = pc.if_else(valid, ids, None)
        numeric = pc.fill_null(pc.match_substring_regex(ids, _INTEGER), False)
        duplicate = np.zeros(len(ids), dtype=bool)
        index = pc.indices_nonzero(numeric).to_numpy()
        if len(index):
            numbers = pc.cast(ids.filter(numeric), pa.int64()).to_numpy()
            repeated = self._seen_numbers(numbers)
            ascending = bool(np.all(numbers[1:] > numbers[:-1]))
            if ascending:  # no id twice in the batch
                duplicate[index] = repeated
            else:
                _, first = np.unique(numbers, return_index=True)
                within = np.ones(len(numbers), dtype=bool)
                within[first] = False
                duplicate[index] = repeated | within
            self._add_numbers(numbers, ascending)
        other = pc.and_(pc.invert(numeric), pc.is_valid(ids))
        for position, value in zip(
            pc.indices_nonzero(other).to_pylist(), ids.filter(other).to_pylist(), strict=True
        ):
            duplicate[position] = value in self.others
            self.others.add(value)
        return pa.array(duplicate)


HASH_DIGITS = 8
"""Hex digits of the sha256 of a producer's id appended to an event id it shares."""


def short_hash(producer_id: str, attempt: int = 1) -> str:
    """The first ``HASH_DIGITS`` hex digits of the sha256 of ``producer_id`` (UTF-8); a
    later ``attempt`` (never needed in practice) hashes ``<id>#<attempt>``."""
    text = producer_id if attempt == 1 else f"{producer_id}#{attempt}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def _plain_number(key: str) -> bool:
    return key.isascii() and key.isdigit()


class EventIds:
    """Our event ids (the part after ``<format>-``), unique across an import.

    Two different producer ids can give the same event id once our id rules are applied
    (``1701787_v0.1.0`` and ``1701787.v0_1_0`` both give ``1701787-v0-1-0``; a PLOVER
    record ``X`` split into ``x-1``, ``x-2`` and a record ``X-1``). The first keeps it; a
    later one gets ``-<short_hash(its producer id)>`` appended (before a record's place
    suffix: ``x-<hash>-1``), deterministically, in input order. Keys that are plain
    numbers (a number's id is the number itself) cannot clash and are not held.
    """

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def assign(
        self, keys: pa.Array, producer_ids: pa.Array, pair: pa.Array | None, valid: pa.Array
    ) -> pa.Array:
        """The unique keys of a batch: ``keys`` (our id rules applied, null where no id),
        with each record's place (``pair``: 1, 2 ... for the consecutive rows of one
        record, null for a row that is a whole record); only ``valid`` rows are held."""
        key_list = keys.to_pylist()
        raw = producer_ids.to_pylist()
        places = pair.to_pylist() if pair is not None else [None] * len(key_list)
        ok = pc.fill_null(valid, False).to_pylist()
        out: list[str | None] = [
            None if k is None else (k if p is None else f"{k}-{p}")
            for k, p in zip(key_list, places, strict=True)
        ]
        start = 0
        while start < len(key_list):
            end = start + 1
            if places[start] is not None:  # the rest of the record
                while end < len(key_list) and (places[end] or 0) > 1:
                    end += 1
            base = key_list[start]
            if (
                ok[start]
                and base is not None
                and not (places[start] is None and _plain_number(base))
            ):
                group = places[start:end]
                for attempt in count():
                    stem = base if not attempt else f"{base}-{short_hash(raw[start], attempt)}"
                    names = [stem if p is None else f"{stem}-{p}" for p in group]
                    if not any(n in self.taken for n in names):
                        break
                self.taken.update(names)
                out[start:end] = names
            start = end
        return pa.array(out, pa.string())

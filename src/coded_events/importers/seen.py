"""Which ids an import has already written, in memory that grows by 8 bytes per id.

Producer ids that are integers (GDELT, ICEWS) are kept as sorted NumPy ``int64`` runs,
merged as they grow (a log-structured set: a lookup is one binary search per run, at
most about log2(batches) runs); other ids in a Python set.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SeenIds"]

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

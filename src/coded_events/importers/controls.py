"""Control characters in the values an import writes: the flat validator refuses them in
our free-text columns (``control-character``), and an import never changes a value
silently, so such a row is rejected (``import-control-character``)."""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers.format import Issue
from coded_events.spec.vocabulary import CONTROL_CHARACTERS_PATTERN

__all__ = ["control_issues"]


@cache
def _free_text(table: str) -> frozenset[str]:
    from coded_events.flat.rules import free_text_columns

    return frozenset(free_text_columns(table))


def control_issues(out: dict[str, pa.Array | pa.ChunkedArray]) -> list[Issue]:
    """An error per converted column (``"<table>.<column>"``) that is one of our free-text
    columns and holds a control character on some row."""
    from coded_events.flat.control_rules import may_hold_control  # the flat rule's own test

    issues = []
    for target, values in out.items():
        table, _, column = target.partition(".")
        if column not in _free_text(table) or not pa.types.is_string(values.type):
            continue
        if isinstance(values, pa.StringArray) and not may_hold_control(values):
            continue  # one pass over the bytes: most columns hold none
        mask = pc.fill_null(pc.match_substring_regex(values, CONTROL_CHARACTERS_PATTERN), False)
        if pc.any(mask).as_py():
            issues.append(Issue("import-control-character", mask, values, {"target": target}))
    return issues

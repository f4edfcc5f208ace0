"""The record validator's ``control-character`` rule on free-text columns."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from coded_events.findings import Finding
from coded_events.flat.rule_base import Columns, Hit, Rule, cell, template, text
from coded_events.records.checks import consistency
from coded_events.spec.vocabulary import CONTROL_CHARACTERS_PATTERN

_CONTROL_PATTERN = CONTROL_CHARACTERS_PATTERN  # RE2 reads it as Python's re does


def may_hold_control(values: pa.Array) -> bool:
    """Whether any byte of a string array's data is a control character (one pass over the
    bytes with numpy: most columns hold none, and then no regex runs)."""
    data = values.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, np.uint8)
    low = raw[raw < 0x20]
    return bool(np.any((low != 0x09) & (low != 0x0A) & (low != 0x0D)))


def control_rule(column: str) -> Rule:
    """The record validator's ``control-character`` on a free-text column."""

    def run(cols: Columns) -> Iterator[Hit]:
        values = cols[column]
        if pa.types.is_dictionary(values.type):  # each distinct value once
            hits = pc.match_substring_regex(values.dictionary, _CONTROL_PATTERN)
            mask = pc.fill_null(hits, False).take(values.indices)
        else:
            if not may_hold_control(values):
                return
            mask = pc.match_substring_regex(values, _CONTROL_PATTERN)
        shown = text(values)

        def describe(row: int) -> Finding:
            value = cell(shown, row)
            hit = consistency.CONTROL.search(value)
            char = f"U+{ord(hit.group()):04X}" if hit else "?"
            return template("control-character", value, char=char, at=hit.start() if hit else "?")

        yield Hit("control-character", column, mask, describe)

    return Rule(f"control:{column}", (column,), run)

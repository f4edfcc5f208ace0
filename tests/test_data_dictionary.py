"""The data dictionary's snippets for reading the CSV files (pandas, polars, DuckDB) run
as printed and give the same values as the Parquet files: codes stay strings, lists are
parsed from JSON, the spreadsheet guard is undone."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT

PAGE = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
SECTION = re.search(r"^## Reading the CSV files\n(.*?)(?=^## )", PAGE, flags=re.S | re.M)
BLOCKS = re.findall(r"```python\n(.*?)```", SECTION.group(1) if SECTION else "", flags=re.S)
READERS = ["pandas", "polars", "duckdb"]


def _snippet(reader: str) -> str:
    found = [b for b in BLOCKS if re.search(rf"^import {reader}\b", b, flags=re.M)]
    assert len(found) == 1, f"docs/data-dictionary.md: one {reader} snippet expected"
    return found[0]


def _plain(value: Any) -> Any:
    """A reader's cell as a Python value (NA/NaT/NaN -> None, timestamps -> dates)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        value = value.item()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _rows(result: Any) -> list[dict[str, Any]]:
    if hasattr(result, "fetchall"):  # a DuckDB relation
        return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]
    if hasattr(result, "to_dicts"):  # polars
        return result.to_dicts()
    return result.to_dict("records")  # pandas


def _run(code: str, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/data-dictionary.md", "exec"), namespace)
    return [{k: _plain(v) for k, v in row.items()} for row in _rows(namespace["events"])]


def _differences(rows: list[dict[str, Any]]) -> list[str]:
    expected = pq.read_table(ROOT / "datasets/south-caucasus/data/events.parquet").to_pylist()
    out = [] if len(rows) == len(expected) else [f"{len(rows)} rows, not {len(expected)}"]
    for got, want in zip(rows, expected, strict=False):
        if list(got) != list(want):
            out.append(f"columns {list(got)}")
        out += [
            f"{want['event_id']}.{column}: {got.get(column)!r} != {value!r}"
            for column, value in want.items()
            if got.get(column) != value
        ]
    return out


def test_the_page_has_one_snippet_per_reader() -> None:
    assert SECTION, "docs/data-dictionary.md has no '## Reading the CSV files' section"
    assert sorted(_snippet(r) and r for r in READERS) == sorted(READERS)
    assert len(BLOCKS) == len(READERS)


@pytest.mark.parametrize("reader", READERS)
def test_snippet_reads_the_csv_as_the_parquet_holds_it(
    reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _run(_snippet(reader), monkeypatch)
    assert _differences(rows) == []
    assert any(r["cameo_code"].startswith("0") for r in rows)  # leading zeros kept
    assert any((r["date_note"] or "").startswith("'") for r in rows)  # a value's own '


def test_the_comparison_sees_a_reader_that_guesses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the explicit types, or without undoing the spreadsheet guard, the values
    differ: the comparison above can fail."""
    guessed = "import pandas as pd\nevents = pd.read_csv('datasets/south-caucasus/data/events.csv')"
    assert any("cameo_code" in d for d in _differences(_run(guessed, monkeypatch)))
    unguarded = re.sub(r"^events = events.apply\(.*\n", "", _snippet("pandas"), flags=re.M)
    assert unguarded != _snippet("pandas")
    assert any(".date_note" in d for d in _differences(_run(unguarded, monkeypatch)))

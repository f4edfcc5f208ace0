"""The scripts in examples/ run as a user runs them, from another folder, and print what
the data says (checked here against the Parquet files read independently)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
DATA = ROOT / "datasets" / "south-caucasus" / "data"
ROW = re.compile(r"^(\d{4}-\d{2})\s+([1-4]) [a-z ]+?\s+(\d+)$")


@pytest.fixture(scope="module")
def quadclass_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "quadclass_by_month.py")],
        cwd=tmp_path_factory.mktemp("elsewhere"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_every_example_is_tested() -> None:
    tested = {"quadclass_by_month.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_counts_by_quad_class_and_month(quadclass_output: str) -> None:
    events = pq.read_table(DATA / "events.parquet").to_pylist()
    expected = Counter((e["date_start"].strftime("%Y-%m"), e["quad_class"]) for e in events)
    shown = {
        (m.group(1), int(m.group(2))): int(m.group(3))
        for line in quadclass_output.splitlines()
        if (m := ROW.match(line))
    }
    assert shown == dict(expected)
    assert list(shown) == sorted(shown), "rows in time order"
    assert f"{len(events)} events" in quadclass_output


def test_quotes_joined_to_material_conflict_events(quadclass_output: str) -> None:
    events = {e["event_id"]: e for e in pq.read_table(DATA / "events.parquet").to_pylist()}
    evidence = pq.read_table(DATA / "evidence.parquet").to_pylist()
    expected = [
        (events[q["event_id"]]["date_start_text"], events[q["event_id"]]["cameo_code"])
        for q in evidence
        if events[q["event_id"]]["quad_class"] == 4 and q["evidence_index"] == 0
    ]
    quotes = [" ".join(q["quote"].split()) for q in evidence]
    tail = quadclass_output.split("(QuadClass 4):\n", 1)[1].splitlines()
    assert len(tail) == len(expected) > 0
    shown = []
    for line in tail:
        date, code, quote = line.split(maxsplit=2)
        shown.append((date, code))
        assert any(q.startswith(quote.removesuffix("…")) for q in quotes), quote
    assert sorted(shown) == sorted(expected)

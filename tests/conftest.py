"""Shared test fixtures and paths."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# The real producer samples (GDELT, ICEWS, Phoenix, ACLED, UCDP, PLOVER) with their origin
# and licence in SOURCES.md: beside the project, never in it. CODED_EVENTS_SAMPLES points
# elsewhere; tests that read them skip with a reason when the folder is absent.
SAMPLES = Path(os.environ.get("CODED_EVENTS_SAMPLES") or ROOT.parent / "shared" / "samples")


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def hand_coded_copy(tmp_path: Path) -> Path:
    """A copy of south-caucasus's hand-coded part (records, sources, metadata)."""
    source = ROOT / "datasets" / "south-caucasus"
    root = tmp_path / "south-caucasus"
    for part in ("records", "sources"):
        shutil.copytree(source / part, root / part)
    for name in ("dataset.json", "retired_ids.txt"):
        shutil.copy(source / name, root / name)
    return root

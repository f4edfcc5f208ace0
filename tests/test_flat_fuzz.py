"""The flat-table validator on damaged copies of the published tables (Hypothesis):
whatever the bytes of a CSV or Parquet file, it gives findings, never an exception, and
each finding names the file. The damage is what real files suffer: bytes inserted or cut,
lines repeated, joined or cut off, cells replaced by odd text."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coded_events.flat import validate_flat
from tests.conftest import ROOT
from tests.test_import_fuzz import damaged, fuzz_settings

DATA = ROOT / "datasets" / "south-caucasus" / "data"
TABLES = ("events", "evidence", "sources", "links", "provenance")


@pytest.mark.parametrize("name", [f"{t}.csv" for t in TABLES] + ["events.parquet"])
def test_a_damaged_table_gives_findings_never_an_exception(name: str) -> None:
    original = (DATA / name).read_bytes()
    shape = damaged(original) if name.endswith(".csv") else st.binary(max_size=64).flatmap(
        lambda cut: st.integers(0, len(original)).map(
            lambda at: original[:at] + cut + original[at + len(cut) :]
        )
    )  # fmt: skip

    @fuzz_settings(15)
    @given(data=shape)
    def check(data: bytes) -> None:
        folder = Path(tempfile.mkdtemp(prefix="flat-fuzz-"))
        try:
            for table in TABLES:  # the other tables as published, this one damaged
                shutil.copy(DATA / f"{table}.csv", folder / f"{table}.csv")
            target = folder / name
            if name.endswith(".parquet"):
                (folder / "events.csv").unlink()
            target.write_bytes(data)
            report = validate_flat([folder])
            assert all(f.file for f in report.findings)
        finally:
            shutil.rmtree(folder)

    check()

"""An engine whose extra is not installed is a usage error naming the extra, never a
traceback (a plain `pip install coded-events` has no Dask)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.extras import ExtraMissing, require
from coded_events.flat import validate_flat
from tests.conftest import FIXTURES, ROOT

EXPORT = FIXTURES / "compare" / "synthetic.export.CSV"
DATA = ROOT / "datasets" / "south-caucasus" / "data"


def test_require_names_the_extra() -> None:
    with pytest.raises(ExtraMissing, match=r"pip install 'coded-events\[dask\]'"):
        require("dask", "json", "coded_events_no_such_module")
    require("dask", "json")  # present: nothing happens


@pytest.fixture
def without_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a plain install: importing dask fails."""
    for name in ("dask", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.usefixtures("without_dask")
def test_engines_without_the_extra(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    imported = runner.invoke(app, ["import", "--engine", "dask", "gdelt2", str(EXPORT),
                                   "--out", str(out)])  # fmt: skip
    assert imported.exit_code == 2, imported.output
    assert "coded-events[dask]" in imported.output and not out.exists()
    checked = runner.invoke(app, ["validate", "--engine", "dask", str(DATA)])
    assert checked.exit_code == 2 and "coded-events[dask]" in checked.output
    with pytest.raises(ExtraMissing):
        validate_flat([DATA], engine="dask")

"""``coded-events info`` on a dataset folder given by path (agreement of second codings),
and the advice ``load`` gives for a bare name that is a folder here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import coded_events
from coded_events.access.loader import UnknownDatasetError
from coded_events.cli import app
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
RECORD = "myind-2024-04-17-russia-peacekeepers-withdrawal.json"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the dataset folder (records, sources, release files) with a second coding."""
    root = tmp_path / "south-caucasus"
    shutil.copytree(DATASET, root)
    second = root / "codings" / "bob" / "records"
    second.mkdir(parents=True)
    shutil.copy(DATASET / "records" / RECORD, second / RECORD)
    return root


def test_info_on_a_dataset_folder_shows_its_agreement(checkout: Path) -> None:
    result = CliRunner().invoke(app, ["info", str(checkout)])
    assert result.exit_code == 0, result.output
    assert f"folder: {checkout}" in result.output
    assert "events     24" in result.output
    assert "agreement (second coding vs records/" in result.output
    assert "  bob: " in result.output
    # the manifest works as well as the folder
    again = CliRunner().invoke(app, ["info", str(checkout / "datapackage.json")])
    assert again.exit_code == 0 and "  bob: " in again.output


def test_info_refuses_a_version_with_a_folder(checkout: Path) -> None:
    result = CliRunner().invoke(app, ["info", str(checkout), "--version", "1.0.0"])
    assert result.exit_code == 2
    assert "folder" in result.output and "Traceback" not in result.output


def test_info_on_a_folder_without_a_manifest(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["info", str(tmp_path)])
    assert result.exit_code == 1
    assert "no datapackage.json there" in result.output


def test_a_bare_name_that_is_a_folder_here_gets_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "g2").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnknownDatasetError, match=r"'\./g2'.*Path\('g2'\)"):
        coded_events.load("g2")
    with pytest.raises(UnknownDatasetError) as plain:
        coded_events.load("no-such-thing")
    assert "./" not in str(plain.value)

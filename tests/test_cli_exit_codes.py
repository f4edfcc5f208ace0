"""Every command of ``coded-events --help`` that reads an input path: a missing one is a
usage error (exit 2) with a one-line message naming it, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coded_events.cli import app
from tests.conftest import ROOT

DATASET = ROOT / "datasets" / "south-caucasus"
SOURCE = ["--title", "T", "--publisher", "P", "--published", "2024-01-01"]


def _cases(missing: Path, out: Path) -> dict[str, list[str]]:
    m, text = str(missing), str(missing / "a.txt")
    return {
        "validate": ["validate", m],
        "build": ["build", m],
        "info": ["info", m],
        "import": ["import", "gdelt2", str(missing / "x.CSV"), "--out", str(out)],
        "explore": ["explore", m, "--out", str(out)],
        "migrate": ["migrate", m],
        "new dataset": ["new", m, "--source-id", "x-2024-01-01-a", "--text", text, *SOURCE],
        "new text": ["new", str(DATASET), "--source-id", "x-2024-01-01-a", "--text", text, *SOURCE],
        "new coding": ["new", m, "--coding", "bob", "--source-id", "x"],
        "fix": ["fix", m],
        "agree": ["agree", m, str(DATASET)],
        "compare reference": ["compare", m, "south-caucasus"],
        "compare candidate": ["compare", "south-caucasus", m],
        "schema diff": ["schema", "diff", str(missing / "old.json"), "1.0.0"],
    }


CASES = list(_cases(Path("m"), Path("o")))


@pytest.mark.parametrize("case", CASES)
def test_a_missing_input_path_is_a_usage_error(case: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    args = _cases(missing, tmp_path / "out")[case]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "nowhere" in result.output
    assert "Traceback" not in result.output
    assert not missing.exists() and not (tmp_path / "out").exists()


def test_new_refuses_text_with_coding(tmp_path: Path) -> None:
    dataset = tmp_path / "south-caucasus"
    shutil.copytree(DATASET / "records", dataset / "records")
    article = tmp_path / "a.txt"
    article.write_bytes(b"Some text.")
    record = "myind-2024-04-17-russia-peacekeepers-withdrawal"
    args = ["new", str(dataset), "--coding", "bob", "--source-id", record, "--text", str(article)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--text" in result.output and "--coding" in result.output
    assert "exists" not in result.output
    assert not (dataset / "codings").exists()


@pytest.mark.parametrize("left_out", ["--text", "--title", "--publisher", "--published"])
def test_new_without_a_needed_option_is_a_usage_error(tmp_path: Path, left_out: str) -> None:
    """Its help says so: a missing option is a usage error (2), not a refusal (1)."""
    dataset = tmp_path / "dataset"
    shutil.copytree(DATASET / "records", dataset / "records")
    article = tmp_path / "a.txt"
    article.write_bytes(b"Some text.")
    given = ["--text", str(article), *SOURCE]
    at = given.index(left_out)
    args = ["new", str(dataset), "--source-id", "x-2024-01-01-a", *given[:at], *given[at + 2 :]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"missing {left_out}" in result.output
    assert not (dataset / "records" / "x-2024-01-01-a.json").exists()


@pytest.mark.parametrize("command", ["validate", "import"])
def test_scheduler_without_the_dask_engine_is_a_usage_error(command: str, tmp_path: Path) -> None:
    """It was ignored without a word (and the local engine ran)."""
    data = str(DATASET / "data")
    args = {
        "validate": ["validate", "--scheduler", "tcp://127.0.0.1:1", data],
        "import": ["import", "gdelt2", str(ROOT / "tests" / "fixtures" / "importers" /
                   "gdelt2__ids.tsv"), "--out", str(tmp_path / "out"), "--scheduler",
                   "tcp://127.0.0.1:1"],
    }[command]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--scheduler is used with --engine dask only" in result.output
    assert not (tmp_path / "out").exists()

"""The ``validate`` and ``checks`` commands: exit codes, output formats, generated docs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from coded_events.cli import app
from coded_events.cli.validate_cmd import escape_data, escape_property, github_line
from coded_events.findings import Finding
from coded_events.records.checks import CATALOGUE, DOCS_COMMAND, markdown
from tests.conftest import FIXTURES

runner = CliRunner()
VALID = str(FIXTURES / "valid" / "minimal.json")
BROKEN = str(FIXTURES / "invalid" / "out-of-range__latitude-91.json")
WARNING_ONLY = str(FIXTURES / "invalid" / "model-valid" / "deprecated-event-code__1213.json")


def test_exit_codes() -> None:
    assert runner.invoke(app, ["validate", VALID]).exit_code == 0
    assert runner.invoke(app, ["validate", BROKEN]).exit_code == 1
    assert runner.invoke(app, ["validate", "does/not/exist.json"]).exit_code == 2
    assert runner.invoke(app, ["validate"]).exit_code == 2
    assert runner.invoke(app, ["validate", "--format", "xml", VALID]).exit_code == 2


def test_warnings_fail_only_when_strict() -> None:
    assert runner.invoke(app, ["validate", WARNING_ONLY]).exit_code == 0
    assert runner.invoke(app, ["validate", "--strict", WARNING_ONLY]).exit_code == 1


def test_text_output() -> None:
    result = runner.invoke(app, ["validate", VALID, BROKEN])
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{BROKEN}:28:9: error out-of-range: ")
    assert lines[1].startswith("    hint: ")
    assert "2 file(s) checked: 1 error(s), 0 warning(s)" in result.stdout
    assert lines[-1].split() == ["1", "error", "out-of-range"]


def test_json_output() -> None:
    result = runner.invoke(app, ["validate", "--format", "json", BROKEN])
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "out-of-range"
    assert (finding["line"], finding["column"]) == (28, 9)
    assert finding["pointer"] == "/events/0/location/latitude"
    assert finding["field"] == "/events/location/latitude"
    assert set(finding) == {
        "code", "severity", "message", "hint", "file", "line", "column", "pointer", "field", "value"
    }  # fmt: skip


def test_github_output() -> None:
    result = runner.invoke(app, ["validate", "--format", "github", BROKEN, WARNING_ONLY])
    error, warning = sorted(result.stdout.splitlines())
    assert error.startswith(f"::error file={BROKEN},line=28,col=9,title=out-of-range::")
    assert warning.startswith("::warning file=")


def test_github_escaping_follows_the_workflow_command_syntax() -> None:
    """Data escapes % CR LF; properties also escape ':' and ','."""
    assert escape_data("50%\r\nnext: a, b") == "50%25%0D%0Anext: a, b"
    assert escape_property("C:\\a,b%\n") == "C%3A\\a%2Cb%25%0A"
    finding = Finding(
        code="quote-mismatch",
        severity="error",
        message="reads 'a,b: 100%'\nnext line",
        hint="",
        file="records/odd, name: x.json",
        line=3,
        column=7,
    )
    assert github_line(finding) == (
        "::error file=records/odd%2C name%3A x.json,line=3,col=7,title=quote-mismatch"
        "::reads 'a,b: 100%25'%0Anext line"
    )


def test_checks_command_lists_every_code() -> None:
    result = runner.invoke(app, ["checks"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == list(CATALOGUE)


def test_docs_checks_md_is_current(root: Path) -> None:
    committed = (root / "docs" / "checks.md").read_text(encoding="utf-8")
    assert committed == markdown(), f"docs/checks.md is stale: run `{DOCS_COMMAND}`"
    assert runner.invoke(app, ["checks", "--markdown"]).stdout == markdown()


def test_unreachable_dask_scheduler_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    """No traceback and not exit 1 (which means: the data has errors)."""
    import os
    import shutil
    import subprocess
    import sys

    import pytest

    pytest.importorskip("distributed")
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "datasets/south-caucasus/data", data)
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    command = [sys.executable, "-m", "coded_events", "validate", "--engine", "dask",
               "--scheduler", "tcp://127.0.0.1:1", str(data)]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "tcp://127.0.0.1:1" in run.stderr
    assert "Traceback" not in run.stderr

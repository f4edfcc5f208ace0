"""The README's first screen gives exactly two commands, and CI runs what users run:
both README commands verbatim, and the `run:` steps of the contributors' workflow."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import workflow_steps

README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:24])
BLOCKS = re.findall(r"```sh\n(.*?)\n```", FIRST_SCREEN, flags=re.S)
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
VALIDATE_WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"


def _section(title: str) -> str:
    match = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", README, flags=re.S | re.M)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def test_first_screen_has_exactly_two_commands() -> None:
    assert len(BLOCKS) == 2
    assert all("\n" not in block for block in BLOCKS)


def test_main_job_command_sets_up_validates_and_builds() -> None:
    main_job = BLOCKS[0]
    assert main_job.startswith("python3 -m venv .venv && .venv/bin/pip install -e . &&")
    assert "coded-events validate datasets/south-caucasus" in main_job
    assert "coded-events build datasets/south-caucasus" in main_job


def test_ci_runs_both_readme_commands_verbatim() -> None:
    """Each README command is a line of .ci/run of its own, the main job first (in a venv
    without extras: nothing installs one before it), the test command with the test extra."""
    lines = CI.splitlines()
    main_job, tests = BLOCKS
    assert main_job in lines and tests in lines
    assert "pytest" in tests and '".[test]"' in tests
    assert lines.index(main_job) < lines.index(tests)
    before_main_job = "\n".join(lines[: lines.index(main_job)])
    assert "pip install" not in before_main_job
    assert "rm -rf .venv" in before_main_job  # a fresh venv, not a leftover test venv


def test_ci_checks_the_checkout_and_the_wheel() -> None:
    assert "git status --porcelain" in CI
    assert "pip wheel" in CI
    assert 'coded_events.download("south-caucasus", version=os.environ["BUNDLED"])' in CI
    assert "CODED_EVENTS_OFFLINE=1" in CI
    assert "scripts/workflow_steps.py .github/workflows/validate.yml validate" in CI


def test_ci_script_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], check=True)


def test_licence_section_matches_the_licence_files() -> None:
    licence = _section("Licence")
    assert "Code: MIT." in licence
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"
    for meta in sorted((ROOT / "datasets").glob("*/dataset.json")):
        names = [lic["name"] for lic in json.loads(meta.read_text("utf-8"))["licenses"]]
        assert names == ["CC-BY-4.0"], meta
    assert "Coded data: CC BY 4.0." in licence


# ----------------------------------------------------------------- workflow steps


def test_workflow_steps_are_the_yaml_run_steps() -> None:
    """The script CI runs holds every `run:` step of the validate job, verbatim, in order,
    and not the `if: failure()` one."""
    workflow = yaml.safe_load(VALIDATE_WORKFLOW.read_text("utf-8"))
    job = workflow["jobs"]["validate"]
    expected = [s["run"] for s in job["steps"] if "run" in s and s.get("if") != "failure()"]
    assert expected, "the validate job has no run: step"
    steps = workflow_steps.run_steps(workflow, "validate")
    assert [script for _name, _shell, script, _env in steps] == expected
    assert any("pip install" in s for s in expected)
    assert any("coded-events validate" in s for s in expected)


def _run_workflow(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    workflow = tmp_path / "wf.yml"
    workflow.write_text(text, encoding="utf-8")
    script = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "workflow_steps.py"), str(workflow), "j"],
        capture_output=True,
        text=True,
    )
    if script.returncode:
        return script
    return subprocess.run(
        ["bash", "-c", script.stdout], capture_output=True, text=True, cwd=tmp_path
    )


def test_workflow_steps_run_in_order_and_stop_at_the_first_failure(tmp_path: Path) -> None:
    done = _run_workflow(
        tmp_path,
        """
jobs:
  j:
    env: {WHO: job}
    steps:
      - uses: actions/checkout@v4
      - name: "one (no shell named: bash -e, no pipefail)"
        run: |
          echo "one $WHO" >> log
          false | true
      - name: two
        env: {WHO: step}
        run: echo "two $WHO" >> log
      - name: "three (shell bash: pipefail)"
        shell: bash
        run: |
          false | true
          echo three >> log
      - name: four
        run: echo four >> log
      - name: summary
        if: failure()
        run: echo summary >> log
""",
    )
    assert done.returncode != 0 and "step: three" in done.stdout, done.stderr
    assert (tmp_path / "log").read_text() == "one job\ntwo step\n"


@pytest.mark.parametrize(
    "step",
    [
        "run: echo ${{ inputs.x }}",
        "run: echo hi\n        shell: pwsh",
        "run: echo hi\n        shell: sh",
        "run: echo hi\n        if: github.event_name == 'push'",
        "run: echo hi\n        working-directory: sub",
    ],
)
def test_workflow_steps_refuse_what_only_actions_can_run(tmp_path: Path, step: str) -> None:
    done = _run_workflow(tmp_path, f"jobs:\n  j:\n    steps:\n      - {step}\n")
    assert done.returncode == 2
    assert "wf.yml" in done.stderr and "step 1" in done.stderr


def test_contributing_points_editors_at_the_current_schema() -> None:
    """CONTRIBUTING's record example and editor settings name the schema version that
    ``coded-events new`` writes (the one owner: ``spec.versions.SCHEMA_VERSION``)."""
    from coded_events.spec.versions import SCHEMA_VERSION

    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    named = set(re.findall(r"schema/(\d+\.\d+\.\d+)/source-document", text))
    named |= set(re.findall(r'"schema_version": "(\d+\.\d+\.\d+)"', text))
    assert named == {SCHEMA_VERSION}

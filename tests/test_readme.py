"""The README's first screen gives exactly two commands, and CI runs the test command."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:24])
BLOCKS = re.findall(r"```sh\n(.*?)\n```", FIRST_SCREEN, flags=re.S)


def test_first_screen_has_exactly_two_commands() -> None:
    assert len(BLOCKS) == 2
    assert all("\n" not in block for block in BLOCKS)


def test_main_job_command_sets_up_validates_and_builds() -> None:
    main_job = BLOCKS[0]
    assert main_job.startswith("python3 -m venv .venv")
    assert "coded-events validate datasets/south-caucasus" in main_job
    assert "coded-events build datasets/south-caucasus" in main_job


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert BLOCKS[1] in ci.splitlines()
    assert "pytest" in BLOCKS[1]


def test_license_files_match_the_readme() -> None:
    assert "MIT" in (ROOT / "LICENSE").read_text(encoding="utf-8")

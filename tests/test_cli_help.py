"""The help of `coded-events` and of every subcommand reads well, checked on the real
output of the installed command: no type labels such as `<bool>`, real metavars, the
commands in the order a user meets them, summaries whole, one meaning per short flag, and
every command documented in the README or a page it links."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from coded_events import cli
from tests.conftest import ROOT

# The order of the issue that asked for it: what a contributor, a maintainer, an analyst
# and a schema maintainer meet, in that order.
USER_ORDER = [
    "validate",
    "checks",
    "build",
    "data-dictionary",
    "codebook",
    "datasets",
    "info",
    "download",
    "import",
    "importers",
    "explore",
    "schema",
    "migrate",
    "new",
    "new-dataset",
    "fix",
    "agree",
    "compare",
]
WIDTH = {"COLUMNS": "80", "NO_COLOR": "1"}
METAVAR = re.compile(r"^\[?[A-Z][A-Z_]*(\.\.\.)?\]?$")


def _tree() -> dict[tuple[str, ...], Any]:
    """Every command path (the root is ``()``) -> its click command."""
    root = typer.main.get_command(cli.app)
    out: dict[tuple[str, ...], Any] = {}

    def walk(path: tuple[str, ...], command: Any) -> None:
        out[path] = command
        for name, sub in getattr(command, "commands", {}).items():
            walk((*path, name), sub)

    walk((), root)
    return out


TREE = _tree()


def _help(path: tuple[str, ...]) -> str:
    """The help as the ``coded-events`` entry point prints it (a real process)."""
    done = subprocess.run(
        [sys.executable, "-m", "coded_events", *path, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, **WIDTH},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def helps() -> dict[tuple[str, ...], str]:
    """Every command's help: the root's and one subcommand's from the entry point (which
    loads only the modules it needs), the others in process with the same application."""
    runner = CliRunner()
    out = {}
    for path in TREE:
        done = runner.invoke(cli.app, [*path, "--help"], prog_name="coded-events", env=WIDTH)
        assert done.exit_code == 0, done.output
        out[path] = done.output
    for path in [(), ("validate",)]:  # the same text, wrapped to the terminal it finds
        real = _help(path).replace("python -m coded_events", "coded-events", 1)
        assert real.split() == out[path].split()
    return out


def _section(text: str, title: str) -> list[tuple[str, str]]:
    """(first column, whole second column) of a help section such as ``Commands:``."""
    match = re.search(rf"^{title}:\n((?:  .*\n?)+)", text, flags=re.M)
    rows: list[tuple[str, str]] = []
    for line in (match.group(1) if match else "").splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.strip():
            name, _, rest = line.strip().partition("  ")
            rows.append((name, rest.strip()))
        elif rows:
            rows[-1] = (rows[-1][0], f"{rows[-1][1]} {line.strip()}".strip())
    return rows


def test_every_command_is_in_the_user_order() -> None:
    assert list(cli.COMMANDS) == USER_ORDER
    assert set(TREE[()].commands) == set(USER_ORDER)


def test_root_help_lists_commands_in_the_order_users_meet_them(
    helps: dict[tuple[str, ...], str],
) -> None:
    assert [name for name, _ in _section(helps[()], "Commands")] == USER_ORDER


def test_no_type_labels_and_no_boxes(helps: dict[tuple[str, ...], str]) -> None:
    for path, text in helps.items():
        where = " ".join(("coded-events", *path))
        assert not re.search(r"<(bool|str|int|path|list|text|float)\b", text, re.I), where
        assert not re.search(r"\{[a-z_]+\}", text.split("\n", 1)[0]), f"{where}: usage"
        assert "╭" not in text and "│" not in text, where


def test_values_have_real_metavars(helps: dict[tuple[str, ...], str]) -> None:
    """Every argument and every option that takes a value shows an upper-case metavar
    (``PATH...``, ``VERSION``), in the usage line and in its row."""
    for path, command in TREE.items():
        text = helps[path]
        usage = text.split("\n\n", 1)[0]
        for param in command.params:
            if param.param_type_name == "argument":
                assert param.metavar and METAVAR.match(param.metavar), (path, param.name)
                label = param.metavar + ("..." if param.nargs != 1 else "")
                assert label in usage, (path, label, usage)
                assert any(n.strip("[]") == label for n, _ in _section(text, "Arguments"))
            elif not param.is_flag and not param.count and param.name != "help":
                assert param.metavar and METAVAR.match(param.metavar), (path, param.name)
                long = next(o for o in param.opts if o.startswith("--"))
                assert f"{long} {param.metavar}" in text, (path, param.name)


def test_summaries_are_whole_sentences(helps: dict[tuple[str, ...], str]) -> None:
    """Each command's summary in its group's list is the first paragraph of its own help,
    whole: no "..." where the text was cut, and it ends a sentence."""
    for path, text in helps.items():
        for name, summary in _section(text, "Commands"):
            own = TREE[(*path, name)].help
            first = " ".join(own.split("\n\n")[0].split())
            assert summary == first, (path, name, summary)
            assert summary.endswith(".") and not summary.endswith("..."), (path, name)


def test_every_command_has_help(helps: dict[tuple[str, ...], str]) -> None:
    for path, command in TREE.items():
        assert command.help, path
        for param in command.params:
            if param.name != "help":
                assert getattr(param, "help", None), (path, param.name)


def test_a_short_flag_means_one_thing() -> None:
    """`-v` (or any short flag) never means two things across commands; none of ours
    reuses a short flag that other tools give a different meaning (`-v` verbose, `-h`)."""
    meanings: dict[str, set[str]] = {}
    for command in TREE.values():
        for param in command.params:
            opts = getattr(param, "opts", [])
            long = next((o for o in opts if o.startswith("--")), None)
            for short in (o for o in opts if re.fullmatch(r"-[A-Za-z]", o)):
                meanings.setdefault(short, set()).add(long or short)
    assert all(len(longs) == 1 for longs in meanings.values()), meanings
    assert "-v" not in meanings and "-h" not in meanings, meanings


def test_every_command_is_documented() -> None:
    """Each command (and each subcommand) appears as ``coded-events NAME`` in the README or
    in a page the README links."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"`((?:docs/[\w.-]+|CONTRIBUTING)\.md)`", readme)
    pages = [readme, *((ROOT / page).read_text(encoding="utf-8") for page in set(linked))]
    text = "\n".join(pages)
    for path in TREE:
        if path:
            assert f"coded-events {' '.join(path)}" in text, f"coded-events {' '.join(path)}"

"""The ``coded-events`` command line: one module per command group, imported on demand.

``main()`` imports only the module of the command being run, so that
``coded-events validate`` does not pay for the loader's or the build's imports.
``coded_events.cli.app`` (for tests and embedding) has every command registered.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from coded_events.cli import base

# command name -> the module (in this package) that registers it. The order is the --help
# order (base.OrderedGroup): the order in which a user meets the commands. Contributors
# validate, maintainers build, anyone looks up codes, analysts find and fetch releases,
# and the schema and migration commands come last.
COMMANDS: dict[str, str] = {
    "validate": "validate_cmd",
    "checks": "validate_cmd",
    "build": "build_cmd",
    "data-dictionary": "build_cmd",
    "codebook": "codebook_cmd",
    "datasets": "data_cmd",
    "info": "data_cmd",
    "download": "data_cmd",
    "import": "import_cmd",
    "importers": "import_cmd",
    "explore": "explore_cmd",
    "schema": "schema_cmd",
    "migrate": "migrate_cmd",
    "new": "coding_cmd",
    "new-dataset": "coding_cmd",
    "fix": "coding_cmd",
    "agree": "coding_cmd",
    "compare": "compare_cmd",
}


def load_commands(names: list[str] | None = None) -> None:
    """Register the named commands (all when ``names`` is None) on the application."""
    wanted = COMMANDS if names is None else {n: COMMANDS[n] for n in names}
    for module in dict.fromkeys(wanted.values()):
        importlib.import_module(f"coded_events.cli.{module}")


def __getattr__(name: str) -> Any:
    if name == "app":
        load_commands()
        return base.app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``coded-events`` script."""
    command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    load_commands([command] if command in COMMANDS else None)
    base.app()

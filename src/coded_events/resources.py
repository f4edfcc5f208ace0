"""Where the package finds its published files: in the wheel, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_bundled"
_CHECKOUT = _PACKAGE.parents[1]


def _first_existing(name: str) -> Path:
    bundled = _BUNDLED / name
    if bundled.is_dir():
        return bundled
    return _CHECKOUT / name


def schema_dir() -> Path:
    """The folder of published schema versions (``schema/<version>/``)."""
    return _first_existing("schema")


def datasets_dir() -> Path:
    """The folder of bundled datasets (``datasets/<name>/``)."""
    return _first_existing("datasets")


def repo_root() -> Path | None:
    """The source checkout this package runs from, or None when installed from a wheel."""
    return _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else None

"""Optional dependencies: import them, or say which extra of ``pip install`` brings them.

The Dask engines (``validate --engine dask``, ``import --engine dask``) need the ``dask``
extra; a plain install does not bring it, and asking for the engine without it is an
``ExtraMissing`` error (an ``ImportError``) that names the command to run.
"""

from __future__ import annotations

import importlib

__all__ = ["ExtraMissing", "require"]


class ExtraMissing(ImportError):
    """A feature needs a package that only an extra of the install brings."""


def require(extra: str, *modules: str) -> None:
    """Import ``modules``; if one is missing, raise ExtraMissing naming ``extra``."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as error:
            raise ExtraMissing(
                f"{name} is not installed; this needs pip install 'coded-events[{extra}]'"
            ) from error

"""Deprecated path of the schema's vocabulary, now :mod:`coded_events.spec.vocabulary`, and
of ``PUBLISHED_TABLES`` (now ``coded_events.spec.tables.TABLE_NAMES``). It keeps working,
with a ``DeprecationWarning``, until the next minor version of the package.
"""

from __future__ import annotations

import warnings
from typing import Any

from coded_events.spec.vocabulary import (  # noqa: F401 (re-exported)
    DATE_PATTERN,
    EVENT_ID_PATTERN,
    LANGUAGE_PATTERN,
    LINK_TYPE_DOCS,
    SHA256_PATTERN,
    SOURCE_ID_PATTERN,
    Certainty,
    GeoPrecision,
    LinkType,
    Precision,
    Qualifier,
    Status,
    first_day,
    last_day,
    precision_of,
)

warnings.warn(
    "coded_events.vocabulary is deprecated and goes in the next minor version: import from "
    "coded_events.spec.vocabulary (PUBLISHED_TABLES: coded_events.spec.tables.TABLE_NAMES)",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    """``PUBLISHED_TABLES``: the published tables in manifest order, asked of the table spec
    (``coded_events.spec.tables.TABLE_NAMES``, which loads pyarrow, hence only on use)."""
    if name == "PUBLISHED_TABLES":
        from coded_events.spec.tables import TABLE_NAMES

        return TABLE_NAMES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

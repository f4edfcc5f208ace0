"""The schema's vocabulary, now :mod:`coded_events.spec.vocabulary` (this path keeps
working), and ``PUBLISHED_TABLES``, the published tables in manifest order, which the table
spec (:mod:`coded_events.spec.tables`) owns.
"""

from __future__ import annotations

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


def __getattr__(name: str) -> Any:
    """``PUBLISHED_TABLES``: the published tables in manifest order, asked of the table spec
    (``coded_events.spec.tables.TABLE_NAMES``, which loads pyarrow, hence only on use)."""
    if name == "PUBLISHED_TABLES":
        from coded_events.spec.tables import TABLE_NAMES

        return TABLE_NAMES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Table layer: the checks that only flat tables (CSV, Parquet) can fail.

Declared in :mod:`coded_events.spec.catalogue.table` (re-exported here). Everything else
the flat validator reports uses the record validator's codes (a bad event code in a column
is ``unknown-event-code`` as it is in a record file).
"""

from __future__ import annotations

from coded_events.spec.catalogue.table import CHECKS

__all__ = ["CHECKS"]

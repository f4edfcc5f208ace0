"""``coded-events compare``: hold a (machine-coded) candidate against a hand-coded reference.

>>> from coded_events.compare import compare, report
>>> result = report(compare("south-caucasus", "path/to/gdelt-import"))  # doctest: +SKIP
>>> result["recall"]["root"]["recall"]  # doctest: +SKIP

Both sides are datasets in the published layout (a dataset folder, its ``data/`` folder,
a ``datapackage.json`` or a registered name). The rules: scope in
:mod:`~coded_events.compare.scope`, actor countries in :mod:`~coded_events.compare.actors`,
candidate pairs and scores in :mod:`~coded_events.compare.rules`, the one-to-one matching
(shared with ``coded-events agree``), duplicates and statements in
:mod:`~coded_events.compare.run`; docs/compare.md explains them with a worked example.
"""

from __future__ import annotations

from coded_events.compare.html import write_report
from coded_events.compare.report import report, text_report
from coded_events.compare.rows import CompareError
from coded_events.compare.run import Comparison, compare

__all__ = ["CompareError", "Comparison", "compare", "report", "text_report", "write_report"]

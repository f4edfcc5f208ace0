"""The record validator's check layers, one module per layer (inputs, syntax, structure,
codebook, consistency, evidence, dataset), each with the function that applies it.

The checks themselves (codes, severities, messages, the inputs they apply to) are
declared in :mod:`coded_events.spec.catalogue`; ``CATALOGUE`` and the rest are re-exported
here. ``docs/checks.md`` is generated from them
(``coded-events checks --markdown > docs/checks.md``).
"""

from __future__ import annotations

from coded_events.records.checks.base import Document
from coded_events.spec.catalogue import CATALOGUE, DOCS_COMMAND, LAYERS, Check, markdown
from coded_events.spec.catalogue.validator import CHECKS as VALIDATOR

__all__ = ["CATALOGUE", "DOCS_COMMAND", "LAYERS", "VALIDATOR", "Check", "Document", "markdown"]

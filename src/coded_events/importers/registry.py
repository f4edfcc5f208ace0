"""The import formats by name. A new format: declare it in its own module and add it here."""

from __future__ import annotations

from coded_events.importers.acled import FORMAT as ACLED
from coded_events.importers.format import Format
from coded_events.importers.gdelt import GDELT1, GDELT2
from coded_events.importers.icews import ICEWS
from coded_events.importers.phoenix import FORMAT as PHOENIX
from coded_events.importers.plover import FORMAT as PLOVER
from coded_events.importers.ucdp import FORMAT as UCDP_GED

__all__ = ["AUTO", "FORMATS"]

AUTO = "auto"
"""The format name that recognises the format from the content."""

FORMATS: dict[str, Format] = {
    f.name: f for f in (GDELT1, GDELT2, ICEWS, PHOENIX, ACLED, UCDP_GED, PLOVER)
}
"""Every import format, by the name the command line takes."""

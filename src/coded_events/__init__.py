"""coded-events: a versioned CAMEO-style schema and hand-coded political event datasets."""

# ``coded_events.download`` is the function; the module of the same name holds its
# machinery (import from it with ``from coded_events.download import ...``).
from coded_events.loader import datasets, download, load, path
from coded_events.versions import PACKAGE_VERSION, SCHEMA_VERSION

__version__ = PACKAGE_VERSION

__all__ = [
    "PACKAGE_VERSION",
    "SCHEMA_VERSION",
    "__version__",
    "datasets",
    "download",
    "load",
    "path",
]

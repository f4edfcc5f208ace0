"""coded-events: a versioned CAMEO-style schema and hand-coded political event datasets."""

# ``coded_events.download`` is the function; its machinery (the registry, the cache, the
# sha256 checks) is the module ``coded_events.access.fetch``.
from coded_events.access.loader import datasets, download, load, path
from coded_events.spec.versions import PACKAGE_VERSION, SCHEMA_VERSION

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

"""coded-events: a versioned CAMEO-style schema and hand-coded political event datasets."""

# ``coded_events.download`` is the function; its machinery (the registry, the cache, the
# sha256 checks) is the module ``coded_events.release_fetch``.
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

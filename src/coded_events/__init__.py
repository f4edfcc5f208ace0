"""coded-events: a versioned CAMEO-style schema and hand-coded political event datasets."""

from coded_events.versions import PACKAGE_VERSION, SCHEMA_VERSION

__version__ = PACKAGE_VERSION

__all__ = ["PACKAGE_VERSION", "SCHEMA_VERSION", "__version__"]

"""The package and schema versions, each kept in exactly one place.

The dataset version lives in each dataset's ``dataset.json``; the codebook version in
``codebook_data/VERSION``.
"""

PACKAGE_VERSION = "0.1.0"
SCHEMA_VERSION = "1.1.0"

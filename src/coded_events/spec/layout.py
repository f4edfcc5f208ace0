"""The dataset folder layout and the file names the package reads and writes, declared once.

A dataset folder::

    <root>/
      dataset.json            the dataset's metadata (name, version, licences, ...)
      records/<id>.json       the hand-coded source documents
      sources/<source_id>.txt the source texts the evidence quotes
      retired_ids.txt         event ids withdrawn, never to be reused
      data/<table>.<format>   the built tables (Parquet and CSV)
      datapackage.json        the built Frictionless manifest (a release's entry point)

A release folder (bundled, cached or downloaded) holds ``datapackage.json`` and the files
it names, relative to the folder. Published JSON Schemas live at
``schema/<version>/source-document.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

RECORDS_DIR = "records"
SOURCES_DIR = "sources"
DATA_DIR = "data"
METADATA_FILE = "dataset.json"
MANIFEST = "datapackage.json"
RETIRED_IDS_FILE = "retired_ids.txt"
DOCUMENT_SCHEMA_FILE = "source-document.schema.json"
"""The file name of the source-document JSON Schema, in ``schema/<version>/`` and URLs."""


def data_path(table: str, file_format: str) -> str:
    """A built table's path relative to the dataset or release folder: ``data/events.csv``."""
    return str(PurePosixPath(DATA_DIR, f"{table}.{file_format}"))


@dataclass(frozen=True)
class DatasetLayout:
    """Where each part of the dataset in ``root`` lives."""

    root: Path

    @property
    def records(self) -> Path:
        """``records/``: the source documents."""
        return self.root / RECORDS_DIR

    @property
    def sources(self) -> Path:
        """``sources/``: the source texts."""
        return self.root / SOURCES_DIR

    @property
    def data(self) -> Path:
        """``data/``: the built tables."""
        return self.root / DATA_DIR

    @property
    def metadata(self) -> Path:
        """``dataset.json``."""
        return self.root / METADATA_FILE

    @property
    def manifest(self) -> Path:
        """``datapackage.json``."""
        return self.root / MANIFEST

    @property
    def retired_ids(self) -> Path:
        """``retired_ids.txt``."""
        return self.root / RETIRED_IDS_FILE

    def table_file(self, table: str, file_format: str) -> Path:
        """A built table's file: ``data/<table>.<format>``."""
        return self.root / data_path(table, file_format)

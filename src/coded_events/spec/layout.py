"""The dataset folder layout and the file names the package reads and writes, declared once.

A dataset folder::

    <root>/
      dataset.json            the dataset's metadata (name, version, licences, ...)
      records/<id>.json       the hand-coded source documents
      sources/<source_id>.txt the source texts the evidence quotes
      retired_ids.txt         event ids withdrawn, never to be reused
      data/<table>.<format>   the built tables (Parquet and CSV)
      datapackage.json        the built Frictionless manifest (a release's entry point)
      codings/<coder>/records/<id>.json
                              a second, blind coding of the same sources (its quotes point
                              into the dataset's sources/); validated, never built or counted

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
CODINGS_DIR = "codings"
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

    @property
    def codings(self) -> Path:
        """``codings/``: second codings, one folder per coder."""
        return self.root / CODINGS_DIR

    def coding(self, coder: str) -> DatasetLayout:
        """The layout of one coder's second coding (``codings/<coder>/``): its own
        ``records/``; its quotes point into the dataset's ``sources/`` (``sources_for``)."""
        return DatasetLayout(self.codings / coder)

    def coders(self) -> list[str]:
        """The coders with a second coding (a ``codings/<coder>/records/`` folder), sorted."""
        if not self.codings.is_dir() or self.codings.is_symlink():
            return []
        return sorted(
            p.name
            for p in self.codings.iterdir()
            if (p / RECORDS_DIR).is_dir() and not p.is_symlink()
        )


def dataset_root(records_dir: Path) -> Path:
    """The dataset folder a ``records/`` folder belongs to: its parent, or for a second
    coding (``<root>/codings/<coder>/records``) the dataset two levels further up."""
    owner = records_dir.parent
    if owner.parent.name == CODINGS_DIR and (owner.parent.parent / RECORDS_DIR).is_dir():
        return owner.parent.parent
    return owner


def link_root(record: Path) -> Path:
    """Below which folder a record file named on the command line may hold no link: its
    dataset folder when it lies in a ``records/`` folder (a second coding's too), else its
    own folder (the path the user typed down to there is the user's choice)."""
    folder = record.parent
    return dataset_root(folder) if folder.name == RECORDS_DIR else folder


def sources_for(records_dir: Path) -> Path:
    """The ``sources/`` folder the quotes of the records in ``records_dir`` point into."""
    return dataset_root(records_dir) / SOURCES_DIR

"""Importers: third-party event files (GDELT, ICEWS, ...) into our published layout.

``import_files(format, inputs, out)`` reads producer files (plain, ``.zip`` or ``.gz``,
streamed), converts them batch by batch, column-wise, through the format's declared
mapping (``coded_events.importers.format``), and writes ``data/events.parquet``,
``data/sources.parquet``, ``data/provenance.parquet`` (CSV too on request),
``datapackage.json`` and ``dataset.json``. Every input row is written or rejected with a
finding naming the file, the line and the rule (catalogue layer ``import``).

A new format is a module with one :class:`~coded_events.importers.format.Format`
declaration, registered in :data:`coded_events.importers.registry.FORMATS`.
"""

"""``import_files``: producer files -> a dataset in our layout, every row accounted for.

Inputs are read in the order given, each batch converted and written before the next is
read (memory is bounded by the batch size, not the input). ``auto`` recognises the format
from the first bytes of each input and says what it chose and why.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coded_events import safe_files
from coded_events.findings import Finding
from coded_events.importers import inputs
from coded_events.importers.convert import Accounts, BatchConverter
from coded_events.importers.dialect import detect_dialect
from coded_events.importers.format import Format
from coded_events.importers.raw import (
    DEFAULT_BATCH_BYTES,
    SNIFF_BYTES,
    SPREADSHEET_DELIMITERS,
    InputBroken,
    NotEventFile,
)
from coded_events.importers.reading import read_delimited
from coded_events.importers.registry import AUTO, FORMATS
from coded_events.importers.writer import DatasetWriter
from coded_events.prefetch import prefetch
from coded_events.spec import codebook
from coded_events.spec.catalogue import CATALOGUE
from coded_events.spec.layout import DatasetLayout
from coded_events.spec.versions import PACKAGE_VERSION, SCHEMA_VERSION

__all__ = ["ImportResult", "UsageError", "detect_format", "import_files"]


class UsageError(Exception):
    """The import cannot start (unknown format, no input, formats that differ)."""


@dataclass
class InputFile:
    """One input as dataset.json lists it."""

    name: str
    path: str
    sha256: str
    bytes: int


@dataclass
class ImportResult:
    """What an import did: the counts, the findings shown, the files written."""

    format: str
    chosen: str = ""
    """With ``auto``: why this format was chosen."""
    inputs: list[InputFile] = field(default_factory=list)
    rows_read: int = 0
    rows_written: int = 0
    events_written: int = 0
    """Events written: the rows written but for PLOVER, whose records give an event per
    (source, target) pair."""
    rows_rejected: int = 0
    files_refused: int = 0
    files_partial: int = 0
    """Inputs whose reading broke off after some rows (a truncated archive): the rows
    before the break are accounted for, the rest was not read."""
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every row of every input was imported."""
        return not self.rows_rejected and not self.files_refused and not self.files_partial

    def summary(self) -> dict[str, Any]:
        """The JSON summary (``--format json``)."""
        return {
            "format": self.format,
            "chosen": self.chosen or None,
            "inputs": [dataclasses.asdict(i) for i in self.inputs],
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "events_written": self.events_written,
            "rows_rejected": self.rows_rejected,
            "files_refused": self.files_refused,
            "files_partial": self.files_partial,
            "counts": dict(sorted(self.counts.items())),
            "findings": [f.to_dict() for f in self.findings],
            "written": [str(p) for p in self.written],
        }


def _sniff(fmt: Format, head: bytes) -> str | None:
    """Why ``fmt`` fits the first bytes of a file, or None."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    lines = [(n + 1, t.rstrip("\r")) for n, t in enumerate(text.split("\n")[:-1]) if t.strip()]
    if fmt.sniff is not None:  # a delimited format may come back from a spreadsheet
        others = [d for d in SPREADSHEET_DELIMITERS if d != fmt.delimiter]
        for delimiter in (fmt.delimiter, *(others if fmt.delimiter != "\n" else ())):
            why = fmt.sniff([t.split(delimiter) for _, t in lines[:5]])
            if why:
                return why if delimiter == fmt.delimiter else f"{why}, separated by {delimiter!r}"
        return None
    try:
        dialect, _ = detect_dialect(fmt, lines[:5])
    except NotEventFile:
        return None
    widths = sorted({len(lines[0][1].split(dialect.delimiter))} & set(fmt.widths))
    shape = f"{widths[0]} columns" if widths else "its header"
    return f"{shape} separated by {dialect.delimiter!r}: {fmt.description}"


def detect_format(path: Path) -> tuple[Format, str]:
    """The format of an input (its first member, decompressed), and why; UsageError when
    no format or more than one fits."""
    member = inputs.members(path)[0]
    with inputs.open_member(member) as stream:
        head = stream.read(SNIFF_BYTES)
    fits = {name: why for name, fmt in FORMATS.items() if (why := _sniff(fmt, head))}
    if len(fits) != 1:
        known = ", ".join(FORMATS)
        found = f"it fits {', '.join(fits)}" if fits else "no format fits"
        raise UsageError(f"{path}: cannot tell the format ({found}); name one of {known}")
    name, why = next(iter(fits.items()))
    return FORMATS[name], f"{path}: {name} ({why})"


def _resolve(name: str, paths: Sequence[Path]) -> tuple[Format, str]:
    if name != AUTO:
        if name not in FORMATS:
            raise UsageError(f"unknown format {name!r}; known: {AUTO}, {', '.join(FORMATS)}")
        return FORMATS[name], ""
    chosen = []
    for path in paths:
        try:
            chosen.append(detect_format(path))
        except inputs.InputError as error:
            raise UsageError(str(error)) from None
    names = {fmt.name for fmt, _ in chosen}
    if len(names) > 1:
        raise UsageError(
            f"the inputs are of different formats ({', '.join(sorted(names))}): "
            "import each format on its own"
        )
    return chosen[0][0], "; ".join(why for _, why in chosen)


def _name(path: Path, member: inputs.Member) -> str:
    """An input as provenance.input_file and dataset.json name it: the file name (and the
    zip member), not the folder it was read from."""
    return path.name + (f"!{member.name}" if member.name else "")


def input_names(paths: Sequence[Path]) -> list[str]:
    """How dataset.json and provenance.input_file name each input: its file name; where
    different inputs share a file name (``d1/back.CSV``, ``d2/back.CSV``), their path
    relative to the folder they have in common (``/``-separated)."""
    names = [p.name for p in paths]
    where: dict[str, set[Path]] = {}
    for path in paths:
        where.setdefault(path.name, set()).add(Path(os.path.abspath(path)))
    clashing = [p for p in paths if len(where[p.name]) > 1]
    if not clashing:
        return names
    common = os.path.commonpath([str(Path(os.path.abspath(p)).parent) for p in clashing])
    return [
        Path(os.path.relpath(os.path.abspath(p), common)).as_posix()
        if len(where[p.name]) > 1
        else p.name
        for p in paths
    ]


def _metadata(fmt: Format, result: ImportResult) -> dict[str, Any]:
    version = f" {fmt.producer_version}" if fmt.producer_version else ""
    files = ", ".join(i.name for i in result.inputs)
    return {
        "name": f"{fmt.name}-import",
        "title": f"{fmt.producer}{version} events imported by coded-events",
        "description": f"{fmt.description} Imported with coded-events {PACKAGE_VERSION} "
        f"from {files}. Machine-coded by {fmt.producer}: no evidence quotes; where each "
        "event comes from is in the provenance table.",
        "version": "1.0.0",
        "licenses": [{"title": fmt.licence or f"{fmt.producer}'s terms", "path": fmt.homepage}],
        "contributors": [
            {"title": fmt.producer, "roles": ["author"]},
            {"title": "coded-events (import)", "roles": ["contributor"]},
        ],
    }


def _dataset_json(fmt: Format, meta: dict[str, Any], result: ImportResult) -> dict[str, Any]:
    return {
        **meta,
        "schema_version": SCHEMA_VERSION,
        "codebook_version": codebook.codebook_version(),
        "imported": {
            "format": fmt.name,
            "producer": fmt.producer,
            "producer_version": fmt.producer_version or None,
            "imported_with": f"coded-events {PACKAGE_VERSION}",
            "inputs": [
                {"name": i.name, "sha256": i.sha256, "bytes": i.bytes} for i in result.inputs
            ],
            "rows_read": result.rows_read,
            "rows_written": result.rows_written,
            "rows_rejected": result.rows_rejected,
            **(
                {"events_written": result.events_written}
                if result.events_written != result.rows_written
                else {}
            ),
        },
    }


def _read_input(
    path: Path,
    fmt: Format,
    converter: BatchConverter,
    writer: DatasetWriter,
    accounts: Accounts,
    batch_bytes: int,
    outcome: dict[str, str] | None = None,
) -> bool:
    """Import one input (each member of a zip); False when a member was refused or read
    partially (``outcome``, when given, gets ``"refused"`` or ``"partial"`` per such
    member's label)."""
    whole = True
    outcome = {} if outcome is None else outcome
    for member in inputs.members(path):
        read_before = accounts.rows_read
        reader = fmt.reader or read_delimited
        name = _name(path, member)
        try:
            with inputs.open_member(member) as stream:
                batches = prefetch(reader(stream, member.label, fmt, batch_bytes))
                for raw in batches:
                    writer.write(converter.convert(raw, member.label, name))
        except NotEventFile as refused:
            accounts.notice(
                "import-not-event-file",
                member.label,
                None,
                None,
                format=fmt.name,
                reason=refused.reason,
            )
            whole = False
            outcome[member.label] = "refused"
        except InputBroken as broken:  # the rows before the break are converted
            accounts.notice(
                "import-unreadable", member.label, broken.line, None, reason=broken.reason
            )
            whole = False
            outcome[member.label] = "partial" if accounts.rows_read > read_before else "refused"
        except (inputs.InputError, OSError, EOFError) as error:
            accounts.notice("import-unreadable", member.label, None, None, reason=str(error))
            whole = False
            outcome[member.label] = "refused"
    return whole


def check_output(out: Path) -> None:
    """Refuse an output folder that holds something an import did not write: it must be
    absent, empty, or an earlier import's output (``dataset.json`` marked ``imported``,
    no ``records/``). A hand-coded dataset is never overwritten."""
    out = Path(out)
    try:
        found = safe_files.output_entries(out)
    except safe_files.NotAFolder as error:
        raise UsageError(str(error)) from None
    if not found:
        return
    layout = DatasetLayout(out)
    metadata = layout.metadata
    earlier = False
    if metadata.is_file() and not metadata.is_symlink():
        try:
            earlier = "imported" in json.loads(metadata.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            earlier = False
    if not earlier or layout.records.exists():
        raise UsageError(
            f"{out}: holds files an import did not write (a dataset's records or metadata); "
            "--out must be a new or empty folder, or an earlier import's output"
        )


def start_import(
    format_name: str, paths: Sequence[Path], out: Path
) -> tuple[list[Path], Format, ImportResult]:
    """The checks before anything is written, for either engine: inputs given and regular
    files (as given: findings name them so), ``out`` usable (:func:`check_output`), the
    format resolved; returns the inputs, the format and a result listing the inputs (their
    sha256 comes later). Raises UsageError."""
    if not paths:
        raise UsageError("no input file given")
    paths = [Path(p) for p in paths]
    for path in paths:
        if not path.is_file() or path.is_symlink():
            raise UsageError(f"{path}: not a regular file")
    check_output(out)
    fmt, chosen = _resolve(format_name, paths)
    result = ImportResult(fmt.name, chosen)
    result.inputs = [
        InputFile(name, str(path), "", path.stat().st_size)
        for path, name in zip(paths, input_names(paths), strict=True)
    ]
    return paths, fmt, result


def import_files(
    format_name: str,
    paths: Sequence[Path],
    out: Path,
    *,
    csv: bool = False,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    max_samples: int = 20,
) -> ImportResult:
    """Import producer files into ``out`` (see the module docs). Raises UsageError before
    anything is written when the format is unknown or an input is missing; an input that
    is not an event file is refused with one finding."""
    paths, fmt, result = start_import(format_name, paths, out)
    with ThreadPoolExecutor(1, thread_name_prefix="import-sha256") as hashing:
        # the inputs are hashed while they are imported (hashlib releases the GIL)
        digests = [hashing.submit(safe_files.sha256_file, path) for path in paths]
        _import(
            fmt,
            paths,
            out,
            result,
            digests,
            csv=csv,
            batch_bytes=batch_bytes,
            max_samples=max_samples,
        )
    return result


def _import(
    fmt: Format,
    paths: list[Path],
    out: Path,
    result: ImportResult,
    digests: list[Future[str]],
    *,
    csv: bool,
    batch_bytes: int,
    max_samples: int,
) -> None:
    """The import proper (see ``import_files``); fills ``result``."""
    accounts = Accounts()
    accounts.sampler.max_samples = max_samples
    converter = BatchConverter(fmt, accounts)
    listed = zip(paths, result.inputs, strict=True)
    converter.input_names = {str(p): i.name for p, i in listed if i.name != p.name}
    meta = _metadata(fmt, result)
    with DatasetWriter(out, meta, csv=csv) as writer:
        for path in paths:
            outcome: dict[str, str] = {}
            if not _read_input(path, fmt, converter, writer, accounts, batch_bytes, outcome):
                partial = "refused" not in outcome.values()
                result.files_partial += partial
                result.files_refused += not partial
        result.rows_read = accounts.rows_read
        result.rows_written = accounts.rows_written
        result.events_written = accounts.events_written
        result.rows_rejected = accounts.rows_rejected
        for listed, digest in zip(result.inputs, digests, strict=True):
            listed.sha256 = digest.result()
        sources = [
            {
                "title": f"{fmt.producer}: {i.name}",
                **({"path": fmt.homepage} if fmt.homepage else {}),
            }
            for i in result.inputs
        ]
        result.written = writer.finish(_dataset_json(fmt, meta, result), sources)
    result.counts = dict(accounts.counts)
    severity = {code: check.severity for code, check in CATALOGUE.items()}
    result.findings = accounts.sampler.kept + accounts.sampler.summaries(severity)

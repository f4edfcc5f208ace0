"""What an import format is: a declared mapping from a producer's columns to ours, plus
small hooks. This is the API a new format is written against; keep it stable.

A :class:`Format` names the producer, how its files look (:class:`Layout`: the column
names by position, or by header), and its :class:`Rule` list. A rule reads some producer
columns of a batch (Arrow string arrays, verbatim text, ``None`` where the row's layout
lacks the column or the cell is one of the format's ``missing`` values) and returns our
columns (``"events.cameo_code"``, ``"sources.url"``, ``"provenance.story_id"``) and the
:class:`Issue` s it found, column-wise with ``pyarrow.compute``, never row by row.

A producer column that no rule reads, and every column a rule reads with ``keep=True``,
goes verbatim into ``provenance.producer_fields`` (JSON object text, producer column
order): nothing a producer gives is dropped without a trace. ``docs/importers.md`` is
generated from these declarations (``coded-events importers --markdown``).

A minimal format::

    FORMAT = Format(
        name="example",
        producer="Example Project",
        producer_version="1.0",
        description="Example event files (tab-separated, no header).",
        layouts=(Layout(("ID", "DATE", "CODE", "URL")),),
        id_column="ID",
        rules=(
            Rule(("events.cameo_code",), ("CODE",), convert.event_code_rule(...), "..."),
            ...
        ),
    )

Errors (an issue whose catalogue code is an error) reject the row; warnings keep it.
The issue codes are declared in ``coded_events.spec.catalogue.importing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from coded_events.importers.raw import RawBatch

__all__ = [
    "Batch",
    "Converted",
    "Converter",
    "Format",
    "Issue",
    "Layout",
    "Reader",
    "Rule",
    "Sniff",
]

TABLES = ("events", "sources", "provenance")
"""The tables a rule may write to (``"<table>.<column>"``)."""


@dataclass(frozen=True)
class Layout:
    """One column layout of a format: the producer's column names in file order.

    A headerless file is read by position: a row with ``len(columns)`` fields follows this
    layout. A format may have several layouts told apart by their field count (GDELT 1.0:
    57 columns in the 1979-2013 backfile, 58 in the daily files, mixed row by row).
    """

    columns: tuple[str, ...]
    name: str = ""
    """What the layout is, for messages and the docs ("daily files since April 2013")."""

    @property
    def width(self) -> int:
        return len(self.columns)


@dataclass(frozen=True)
class Issue:
    """Rows of a batch that break one rule: a catalogue code and a boolean mask.

    ``value`` (same length as the batch) is the offending value shown in a finding;
    ``params`` fill the check's message: a string for every row, or an Arrow array with
    one value per row. Findings are built only for the rows shown (the first ones per
    code and file); every row is counted.
    """

    code: str
    mask: pa.Array
    value: pa.Array | None = None
    params: Mapping[str, str | pa.Array] = field(default_factory=dict)
    column: str = ""
    """The producer column the issue is about (for the finding's ``field``)."""


@dataclass
class Converted:
    """What a rule returns: our columns (``"events.cameo_code"`` -> array) and issues."""

    columns: dict[str, pa.Array] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class Batch:
    """The rows a rule converts: producer columns (verbatim strings, missing values as
    null), the line of each row, the input file's display name, and the format."""

    columns: dict[str, pa.Array]
    lines: pa.Array
    file: str
    format: Format
    raw: dict[str, pa.Array] = field(default_factory=dict)
    """The same columns before the missing values became null (for provenance)."""
    name: str = ""
    """The input as ``provenance.input_file`` and dataset.json name it."""
    pair: pa.Array | None = None
    """Each row's place in its producer record (``RawBatch.pair``), None when a row is a
    record."""

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, name: str) -> pa.Array:
        """A producer column (all null when no layout of this batch has it)."""
        found = self.columns.get(name)
        return found if found is not None else pa.nulls(len(self), pa.string())


Converter = Callable[..., Converted]
"""``convert(batch, *columns)``: the rule's producer columns in order -> :class:`Converted`."""


@dataclass(frozen=True)
class Rule:
    """One declared mapping: producer ``sources`` -> our ``targets``, with its docs.

    ``targets`` are ``"<table>.<column>"`` names (tables: events, sources, provenance).
    ``keep`` also keeps source columns verbatim in ``producer_fields`` (for values the
    mapping loses, such as ICEWS sectors behind the CAMEO roles, or producer values that
    are compared, never imported): ``True`` for all of them, or the names of some.
    ``doc`` says what the rule does, for ``docs/importers.md``.
    """

    targets: tuple[str, ...]
    sources: tuple[str, ...]
    convert: Converter
    doc: str
    keep: bool | tuple[str, ...] = False

    @property
    def kept(self) -> tuple[str, ...]:
        """The source columns this rule keeps verbatim."""
        if self.keep is True:
            return self.sources
        return self.keep or ()


Sniff = Callable[[list[list[str]]], str | None]
"""Given the first rows of a file split into fields, a reason this format fits, or None."""

Reader = Callable[[IO[bytes], str, "Format", int], Iterator["RawBatch"]]
"""``read(stream, file_label, format, batch_bytes)`` -> raw batches (see ``reading``)."""


@dataclass(frozen=True)
class Format:
    """One producer's file format, declared.

    ``header`` is ``"none"`` (read by position; a header line a spreadsheet added is
    recognised, reported and skipped) or ``"required"`` (read by the names in the first
    line; the ``layouts`` then list the known names). ``id_column`` is the producer's id
    for a row (``provenance.producer_event_id``, and our ``event_id`` as
    ``<name>-<id>``). ``missing`` are the cell texts that mean "no value". ``reader``
    replaces the delimited-text reader for formats that are not delimited lines (JSON,
    quoted CSV with line breaks in cells). ``sniff`` recognises the format for ``auto``
    (default: the field count of the first row matches a layout).
    """

    name: str
    producer: str
    producer_version: str
    description: str
    layouts: tuple[Layout, ...]
    rules: tuple[Rule, ...]
    id_column: str
    header: str = "none"
    delimiter: str = "\t"
    missing: tuple[str, ...] = ("",)
    required_columns: tuple[str, ...] = ()
    """With a header: the columns a file must have to be a file of this format."""
    reader: Reader | None = None
    sniff: Sniff | None = None
    licence: str = ""
    """The producer's terms, as dataset.json and the manifest state them."""
    homepage: str = ""
    notes: tuple[str, ...] = ()
    """Extra paragraphs for docs/importers.md (traps the format handles)."""

    @property
    def widths(self) -> dict[int, Layout]:
        """Layouts by field count."""
        return {layout.width: layout for layout in self.layouts}

    @property
    def columns(self) -> tuple[str, ...]:
        """Every producer column of every layout, in first-seen order."""
        return tuple(dict.fromkeys(c for layout in self.layouts for c in layout.columns))

    def kept_columns(self) -> tuple[str, ...]:
        """Producer columns kept verbatim in ``provenance.producer_fields``, in order: the
        ones no rule reads and the ones a rule keeps (never the id column, which is
        ``provenance.producer_event_id``)."""
        read = {c for rule in self.rules for c in rule.sources} | {self.id_column}
        kept = {c for rule in self.rules for c in rule.kept}
        return tuple(c for c in self.columns if c not in read or c in kept)

    def targets(self) -> dict[str, Rule]:
        """Our column -> the rule that fills it."""
        return {target: rule for rule in self.rules for target in rule.targets}


def validate_format(fmt: Format, known_columns: Mapping[str, Sequence[str]]) -> list[str]:
    """Problems with a format's declaration (unknown producer or target columns, two rules
    for one target); empty when it is sound. ``known_columns``: table -> our columns."""
    problems = []
    producer = set(fmt.columns)
    seen: dict[str, int] = {}
    for index, rule in enumerate(fmt.rules):
        problems += [
            f"rule {index}: unknown producer column {c!r}"
            for c in rule.sources
            if c not in producer
        ]
        for target in rule.targets:
            table, _, column = target.partition(".")
            if table not in known_columns or column not in known_columns[table]:
                problems.append(f"rule {index}: unknown target {target!r}")
            if target in seen:
                problems.append(f"rule {index}: {target!r} is also filled by rule {seen[target]}")
            seen[target] = index
    if fmt.id_column not in producer:
        problems.append(f"id column {fmt.id_column!r} is not a producer column")
    return problems


def constant(value: Any, arrow_type: pa.DataType = pa.string()) -> Callable[[Batch], pa.Array]:
    """A column of one value for every row of a batch (for rules with no source)."""

    def make(batch: Batch) -> pa.Array:
        return pa.repeat(pa.scalar(value, arrow_type), len(batch))

    return make

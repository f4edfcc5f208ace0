"""``docs/importers.md``, generated from the formats' declarations (never written twice)."""

from __future__ import annotations

from coded_events.importers.format import Format
from coded_events.importers.registry import AUTO, FORMATS

__all__ = ["DOCS_COMMAND", "markdown"]

DOCS_COMMAND = "coded-events importers --markdown > docs/importers.md"

_INTRO = f"""\
# Importers

<!-- Generated from coded_events.importers (the formats' declared mappings): run
`{DOCS_COMMAND}`. -->

`coded-events import FORMAT INPUT... --out DIR` turns a producer's event files into a
dataset in our published layout: `DIR/data/events.parquet`, `sources.parquet`,
`provenance.parquet` (and the empty `evidence` and `links` tables of the layout; CSV too
with `--csv`), `DIR/datapackage.json` and `DIR/dataset.json` (the producer, the input
files and their sha256, the row counts). Inputs may be plain, `.zip` or `.gz`; they are
streamed and converted batch by batch, column-wise, in input order (no global sort): the
same input gives the same bytes. `{AUTO}` recognises the format from the content and says
what it chose. `coded-events validate DIR/data` passes on the result and
`coded_events.load(DIR)` reads it.

Every input row is written or rejected: rows read = rows written + rows rejected, in the
summary and in `--format json` (`rows_read`, `rows_written`, `rows_rejected`, `counts`
per code). A rejected row, and every change beyond the mapping below, is a finding with
the file, the line and a code of the `import` layer of the check catalogue
([checks.md](checks.md#import)). Exit status: 0 when every row was imported, 1 when any
row or file was rejected, 2 on usage errors.

There are no evidence quotes: an imported event carries provenance instead, which is what
the `evidence-missing` rule asks of an event without quotes. Text columns are read as
text, never as numbers: codes keep their leading zeros.
"""

_COMMON = (
    (
        "`events.event_id`",
        "`<format>-<the producer's id>` (lower case; other characters than "
        "letters and digits become `-`; an id that already starts with the format's name, "
        "PLOVER's `PLOVER-GSR01-...`, is not prefixed twice: `plover-gsr01-...`); the same "
        "producer id again is rejected "
        "(`import-duplicate-id`). Where a different producer id gives an event id already "
        "given (`1701787_v0.1.0` and `1701787.v0_1_0` both give `1701787-v0-1-0`; PLOVER's "
        "`X` split into `x-1`, `x-2` and a record `X-1`), the later one gets `-` and the "
        "first 8 hex digits of the sha256 of its producer id (UTF-8) appended (before a "
        "split record's place: `x-<hash>-1`), in input order: the first keeps the plain id",
    ),
    (
        "`events.coder`",
        "the producer and its version (`GDELT 2.0`, `ICEWS`): no person coded these events; "
        "where a record names its coder (PLOVER `coder`), that coder in parentheses, "
        "`PLOVER (Parus Analytics)`, the record's field kept verbatim in provenance",
    ),
    ("`events.certainty`, `events.status`", "empty: machine coders do not state them"),
    (
        "`events.quantities`",
        "`[]`: no numbers from a text we do not hold; only counts the producer gives in "
        "its own columns (ACLED fatalities, UCDP GED deaths, PLOVER size and casualties)",
    ),
    (
        "`events.date_approximate`, `date_end_text`, `date_note`",
        "false, empty, empty: a lower precision in `date_start_text` says what "
        "the producer's date is worth",
    ),
    (
        "`events.cameo_label`, `root_code`, `quad_class`, `goldstein`",
        "from our codebook, as for hand-coded records; the producer's own "
        "values are compared, never imported",
    ),
    ("`events.*_actor_country`, `*_actor_roles`", "from our codebook, by the rebuilt actor code"),
    (
        "`events.geonames_id`, `location_admin1`, `location_admin2`",
        "empty: producers' feature ids are not GeoNames ids, and they give "
        "codes, not names, for divisions (kept in provenance)",
    ),
    (
        "`sources.title`, `published`, `language`, `text_sha256`",
        "empty: never invented (we do not hold the text)",
    ),
    (
        "`provenance.producer`, `producer_version`, `producer_event_id`",
        "the producer, its version, its own id verbatim",
    ),
    (
        "`provenance.input_file`, `input_line`",
        "the input's file name (`archive.zip!member` for a zip member; where inputs in "
        "different folders share a file name, their path relative to the folder they have "
        "in common, `d1/back.CSV`, also in dataset.json) and the row's line (1-based, a "
        "header counts); rows that name no source share the input's, `<format>-file-` and "
        "this name as an id (`a.zip!back.CSV`: `<format>-file-a-zip-back-csv`)",
    ),
    (
        "`provenance.producer_fields`",
        "a JSON object of the producer's columns that have no home in our "
        "model, and of those a mapping loses or compares, verbatim, in the "
        "producer's column order (cells that are empty or the format's missing "
        "value, such as ICEWS `NA`, left out)",
    ),
)
"""What every import fills the same way: (our columns, value), for the docs."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _layouts(fmt: Format) -> list[str]:
    if fmt.header == "required":
        return [
            f"Read by the header's names ({len(fmt.columns)} known columns); a file "
            f"without the columns {', '.join(f'`{c}`' for c in fmt.required_columns)} is "
            "refused."
        ]
    parts = [f"{layout.width} columns ({layout.name})" for layout in fmt.layouts]
    return [
        f"Read by position, no header: {' or '.join(parts)}, told apart row by row by "
        "their field count. A header line a spreadsheet added is recognised and "
        "skipped."
    ]


def _mapping(fmt: Format) -> list[str]:
    kept = set(fmt.kept_columns())
    readers: dict[str, list[str]] = {}
    for index, rule in enumerate(fmt.rules):
        for column in rule.sources:
            readers.setdefault(column, []).append(str(index + 1))
    rows = ["| producer column | read by | in `producer_fields` |", "| --- | --- | --- |"]
    for column in fmt.columns:
        if column == fmt.id_column:
            how = "`provenance.producer_event_id`; `events.event_id`"
        elif column in readers:
            how = "rule " + ", ".join(readers[column])
        else:
            how = "no home in our model"
        rows.append(f"| `{column}` | {how} | {'yes' if column in kept else ''} |")
    rules = ["", "Rules (our columns they fill, then what they do):", ""]
    for index, rule in enumerate(fmt.rules):
        targets = ", ".join(f"`{t}`" for t in rule.targets)
        rules.append(f"{index + 1}. {targets}: {_cell(rule.doc)}")
    return rows + rules


def _format(fmt: Format) -> list[str]:
    version = f" {fmt.producer_version}" if fmt.producer_version else ""
    missing = ", ".join(f"`{m}`" if m else "an empty cell" for m in fmt.missing)
    lines = [
        "",
        f"## `{fmt.name}`: {fmt.producer}{version}",
        "",
        fmt.description,
        "",
        *_layouts(fmt),
        (
            f"Delimiter {fmt.delimiter!r} (`;` or `,` after a spreadsheet round trip: read "
            f"with quotes, reported). Missing value: {missing}."
        )
        if fmt.delimiter != "\n"
        else "JSON, read record by record (duplicate keys and NaN refused).",
        "",
        f"Terms: {fmt.licence}. Homepage: <{fmt.homepage}>." if fmt.homepage else "",
        "",
        *_mapping(fmt),
    ]
    for note in fmt.notes:
        lines += ["", note]
    return lines


def markdown() -> str:
    """The mappings of every format as Markdown (the text of docs/importers.md)."""
    head, tail = _INTRO.split("There are no evidence quotes", 1)
    lines = [
        head.rstrip("\n"),
        "",
        "## What every import fills the same way",
        "",
        "| our column | value |",
        "| --- | --- |",
    ]
    lines += [f"| {columns} | {_cell(value)} |" for columns, value in _COMMON]
    lines += ["", "There are no evidence quotes" + tail.rstrip("\n")]
    for fmt in FORMATS.values():
        lines += _format(fmt)
    lines += _crosswalks()
    return "\n".join(lines) + "\n"


def _crosswalks() -> list[str]:
    """The declared crosswalks (``importers/crosswalks/``), each file's rows as a table."""
    from coded_events.importers import crosswalks

    lines = [
        "",
        "## Crosswalks",
        "",
        "Producers that are not CAMEO (ACLED, UCDP GED, PLOVER) and Phoenix's QuadClass are "
        "mapped through declared crosswalks, shipped as CSV data in "
        "`coded_events/importers/crosswalks/` with their sources (`SOURCES.md` there). "
        "`lossy` true: our code says less than the producer's category (a warning on the "
        "row, `import-crosswalk-lossy`); the producer's value stays verbatim in provenance. "
        "A test checks that every category of the producers' codebooks "
        "(`producer_categories.csv`) is mapped.",
    ]
    for name, what in crosswalks.CROSSWALKS.items():
        rows = crosswalks.rows(name)
        lines += ["", f"### `{name}`", "", what + "."]
        if name == "producer_categories.csv":
            lines.append(f"{len(rows)} categories, transcribed from the producers' codebooks.")
            continue
        header = list(rows[0]) if rows else []
        lines += ["", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(_cell(r[h] or "") for h in header) + " |" for r in rows]
    return lines

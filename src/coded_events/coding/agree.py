"""``coded-events agree``: inter-coder agreement between two codings of the same sources.

A coding is a record file, a folder of records, or a dataset folder (its ``records/``; a
second coding is ``<dataset>/codings/<coder>``). Only sources both codings hold are
compared; a source only one holds is listed, its events not counted as missed.

**Matching** (``coding.matching``, best first): within one source, a pair of events is a
candidate when their evidence quotes overlap, or, without overlapping quotes, when their
dates overlap, they share at least one actor code and the same root code. Its score is
``(quote_overlap, actors, date, code)``, compared in that order: quote overlap is the
Jaccard index of the characters the two events' quotes cover (rounded to 6 places);
actors counts equal source and target codes (0-2); date is 2 for the same date, 1 for
overlapping days, 0 otherwise; code is 2 for the same event code, 1 for the same root.
Ties go to the events whose content (quotes, code, actors, date) sorts first. Event ids
are never used: blind coders choose their own.

**Agreement** per field (``FIELDS``) is Krippendorff's alpha over the matched events
(``krippendorff.alpha``), with a percentile bootstrap interval from resampling matched
events (``BOOTSTRAP_SEED``, ``BOOTSTRAP_RESAMPLES``). Alpha is undefined (None, with the
reason) when no event has values from both coders or every value is the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coded_events.coding import matching
from coded_events.spec import codebook
from coded_events.spec.layout import RECORDS_DIR

BOOTSTRAP_SEED = 17
BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95
TOP_DISAGREEMENTS = 5
NONE = "(none)"
"""How an absent value (no target actor, no Goldstein score) is shown."""

PRECISION_RANK = {"year": 1, "month": 2, "day": 3}


class AgreeError(ValueError):
    """A coding that cannot be compared; the message names the file and why."""


@dataclass(frozen=True)
class CodedEvent:
    """What agreement looks at in one event."""

    source_id: str
    event_id: str
    file: str
    spans: tuple[tuple[str, int, int], ...]
    code: str
    source_actor: str
    target_actor: str | None
    date: tuple[str, str | None]
    days: tuple[int, int]  # first and last day (ordinal) the date can mean
    precision: str
    certainty: str
    status: str

    @property
    def root(self) -> str:
        return codebook.event(self.code).root_code

    def sort_key(self) -> tuple[Any, ...]:
        """Content, never the id: the tie-break of the matching."""
        target = self.target_actor or ""
        return (self.spans, self.code, self.source_actor, target, self.date[0], self.date[1] or "")

    def summary(self) -> dict[str, Any]:
        """The event in a line's worth of fields, for the unmatched lists."""
        return {
            "source_id": self.source_id,
            "event_id": self.event_id,
            "code": self.code,
            "source_actor": self.source_actor,
            "target_actor": self.target_actor,
            "date": self.date[0] + (f"/{self.date[1]}" if self.date[1] else ""),
            "file": self.file,
        }


@dataclass(frozen=True)
class Field:
    """A field whose agreement is measured, its level of measurement and its value."""

    name: str
    level: str  # nominal, ordinal, interval
    value: Callable[[CodedEvent], Any]


def _goldstein(event: CodedEvent) -> float | None:
    return codebook.event(event.code).goldstein


FIELDS = (
    Field("root_code", "nominal", lambda e: e.root),
    Field("event_code", "nominal", lambda e: e.code),
    Field("quad_class", "nominal", lambda e: codebook.event(e.code).quad_class),
    Field("source_actor", "nominal", lambda e: e.source_actor),
    Field("target_actor", "nominal", lambda e: e.target_actor or NONE),
    Field("date_precision", "ordinal", lambda e: e.precision),
    Field("certainty", "nominal", lambda e: e.certainty),
    Field("status", "nominal", lambda e: e.status),
    Field("goldstein", "interval", _goldstein),
)
"""The fields of the issue, in order: codes, actors, date precision, certainty, status,
Goldstein. Derived values (root, QuadClass, Goldstein) come from the codebook."""


# --- reading codings ------------------------------------------------------------------


def coding_files(path: Path) -> list[Path]:
    """The record files a coding path stands for: a file; a dataset folder's ``records/``
    (second codings under ``codings/`` are not included); or a folder's ``*.json``. A
    symbolic link below the folder named (its ``records/``, a record file) is refused:
    a coding never reads files from outside it."""
    from coded_events.safe_files import UnsafePathError, check_no_links

    if path.is_symlink():
        raise AgreeError(f"{path}: is a symbolic link; a coding is read from its own files only")
    if path.is_file():
        return [path]
    root = path
    try:
        if (path / RECORDS_DIR).is_dir() or (path / RECORDS_DIR).is_symlink():
            check_no_links(path / RECORDS_DIR, root)
            path = path / RECORDS_DIR
        if not path.is_dir():
            raise AgreeError(f"{path}: neither a record file nor a folder of records")
        files = sorted(path.glob("*.json"))
        for file in files:
            check_no_links(file, root)
    except UnsafePathError as error:
        raise AgreeError(f"{error}; a coding is read from its own files only") from None
    if not files:
        raise AgreeError(f"{path}: no record files (*.json)")
    return files


def _same_files(a: Path, b: Path) -> bool:
    """Whether codings ``a`` and ``b`` are the very same files (a coding against itself)."""

    def identities(coding: Path) -> set[tuple[int, int]]:
        return {(f.stat().st_dev, f.stat().st_ino) for f in coding_files(coding)}

    return identities(a) == identities(b)


def _document(file: Path) -> Any:
    from pydantic import ValidationError

    from coded_events.records.checks import syntax
    from coded_events.safe_files import read_regular
    from coded_events.spec.migrate import MigrationError, migrate_document
    from coded_events.spec.models import SourceDocument

    try:
        parsed = syntax.parse(read_regular(file), str(file))
        if not parsed.ok or parsed.findings:
            problem = parsed.findings[0].message if parsed.findings else "not JSON"
            raise AgreeError(f"{file}: {problem} (run coded-events validate)")
        return SourceDocument.model_validate(migrate_document(parsed.data))
    except (OSError, MigrationError) as error:
        raise AgreeError(f"{file}: {error}") from None
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = "/".join(str(p) for p in first["loc"])
        raise AgreeError(f"{file}: /{where}: {first['msg']} (run coded-events validate)") from None


def _event(event: Any, source_id: str, file: str) -> CodedEvent:
    spans = sorted((q.source_id or source_id, q.char_start, q.char_end) for q in event.evidence)
    return CodedEvent(
        source_id=source_id,
        event_id=event.event_id,
        file=file,
        spans=tuple(spans),
        code=event.action.code,
        source_actor=event.source_actor.code,
        target_actor=event.target_actor.code if event.target_actor else None,
        date=(event.date.start, event.date.end),
        days=(event.date.first_day.toordinal(), event.date.last_day.toordinal()),
        precision=event.date.precision.value,
        certainty=event.certainty.value,
        status=event.status.value,
    )


def read_coding(path: Path) -> dict[str, list[CodedEvent]]:
    """Source id -> the events a coding holds for it (AgreeError when a file is not valid)."""
    out: dict[str, list[CodedEvent]] = {}
    for file in coding_files(path):
        document = _document(file)
        source_id = document.source.source_id
        if source_id in out:
            raise AgreeError(f"{file}: a second record of source {source_id!r} in {path}")
        out[source_id] = [_event(e, source_id, str(file)) for e in document.events]
    return out


# --- matching -------------------------------------------------------------------------


def _covered(spans: tuple[tuple[str, int, int], ...]) -> dict[str, list[tuple[int, int]]]:
    """Each source's character intervals, merged."""
    out: dict[str, list[tuple[int, int]]] = {}
    for source, start, end in spans:
        merged = out.setdefault(source, [])
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return out


def quote_overlap(a: CodedEvent, b: CodedEvent) -> float:
    """Jaccard index of the characters the two events' quotes cover (0 to 1)."""
    ca, cb = _covered(a.spans), _covered(b.spans)
    size = sum(e - s for spans in (*ca.values(), *cb.values()) for s, e in spans)
    shared = 0
    for source, mine in ca.items():
        for s1, e1 in mine:
            for s2, e2 in cb.get(source, []):
                shared += max(0, min(e1, e2) - max(s1, s2))
    union = size - shared
    return round(shared / union, 6) if union else 0.0


def score(a: CodedEvent, b: CodedEvent) -> matching.Score | None:
    """How well two events of the same source fit (None: not a candidate; see module)."""
    overlap = quote_overlap(a, b)
    actors = (a.source_actor == b.source_actor) + (a.target_actor == b.target_actor)
    same_days = a.days[0] <= b.days[1] and b.days[0] <= a.days[1]
    date = 2 if a.date == b.date else 1 if same_days else 0
    code = 2 if a.code == b.code else 1 if a.root == b.root else 0
    if overlap > 0 or (same_days and actors >= 1 and code >= 1):
        return (overlap, actors, date, code)
    return None


# --- alpha ----------------------------------------------------------------------------


def _numeric(values: list[list[Any]], level: str) -> tuple[list[list[float]], list[Any]]:
    """Values as numbers for krippendorff (missing: nan) and the domain, in order."""
    nan = float("nan")
    present = {v for row in values for v in row if v is not None}
    if level == "interval":
        return [[nan if v is None else float(v) for v in row] for row in values], sorted(present)
    if level == "ordinal":
        domain = sorted(present, key=lambda v: PRECISION_RANK.get(v, 0))
    else:
        domain = sorted(present, key=str)
    index = {v: float(i) for i, v in enumerate(domain)}
    return [[nan if v is None else index[v] for v in row] for row in values], domain


def alpha(values: list[list[Any]], level: str) -> tuple[float | None, str | None]:
    """Krippendorff's alpha of two coders' values (rows), or None and why it is undefined."""
    import krippendorff
    import numpy as np

    pairable = [(a, b) for a, b in zip(*values, strict=True) if a is not None and b is not None]
    if not pairable:
        return None, "no matched event has a value from both coders"
    distinct = {v for pair in pairable for v in pair}
    if len(distinct) < 2:
        shown = next(iter(distinct))
        return None, f"every value is the same ({shown}): no variation to measure agreement by"
    data, domain = _numeric(values, level)
    kwargs: dict[str, Any] = {"level_of_measurement": level}
    if level != "interval":
        kwargs["value_domain"] = [float(i) for i in range(len(domain))]
    try:
        result = float(krippendorff.alpha(reliability_data=np.array(data, float), **kwargs))
    except ValueError as error:
        return None, str(error)
    return (None, "alpha is not a number for these values") if result != result else (result, None)


def bootstrap(
    values: list[list[Any]], level: str, seed: int, resamples: int
) -> tuple[list[float] | None, int]:
    """Percentile interval (``CONFIDENCE``) of alpha over resampled matched events, and how
    many resamples had a defined alpha."""
    import numpy as np

    n = len(values[0])
    if n == 0 or resamples <= 0:
        return None, 0
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(resamples):
        picks = rng.integers(0, n, n)
        value, _ = alpha([[row[i] for i in picks] for row in values], level)
        if value is not None:
            found.append(value)
    if not found:
        return None, 0
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(found, [tail, 100 - tail])
    return [float(low), float(high)], len(found)


# --- the report -----------------------------------------------------------------------


def _field_report(
    field: Field, pairs: list[tuple[CodedEvent, CodedEvent]], seed: int, resamples: int
) -> dict[str, Any]:
    values = [[field.value(a) for a, _ in pairs], [field.value(b) for _, b in pairs]]
    value, reason = alpha(values, field.level)
    interval, defined = (
        bootstrap(values, field.level, seed, resamples) if value is not None else (None, 0)
    )
    shown = [[NONE if v is None else v for v in row] for row in values]
    differ = Counter((a, b) for a, b in zip(*shown, strict=True) if a != b)
    top = sorted(differ.items(), key=lambda item: (-item[1], str(item[0])))[:TOP_DISAGREEMENTS]
    return {
        "field": field.name,
        "level": field.level,
        "alpha": value,
        "undefined": reason,
        "ci": interval,
        "resamples_defined": defined,
        "agreeing": sum(a == b for a, b in zip(*shown, strict=True)),
        "matched": len(pairs),
        "disagreements": [{"a": a, "b": b, "events": n} for (a, b), n in top],
    }


def agreement(
    a: Path,
    b: Path,
    *,
    seed: int = BOOTSTRAP_SEED,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, Any]:
    """The agreement report of codings ``a`` and ``b`` (JSON-ready; see module)."""
    left, right = read_coding(a), read_coding(b)
    warnings = (
        [f"A and B are the same files ({a} and {b}): a coding compared with itself agrees fully"]
        if _same_files(a, b)
        else []
    )
    shared = sorted(set(left) & set(right))
    pairs: list[tuple[CodedEvent, CodedEvent]] = []
    only_a: list[CodedEvent] = []
    only_b: list[CodedEvent] = []
    for source_id in shared:
        ea, eb = left[source_id], right[source_id]
        found = matching.match(
            ea, eb, score, left_key=CodedEvent.sort_key, right_key=CodedEvent.sort_key
        )
        pairs += [(ea[p.left], eb[p.right]) for p in found.pairs]
        only_a += [ea[i] for i in found.left_only]
        only_b += [eb[i] for i in found.right_only]
    return {
        "a": str(a),
        "b": str(b),
        "warnings": warnings,
        "sources": {
            "both": len(shared),
            "only_a": sorted(set(left) - set(right)),
            "only_b": sorted(set(right) - set(left)),
        },
        "events": {
            "a": sum(len(left[s]) for s in shared),
            "b": sum(len(right[s]) for s in shared),
            "matched": len(pairs),
            "only_a": len(only_a),
            "only_b": len(only_b),
        },
        "bootstrap": {"seed": seed, "resamples": resamples, "confidence": CONFIDENCE},
        "fields": [_field_report(f, pairs, seed, resamples) for f in FIELDS],
        "pairs": [{"source_id": x.source_id, "a": x.event_id, "b": y.event_id} for x, y in pairs],
        "only_a": [e.summary() for e in only_a],
        "only_b": [e.summary() for e in only_b],
    }


def text_report(report: dict[str, Any]) -> list[str]:
    """The report as lines for a terminal."""
    ev, src, boot = report["events"], report["sources"], report["bootstrap"]
    lines = [
        f"A: {report['a']}",
        f"B: {report['b']}",
        *(f"warning: {w}" for w in report.get("warnings", [])),
        f"sources: {src['both']} coded by both"
        + "".join(
            f"; {len(src[k])} only in {k[-1].upper()} ({', '.join(src[k])})"
            for k in ("only_a", "only_b")
            if src[k]
        ),
        f"events in the sources coded by both: A {ev['a']}, B {ev['b']}; matched "
        f"{ev['matched']}; only in A {ev['only_a']}, only in B {ev['only_b']}",
    ]
    if not src["both"]:
        lines.append("no source is coded by both: nothing to compare (same source ids needed)")
    for side in ("only_a", "only_b"):
        for e in report[side]:
            target = e["target_actor"] or NONE
            lines.append(
                f"  only in {side[-1].upper()}: {e['event_id']} {e['code']} "
                f"{e['source_actor']} -> {target} {e['date']} ({e['file']})"
            )
    lines.append(
        f"Krippendorff's alpha over matched events; {boot['confidence']:.0%} interval from "
        f"{boot['resamples']} bootstrap resamples of matched events, seed {boot['seed']}:"
    )
    for f in report["fields"]:
        head = f"  {f['field']:<15} {f['level']:<8}"
        agree = f"{f['agreeing']}/{f['matched']} agree"
        if f["alpha"] is None:
            lines.append(f"{head} undefined: {f['undefined']} ({agree})")
            continue
        ci = f"[{f['ci'][0]:.3f}, {f['ci'][1]:.3f}]" if f["ci"] else "[no interval]"
        lines.append(f"{head} {f['alpha']:6.3f}  {ci}  {agree}")
    lines += _disagreement_lines(report)
    return lines


def _disagreement_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for f in report["fields"]:
        if f["disagreements"]:
            lines.append(f"most frequent disagreements, {f['field']} (A vs B):")
            lines += [
                f"  {d['a']} vs {d['b']}: {d['events']} event{'s' * (d['events'] != 1)}"
                for d in f["disagreements"]
            ]
    return lines or ["no disagreements on matched events"]


def short_summary(report: dict[str, Any]) -> str:
    """One line per comparison, for ``coded-events info``."""
    ev = report["events"]
    shown = ", ".join(
        f"{f['field']} {f['alpha']:.2f}" if f["alpha"] is not None else f"{f['field']} n/a"
        for f in report["fields"]
    )
    return f"{ev['matched']} matched, {ev['only_a']}/{ev['only_b']} unmatched; alpha: {shown}"


__all__ = [
    "FIELDS",
    "AgreeError",
    "CodedEvent",
    "agreement",
    "alpha",
    "bootstrap",
    "read_coding",
    "score",
    "text_report",
]

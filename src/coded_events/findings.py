"""One validation finding, in one stable shape for every check and every output format."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

MAX_VALUE_CHARS = 200


def clean_text(text: str) -> str:
    """Text safe to print and to encode as UTF-8 (lone surrogates become escapes)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


_CONTROLS = (*range(0x20), 0x7F, *range(0x80, 0xA0))
"""C0 controls, DEL and C1 controls: a terminal acts on them (escape sequences, BEL, CR)."""
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
"""Bidirectional embeddings, overrides, isolates and marks: they reorder what follows on
the line, so a value could make a finding read as something else."""
_ESCAPES = {code: f"\\x{code:02x}" for code in _CONTROLS} | {c: f"\\u{c:04x}" for c in _BIDI}


def visible(text: str) -> str:
    """``text`` safe to show as one line in a terminal: every control character (C0, DEL,
    C1: line feed and tab too) and bidirectional control written as a visible escape
    (``\\x1b``, ``\\u202e``), so a value cannot set the title, clear the screen, add or
    overwrite a line, or reorder it. JSON output never goes through here (``json.dumps``
    escapes controls itself)."""
    return text.translate(_ESCAPES)


def short_value(value: Any) -> str | int | float | bool | None:
    """A JSON scalar that stands for ``value`` in a finding (containers become short JSON)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = clean_text(text)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def escape_pointer_token(token: object) -> str:
    """One RFC 6901 reference token."""
    text = str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def pointer_of(path: tuple[object, ...] | list[object]) -> str:
    """The JSON Pointer of a path of keys and indices (``('events', 0)`` -> ``/events/0``)."""
    joined = "/".join(map(str, path))
    if "~" not in joined and joined.count("/") == len(path) - 1:  # nothing to escape
        return "/" + joined
    return "".join(["/" + escape_pointer_token(p) for p in path])


def field_of(pointer: str) -> str:
    """The pointer without array indices.

    ``/events/0/location/latitude`` -> ``/events/location/latitude``
    """
    return "".join("/" + t for t in pointer.split("/")[1:] if not t.isdigit())


@dataclass(frozen=True)
class Finding:
    """A problem found in a file: which rule, how bad, where, and how to fix it.

    ``line`` and ``column`` are 1-based (None when the place has no line, such as a
    missing file); ``pointer`` is the JSON Pointer with indices, ``field`` the same
    without indices (for counting), ``value`` the offending value as a short scalar.
    """

    code: str
    severity: Severity
    message: str
    hint: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None
    pointer: str = ""
    field: str = field(default="")
    value: str | int | float | bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape: code, severity, message, hint, file, line, column,
        pointer, field, value."""
        return asdict(self)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


DEFAULT_MAX_SAMPLES = 20
"""Findings shown per code and file by default (all of them are counted)."""

SUMMARY_HINT = "Fix the ones shown, then validate again to see the next ones."
"""The hint of a summary finding (the count of a code beyond the ones shown)."""


def is_summary(finding: Finding) -> bool:
    """True for a summary finding: the exact count of a code beyond the samples shown."""
    return finding.hint == SUMMARY_HINT and isinstance(finding.value, int)


def totals(findings: Iterable[Finding]) -> Counter[tuple[str, Severity]]:
    """Exact counts per (code, severity): a summary finding stands for its whole count."""
    shown: Counter[tuple[str, str, Severity]] = Counter()
    summarised: dict[tuple[str, str, Severity], int] = {}
    for f in findings:
        key = (f.file or "", f.code, f.severity)
        if is_summary(f):
            summarised[key] = summarised.get(key, 0) + f.value
        else:
            shown[key] += 1
    out: Counter[tuple[str, Severity]] = Counter()
    for key in shown.keys() | summarised.keys():
        out[key[1], key[2]] += summarised.get(key, shown[key])
    return out


class Sampler:
    """Caps findings per (file, code), counting every one exactly.

    Callers ask :meth:`wants` before building a finding (building costs more than
    counting), and hand the ones wanted to :meth:`keep`. :meth:`summaries` gives one
    finding per (file, code) whose count exceeds what was shown, with the exact count as
    its ``value``.
    """

    def __init__(self, max_samples: int = DEFAULT_MAX_SAMPLES) -> None:
        self.max_samples = max_samples
        self.counts: dict[tuple[str, str], int] = {}
        self.kept: list[Finding] = []

    def room(self, file: str, code: str, count: int = 1) -> int:
        """Count ``count`` findings of ``code`` in ``file``; return how many of them (the
        first ones) are to be shown."""
        key = (file, code)
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + count
        return max(0, min(count, self.max_samples - seen))

    def wants(self, file: str, code: str) -> bool:
        """Count one finding of ``code`` in ``file``; true when it is to be shown."""
        return self.room(file, code) > 0

    def keep(self, finding: Finding) -> None:
        """Show ``finding`` (after :meth:`wants` said so)."""
        self.kept.append(finding)

    def add(self, finding: Finding) -> None:
        """Count ``finding`` and show it if there is room."""
        if self.wants(finding.file, finding.code):
            self.kept.append(finding)

    def summaries(self, severity: Mapping[str, Severity]) -> list[Finding]:
        """One finding per (file, code) with more findings than shown; ``severity`` gives
        each code's severity (error when it does not say)."""
        out = []
        for (file, code), count in self.counts.items():
            shown = min(count, self.max_samples)
            if count > shown:
                out.append(
                    Finding(
                        code=code,
                        severity=severity.get(code, "error"),
                        message=f"{count} finding(s) of this code in the file in all "
                        f"({shown} shown; at most {self.max_samples} per code and file)",
                        hint=SUMMARY_HINT,
                        file=file,
                        value=count,
                    )
                )
        return out

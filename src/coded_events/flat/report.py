"""What a flat validation found: the report, and the tally of counts and samples per code."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from coded_events.findings import SUMMARY_HINT, Finding
from coded_events.spec.catalogue import CATALOGUE


@dataclass
class FlatReport:
    """What the flat validator found: sample findings plus one summary per code and file
    where more rows broke the rule than were shown, exact counts per code, rows read."""

    findings: list[Finding] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    rows_with_errors: Counter = field(default_factory=Counter)


class Tally:
    """Counts and samples of one run: exact counts per code, at most ``max_samples``
    findings per code, and per file, table and code the rows counted and the samples shown
    (from which :meth:`summaries` adds one summary finding where more rows broke a rule
    than were shown)."""

    def __init__(self, max_samples: int) -> None:
        self.max_samples = max_samples
        self.report = FlatReport()
        self.samples: dict[str, int] = Counter()
        self.file_counts: Counter = Counter()  # (file, table, code) -> rows
        self.shown: Counter = Counter()  # (file, table, code) -> samples shown

    def _add(self, finding: Finding, table: str, count: int = 1) -> None:
        self.report.counts[finding.code] += count
        self.file_counts[(finding.file, table, finding.code)] += count
        if self.samples[finding.code] < self.max_samples:
            self.samples[finding.code] += 1
            self.shown[(finding.file, table, finding.code)] += 1
            self.report.findings.append(finding)

    def summaries(self) -> None:
        """One summary finding per file, table and code with more rows than samples."""
        for (file, table, code), count in sorted(self.file_counts.items()):
            shown = self.shown[(file, table, code)]
            if count > shown:
                check = CATALOGUE[code]
                self.report.findings.append(
                    Finding(
                        code=code,
                        severity=check.severity,
                        message=f"{count} row(s) of table {table} in all break this rule "
                        f"({shown} shown; at most {self.max_samples} samples per code)",
                        hint=SUMMARY_HINT,
                        file=file,
                        pointer=f"/{table}",
                        field=f"/{table}",
                        value=count,
                    )
                )

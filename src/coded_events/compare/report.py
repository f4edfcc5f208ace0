"""The comparison as a JSON-ready dict (``--format json``) and as text lines.

The dict is the one shape every output is written from: the text report and the HTML
report read it, never the :class:`~coded_events.compare.run.Comparison` itself.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from coded_events.compare.rows import Row
from coded_events.compare.run import CONFUSION_LEVEL, Comparison
from coded_events.findings import visible

DEFAULT_BEST = 3
"""How many candidate rows each reference event lists."""
SAMPLE = 20
"""How many unmatched candidate rows the report lists (all are counted)."""
AGREEMENT_NAMES = {3: "code", 2: "root", 1: "quadclass", 0: "none"}
ROLE_ORDER = {"matched": 0, "duplicate": 1, "imprecise": 2, "statement": 3, "unmatched": 4}
ROLE_TEXT = {
    "matched": "matched to",
    "duplicate": "duplicate of",
    "imprecise": "imprecise, wide of",
    "statement": "statement on",
}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _event(row: Row) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "date": row.date_text,
        "source_actor": row.source_code,
        "target_actor": row.target_code,
        "code": row.code,
        "root_code": row.root,
        "quad_class": row.quad,
        "location_country": row.location,
    }


def _candidate(c: Comparison, j: int, score: tuple[float, ...] | None) -> dict[str, Any]:
    row = c.cands[j]
    role, ref = c.role(j)
    out = _event(row)
    out.update(
        producer=row.producer,
        producer_version=row.producer_version,
        producer_event_id=row.producer_event_id,
        url=row.url,
        role=role,
        reference_event=c.refs[ref].event_id if ref is not None else None,
    )
    if score is not None:
        out["fit"] = {
            "agreement": AGREEMENT_NAMES[int(score[0])],
            "direction": "as coded" if score[1] else "reversed",
            "days_apart": int(-score[2]),
            "same_place": bool(score[3]),
        }
    return out


def _recall(c: Comparison) -> dict[str, Any]:
    n = len(c.refs)
    return {
        level: {"found": len(m.pairs), "of": n, "recall": _share(len(m.pairs), n)}
        for level, m in c.by_level.items()
    }


def _candidate_rows(c: Comparison) -> dict[str, Any]:
    roles = Counter(c.role(j)[0] for j in range(len(c.cands)))
    counts = {role: roles.get(role, 0) for role in ROLE_ORDER}
    judged = len(c.cands) - counts["statement"] - counts["imprecise"]
    return {
        "total": c.candidate_total,
        "in_scope": len(c.cands),
        **counts,
        "share_matching": _share(counts["matched"] + counts["duplicate"], judged),
    }


def confusion(c: Comparison) -> dict[str, dict[str, int]]:
    """Reference root code -> candidate root code -> matched pairs (QuadClass matching)."""
    table: dict[str, dict[str, int]] = {}
    for pair in c.by_level[CONFUSION_LEVEL].pairs:
        ref, cand = c.refs[pair.left].root, c.cands[pair.right].root
        row = table.setdefault(ref, {})
        row[cand] = row.get(cand, 0) + 1
    return {ref: dict(sorted(row.items())) for ref, row in sorted(table.items())}


def _per_event(c: Comparison, best: int) -> list[dict[str, Any]]:
    found = {level: {p.left for p in m.pairs} for level, m in c.by_level.items()}
    by_ref: dict[int, list[tuple[int, tuple[float, ...]]]] = {}
    for (i, j), score in c.fits.by_pair.items():
        by_ref.setdefault(i, []).append((j, score))
    out = []
    for i, ref in enumerate(c.refs):

        def order(item: tuple[int, tuple[float, ...]], i: int = i) -> tuple[Any, ...]:
            j, score = item
            role, owner = c.role(j)
            mine = 0 if owner == i else 1
            rank = ROLE_ORDER[role] if owner == i else len(ROLE_ORDER)
            return (mine, rank, tuple(-s for s in score), c.cands[j].sort_key())

        ranked = sorted(by_ref.get(i, []), key=order)
        entry = _event(ref)
        entry["found"] = {level: i in found[level] for level in c.by_level}
        entry["candidates"] = len(ranked)
        entry["best"] = [_candidate(c, j, score) for j, score in ranked[:best]]
        out.append(entry)
    return out


def _sample(c: Comparison, role: str) -> list[dict[str, Any]]:
    rows = [j for j in range(len(c.cands)) if c.role(j)[0] == role]
    return [_candidate(c, j, c.fits.by_pair.get((c.role(j)[1], j))) for j in rows[:SAMPLE]]


def report(c: Comparison, best: int = DEFAULT_BEST) -> dict[str, Any]:
    """The whole report as plain data (JSON-ready, in a fixed key order)."""
    return {
        "reference": {"dataset": c.reference_name, "events": len(c.refs)},
        "candidate": {"dataset": c.candidate_name, "rows": c.candidate_total},
        "options": {
            "level": c.level,
            "window_days": c.options.window,
            "undirected": c.options.undirected,
        },
        "scope": c.scope.as_dict(),
        "recall": _recall(c),
        "candidate_rows": _candidate_rows(c),
        "confusion": {"level": CONFUSION_LEVEL, "root_codes": confusion(c)},
        "events": _per_event(c, best),
        "imprecise": _sample(c, "imprecise"),
        "statements": _sample(c, "statement"),
        "unmatched": _sample(c, "unmatched"),
    }


# --- text -----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _row_line(row: dict[str, Any]) -> str:
    who = row["event_id"]
    if row["producer"]:
        who = f"{row['producer']} {row['producer_event_id']} ({row['event_id']})"
    target = f" -> {row['target_actor']}" if row["target_actor"] else ""
    fit = row.get("fit")
    how = f" [{fit['agreement']}, {fit['direction']}, {fit['days_apart']} d]" if fit else ""
    url = f" {row['url']}" if row["url"] else ""
    owner = row["reference_event"]
    role = f"{ROLE_TEXT[row['role']]} {owner}" if owner else row["role"]
    return (
        f"      {role}: {who} {row['date']} {row['source_actor']}{target} {row['code']}{how}{url}"
    )


def _confusion_lines(table: dict[str, dict[str, int]]) -> list[str]:
    if not table:
        return ["  (no matched pairs)"]
    columns = sorted({cand for row in table.values() for cand in row})
    lines = ["  ref\\cand " + " ".join(f"{c:>4}" for c in columns)]
    for ref, row in table.items():
        lines.append(f"  {ref:>8} " + " ".join(f"{row.get(c, 0) or '.':>4}" for c in columns))
    return lines


def text_report(data: dict[str, Any]) -> list[str]:
    """The report as lines of text. Values come from the datasets (a candidate's ids,
    codes, URLs): control characters in them are shown as escapes (``\\x1b``), never sent
    to the terminal, and cannot break a line."""
    ref, cand, scope = data["reference"], data["candidate"], data["scope"]
    rows = data["candidate_rows"]
    options = data["options"]
    lines = [
        f"reference: {ref['dataset']} ({ref['events']} events)",
        f"candidate: {cand['dataset']} ({cand['rows']} rows; {rows['in_scope']} in scope: "
        f"{scope['from']} to {scope['to']}, {', '.join(scope['countries'])})",
        f"matching: level {options['level']}, window {options['window_days']} days, "
        f"{'undirected' if options['undirected'] else 'directed'} dyads",
        "",
        "recall of the reference:",
    ]
    for level, r in data["recall"].items():
        lines.append(f"  {level:<10} {r['found']:>5} of {r['of']:<5} {_pct(r['recall'])}")
    lines += [
        "",
        f"candidate rows in scope: {rows['in_scope']}",
        f"  matched one to one {rows['matched']}",
        f"  duplicates         {rows['duplicate']}",
        f"  imprecise          {rows['imprecise']} "
        "(dates wider than the reach; left out of the share)",
        f"  statements         {rows['statement']} (bare confirmations; left out of the share)",
        f"  unmatched          {rows['unmatched']}",
        f"  share matching a reference event: {_pct(rows['share_matching'])}",
        "",
        f"root codes of matched pairs (matched at {data['confusion']['level']}):",
        *_confusion_lines(data["confusion"]["root_codes"]),
        "",
        "reference events:",
    ]
    for event in data["events"]:
        levels = [level for level, hit in event["found"].items() if hit]
        status = "found at " + ", ".join(levels) if levels else "missed"
        target = f" -> {event['target_actor']}" if event["target_actor"] else ""
        lines.append(
            f"  {event['event_id']} {event['date']} {event['source_actor']}{target} "
            f"{event['code']}: {status}; candidate rows agreeing on actors and dates: "
            f"{event['candidates']}"
        )
        lines += [_row_line(row) for row in event["best"]]
    return [visible(line) for line in lines]

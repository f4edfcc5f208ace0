"""The HTML report of a comparison: a folder with ``index.html`` and its assets.

Built on the explorer's page machinery: the report data and the chart's Vega-Lite spec are
inlined with :func:`coded_events.explore.page.script_json` (a browser refuses ``fetch``
from ``file://``), and the vendored Vega and Vega-Lite builds, their licences and the
explorer's style sheet are copied beside the page (``explore.PACKAGED``). The figures and
tables are written in the HTML itself; ``static/compare.js`` only draws the chart. Same
report, same bytes.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from coded_events import safe_files

CHART_ID = "timeline"
STATUS_DOMAIN = ["found", "missed"]
STATUS_COLOURS = ["#59a14f", "#e15759"]
EXPLORER_ASSETS = (
    "assets/vega.min.js",
    "assets/vega-lite.min.js",
    "assets/LICENSE-vega",
    "assets/LICENSE-vega-lite",
    "assets/VENDORED.md",
    "assets/explorer.css",
)
OWN_ASSETS = {"assets/compare.js": "static/compare.js", "assets/compare.css": "static/compare.css"}


def chart_data(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One point per reference event: its first day and whether the candidate found it."""
    level = report["options"]["level"]
    return [
        {
            "date": e["date"].split("/")[0],
            "status": "found" if e["found"][level] else "missed",
            "event": e["event_id"],
        }
        for e in report["events"]
    ]


def chart_spec(report: dict[str, Any]) -> dict[str, Any]:
    """Reference events per month, found and missed at the chosen level (stacked bars)."""
    from coded_events.explore.specs import SCHEMA

    level = report["options"]["level"]
    return {
        "$schema": SCHEMA,
        "title": {
            "text": f"Reference events by month: found or missed (level {level})",
            "anchor": "start",
            "fontSize": 14,
        },
        "width": "container",
        "height": 220,
        "background": "white",
        "data": {"values": chart_data(report)},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {
                "field": "date",
                "type": "temporal",
                "timeUnit": "utcyearmonth",
                "title": None,
                "axis": {"format": "%b %Y", "labelOverlap": True},
            },
            "y": {"aggregate": "count", "type": "quantitative", "title": "events"},
            "color": {
                "field": "status",
                "type": "nominal",
                "title": None,
                "scale": {"domain": STATUS_DOMAIN, "range": STATUS_COLOURS},
            },
            "order": {"field": "status", "sort": "ascending"},
        },
        "config": {"view": {"stroke": None}, "legend": {"orient": "bottom"}},
    }


def _cell(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _link(url: str | None) -> str:
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(url)}</a>'
    return escape(url)


def _figures(report: dict[str, Any]) -> str:
    rows = report["candidate_rows"]
    recall = "".join(
        f"<tr><th>recall at {escape(level)}</th><td>{r['found']} of {r['of']}</td>"
        f"<td>{_pct(r['recall'])}</td></tr>"
        for level, r in report["recall"].items()
    )
    counts = [
        ("candidate rows", rows["total"]),
        ("in scope", rows["in_scope"]),
        ("matched one to one", rows["matched"]),
        ("duplicates", rows["duplicate"]),
        ("imprecise (dates wider than the reach; left out of the share)", rows["imprecise"]),
        ("statements (left out of the share)", rows["statement"]),
        ("unmatched", rows["unmatched"]),
    ]
    count_rows = "".join(f"<tr><th>{escape(n)}</th><td>{v}</td><td></td></tr>" for n, v in counts)
    share = (
        f"<tr><th>share matching a reference event</th><td></td>"
        f"<td>{_pct(rows['share_matching'])}</td></tr>"
    )
    return f'<table class="figures">{recall}{count_rows}{share}</table>'


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _confusion(report: dict[str, Any]) -> str:
    table = report["confusion"]["root_codes"]
    if not table:
        return "<p>No matched pairs.</p>"
    columns = sorted({c for row in table.values() for c in row})
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th>{escape(ref)}</th>"
        + "".join(f"<td>{row.get(c, '')}</td>" for c in columns)
        + "</tr>"
        for ref, row in table.items()
    )
    return (
        f'<table class="confusion"><thead><tr><th>reference \\ candidate</th>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table>"
    )


def _event_rows(report: dict[str, Any]) -> str:
    out = []
    for event in report["events"]:
        found = [level for level, hit in event["found"].items() if hit]
        status = ", ".join(found) if found else "missed"
        best = "".join(
            f"<li>{_cell(r['role'])} {_cell(r['reference_event'])}: "
            f"{_cell(r['producer'])} {_cell(r['producer_event_id'] or r['event_id'])} "
            f"{_cell(r['date'])} {_cell(r['source_actor'])} &rarr; {_cell(r['target_actor'])} "
            f"{_cell(r['code'])} {_link(r['url'])}</li>"
            for r in event["best"]
        )
        out.append(
            f"<tr><td>{_cell(event['event_id'])}</td><td>{_cell(event['date'])}</td>"
            f"<td>{_cell(event['source_actor'])}</td><td>{_cell(event['code'])}</td>"
            f"<td>{_cell(event['target_actor'])}</td><td>{escape(status)}</td>"
            f"<td><ul>{best}</ul></td></tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Event", "Date", "Source", "Action", "Target", "Found at", "Best candidate rows")
    )
    return (
        f'<table id="events-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(out)}</tbody></table>"
    )


def page(report: dict[str, Any]) -> str:
    """The whole ``index.html``."""
    from coded_events.explore.page import script_json

    ref, cand, scope = report["reference"], report["candidate"], report["scope"]
    options = report["options"]
    title = f"{ref['dataset']} compared with {cand['dataset']}"
    dyads = "undirected" if options["undirected"] else "directed"
    body = f"""
<header><h1>{escape(title)}</h1>
<dl class="meta"><dt>Reference</dt><dd>{escape(ref["dataset"])}, {ref["events"]} events</dd>
<dt>Candidate</dt><dd>{escape(cand["dataset"])}, {cand["rows"]} rows</dd>
<dt>Scope</dt><dd>{escape(scope["from"])} to {escape(scope["to"])};
{escape(", ".join(scope["countries"]))}</dd>
<dt>Matching</dt><dd>level {escape(options["level"])}, window {options["window_days"]} days,
{dyads} dyads</dd></dl></header>
<main>
<section class="view">{_figures(report)}</section>
<section class="view wide"><div id="{CHART_ID}" class="chart"></div></section>
<section class="view"><h2>Root codes of matched pairs (matched at
{escape(report["confusion"]["level"])})</h2>{_confusion(report)}</section>
<section class="view"><h2>Reference events</h2>{_event_rows(report)}</section>
<div id="error" hidden></div>
</main>
<script type="application/json" id="compare-spec">{script_json(chart_spec(report))}</script>
<script src="assets/vega.min.js"></script>
<script src="assets/vega-lite.min.js"></script>
<script src="assets/compare.js"></script>
"""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="stylesheet" href="assets/explorer.css">\n'
        '<link rel="stylesheet" href="assets/compare.css">\n'
        f"</head>\n<body>{body}</body>\n</html>\n"
    )


def write_report(report: dict[str, Any], out: Path) -> list[str]:
    """Write the report's ``index.html`` and assets into the folder ``out``; the files."""
    from coded_events.explore import PACKAGED

    explore_files = resources.files("coded_events.explore")
    own_files = resources.files(__package__)
    files: dict[str, bytes] = {"index.html": page(report).encode("utf-8")}
    for target in EXPLORER_ASSETS:
        files[target] = explore_files.joinpath(PACKAGED[target]).read_bytes()
    for target, source in OWN_ASSETS.items():
        files[target] = own_files.joinpath(source).read_bytes()
    out = Path(out)
    for name, content in sorted(files.items()):
        target = out / name
        safe_files.make_dirs(target.parent, out)
        safe_files.write_atomic(target, content, out)
    return sorted(files)

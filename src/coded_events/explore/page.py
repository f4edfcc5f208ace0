"""The explorer's HTML page: the header written here, the views drawn by static/explorer.js.

The data and the chart specs are inlined as JSON script elements (a browser refuses
``fetch`` from ``file://``); scripts and styles are files beside the page, loaded with
``<script src>``, which ``file://`` allows.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

WEB_SCHEMES = ("http://", "https://")
GENERATOR = "coded-events explore"
"""The page's generator meta tag: how ``--out`` recognises an earlier site to replace."""
ASSETS = ("vega.min.js", "vega-lite.min.js", "explorer.js", "explorer.css")
FILTERS = (
    ("from", "From", '<input type="date" name="from">'),
    ("to", "To", '<input type="date" name="to">'),
    ("quad", "QuadClass", '<select name="quad"><option value="">all</option></select>'),
    ("root", "Root code", '<select name="root"><option value="">all</option></select>'),
    ("actor", "Actor", '<select name="actor"><option value="">all</option></select>'),
    ("certainty", "Certainty", '<select name="certainty"><option value="">all</option></select>'),
)


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>`` or ``<!--`` can appear."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def link(url: str, text: str) -> str:
    """``text`` linked to ``url`` when it is an http(s) URL; otherwise plain text (a
    ``javascript:`` or ``data:`` URL in a dataset's metadata never becomes a link)."""
    if url.lower().startswith(WEB_SCHEMES):
        return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(text)}</a>'
    return escape(text if text == url else f"{text} ({url})")


def _licence(licence: dict[str, str]) -> str:
    name, path = licence.get("name") or "", licence.get("path") or ""
    return link(path, name or path) if path else escape(name)


def _meta_rows(meta: dict[str, Any]) -> str:
    licence = ", ".join(_licence(lic) for lic in meta.get("licenses") or [])
    rows = [
        ("Dataset version", escape(str(meta.get("version", "unknown")))),
        ("Schema version", escape(str(meta.get("schema_version", "unknown")))),
        ("Codebook version", escape(str(meta.get("codebook_version", "unknown")))),
        ("Licence", licence or "not stated"),
    ]
    return "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)


def header(meta: dict[str, Any], counts: dict[str, int], downloads: list[str], texts: bool) -> str:
    """The page header: title, versions, licence, citation, row counts, download links."""
    title = escape(str(meta.get("title") or meta.get("name") or "Dataset"))
    parts = [f"<h1>{title}</h1>"]
    if meta.get("description"):
        parts.append(f'<p class="description">{escape(str(meta["description"]))}</p>')
    parts.append(f'<dl class="meta">{_meta_rows(meta)}</dl>')
    if meta.get("citation"):
        parts.append(f'<p class="citation"><b>Cite as:</b> {escape(str(meta["citation"]))}</p>')
    if meta.get("licence_note"):
        parts.append(f'<p class="note">{escape(str(meta["licence_note"]))}</p>')
    count_items = "".join(
        f'<li><span class="n" data-table="{escape(t)}">{n}</span> {escape(t)}</li>'
        for t, n in counts.items()
    )
    parts.append(f'<ul class="counts">{count_items}</ul>')
    links = "".join(f'<li><a href="{escape(p)}" download>{escape(p)}</a></li>' for p in downloads)
    parts.append(
        f'<details class="downloads"><summary>Download</summary><ul>{links}</ul></details>'
    )
    if texts:
        parts.append(
            '<p class="warning">This page includes the full source texts '
            "(<code>--with-sources</code>), which belong to their publishers: "
            "for coders and reviewers, not for publishing.</p>"
        )
    return "<header>" + "".join(parts) + "</header>"


def _filters() -> str:
    fields = "".join(f"<label>{label} {control}</label>" for _, label, control in FILTERS)
    return (
        f'<form id="filters">{fields}<button type="reset">Reset</button></form>'
        '<p id="count" aria-live="polite"></p>'
    )


def page(
    meta: dict[str, Any],
    counts: dict[str, int],
    downloads: list[str],
    payload: dict[str, Any],
    specs: dict[str, Any],
) -> str:
    """The whole ``index.html``."""
    title = escape(str(meta.get("title") or meta.get("name") or "Dataset"))
    scripts = "".join(f'<script src="assets/{a}"></script>' for a in ASSETS if a.endswith(".js"))
    body = f"""
{header(meta, counts, downloads, bool(payload.get("texts")))}
<main>
<section class="view wide"><div id="timeline" class="chart"></div></section>
<div class="pair">
<section class="view"><div id="map" class="chart"></div>
<div id="unplaced"><h3>Without coordinates</h3><ul></ul></div></section>
<section class="view"><div id="network" class="chart"></div></section>
</div>
<div class="pair table-and-card">
<section id="events" class="view">
<h2>Events</h2>
{_filters()}
<table id="events-table"><thead></thead><tbody></tbody></table>
<nav id="pager"><button type="button" data-step="-1">Previous</button>
<span id="page-of"></span><button type="button" data-step="1">Next</button></nav>
</section>
<aside id="card" class="view" hidden></aside>
</div>
<div id="error" hidden></div>
</main>
<script type="application/json" id="explorer-data">{script_json(payload)}</script>
<script type="application/json" id="explorer-specs">{script_json(specs)}</script>
{scripts}
"""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{GENERATOR}">\n'
        f"<title>{title}: explorer</title>\n"
        '<link rel="stylesheet" href="assets/explorer.css">\n'
        f"</head>\n<body>{body}</body>\n</html>\n"
    )

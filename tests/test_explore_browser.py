"""The explorer page in a real browser: headless Chromium from the system's packages,
driven by Playwright (``executable_path``), the site opened from ``file://``.

Without Chromium (or Playwright) these tests skip locally and FAIL in CI (``CI=true``):
``.ci/run`` installs it. Screenshots of each view are written to
``$CODED_EVENTS_ARTIFACTS/explore`` (or a pytest temporary folder, printed).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from coded_events.explore import build_site
from tests.test_explore_fixtures import DATASET, PREFIX, generated_release, non_bmp_release

CHROMIUM = Path(os.environ.get("CODED_EVENTS_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EVENTS = pq.read_table(DATASET / "data" / "events.parquet").to_pylist()
EVIDENCE = pq.read_table(DATASET / "data" / "evidence.parquet").to_pylist()
VIEW_COUNTS = "Object.fromEntries(Object.entries(explorer.views).map(([k, v]) => [k, explorer.markCounts(v)]))"  # noqa: E501


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _missing()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run in CI: {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    base = os.environ.get("CODED_EVENTS_ARTIFACTS")
    folder = Path(base) / "explore" if base else tmp_path_factory.mktemp("explore-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"explorer screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site(DATASET, tmp_path_factory.mktemp("site") / "site").folder


class Page:
    """A page opened from file://, recording console errors, warnings and any request
    that is not for a local file."""

    def __init__(self, browser: Any, site: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("request", self._request)
        self.page.goto((site / "index.html").as_uri())
        self.page.wait_for_function("document.documentElement.dataset.ready", timeout=15_000)
        assert self.page.evaluate("document.documentElement.dataset.ready") == "true"

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _request(self, request: Any) -> None:
        if not request.url.startswith(("file://", "data:", "blob:")):
            self.problems.append(f"network request: {request.url}")

    def eval(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def count(self) -> int:
        return int(self.page.get_attribute("#count", "data-count"))

    def close(self) -> None:
        problems = self.problems
        self.page.close()
        assert problems == [], problems


@pytest.fixture
def opened(browser: Any) -> Iterator[Any]:
    pages: list[Page] = []

    def open_page(folder: Path) -> Page:
        pages.append(Page(browser, folder))
        return pages[-1]

    yield open_page
    for page in pages:
        page.close()


def test_every_view_draws_one_mark_per_event_and_actor(opened, site: Path, shots: Path) -> None:
    page = opened(site)
    counts = page.eval(VIEW_COUNTS)
    timeline = counts["timeline"]
    assert timeline["timeline_ranges_marks"] + timeline["timeline_days_marks"] == len(EVENTS)
    single_days = sum(e["date_start"] == e["date_end"] for e in EVENTS)
    assert timeline["timeline_days_marks"] == single_days
    placed = [e for e in EVENTS if e["latitude"] is not None and e["longitude"] is not None]
    assert counts["map"]["map_events_marks"] == len(placed)
    assert counts["map"]["map_countries_marks"] > 100
    unplaced = page.eval("[...document.querySelectorAll('#unplaced a')].map(a => a.textContent)")
    assert sorted(unplaced) == sorted(e["event_id"] for e in EVENTS if e not in placed)
    actors = {e["source_actor_code"] for e in EVENTS} | {e["target_actor_code"] for e in EVENTS}
    actors.discard(None)
    drawn = page.eval("explorer.views.network.data('actors').map(a => a.code)")
    assert sorted(drawn) == sorted(actors)
    assert counts["network"]["network_nodes_marks"] == len(actors)
    assert counts["network"]["network_labels_marks"] == len(actors)
    pairs = {(e["source_actor_code"], e["target_actor_code"], e["quad_class"]) for e in EVENTS}
    edges = {p for p in pairs if p[1] is not None}
    assert counts["network"]["network_edges_marks"] == len(edges)
    widths = page.eval("explorer.views.network.data('edges').map(e => e.count)")
    assert sum(widths) == sum(1 for e in EVENTS if e["target_actor_code"])
    assert page.count() == len(EVENTS)
    assert page.eval("document.querySelectorAll('#events-table tbody tr').length") == len(EVENTS)
    page.page.screenshot(path=str(shots / "page.png"), full_page=True)
    for view in ("timeline", "map", "network"):
        page.page.locator(f"#{view}").screenshot(path=str(shots / f"{view}.png"))
    page.page.locator("#events").screenshot(path=str(shots / "table.png"))


def test_a_table_row_opens_its_card_with_quotes_and_highlights_it_everywhere(
    opened, site: Path, shots: Path
) -> None:
    page = opened(site)
    event_id = "sc-0001"
    page.page.click(f"#events-table tbody tr[data-id='{event_id}']")
    page.page.wait_for_selector(f"#card[data-event='{event_id}']:not([hidden])")
    quotes = page.eval(
        "[...document.querySelectorAll('#card blockquote')].map(b => b.firstChild.textContent)"
    )
    assert quotes == [q["quote"] for q in EVIDENCE if q["event_id"] == event_id]
    card = page.page.inner_text("#card")
    event = next(e for e in EVENTS if e["event_id"] == event_id)
    for value in (event["cameo_code"], event["cameo_label"], event["source_actor_code"],
                  event["certainty"], event["status"], event["geo_precision"]):  # fmt: skip
        assert value in card, value
    assert page.eval("document.querySelector('#events-table tr.selected').dataset.id") == event_id
    signals = page.eval("Object.values(explorer.views).map(v => v.signal('selected_id'))")
    assert signals == [event_id] * 3
    page.page.locator("#card").screenshot(path=str(shots / "card.png"))
    # a link in the card opens the linked event
    target = page.eval("document.querySelector('#card a[data-event]').dataset.event")
    page.page.click(f"#card a[data-event='{target}']")
    page.page.wait_for_selector(f"#card[data-event='{target}']")


def test_filters_change_the_counts_in_the_table_and_the_views(opened, site: Path) -> None:
    page = opened(site)
    quad4 = [e for e in EVENTS if e["quad_class"] == 4]
    page.page.select_option("#filters select[name=quad]", "4")
    page.page.wait_for_function(f"document.querySelector('#count').dataset.count == {len(quad4)}")
    counts = page.eval(VIEW_COUNTS)
    timeline = counts["timeline"]
    assert timeline["timeline_ranges_marks"] + timeline["timeline_days_marks"] == len(quad4)
    placed = [e for e in quad4 if e["latitude"] is not None]
    assert counts["map"]["map_events_marks"] == len(placed)
    page.page.select_option("#filters select[name=certainty]", "confirmed")
    both = [e for e in quad4 if e["certainty"] == "confirmed"]
    page.page.wait_for_function(f"document.querySelector('#count').dataset.count == {len(both)}")
    page.page.click("#filters button[type=reset]")
    page.page.wait_for_function(f"document.querySelector('#count').dataset.count == {len(EVENTS)}")
    page.page.fill("#filters input[name=from]", "2024-01-01")
    page.page.dispatch_event("#filters input[name=from]", "change")
    recent = [e for e in EVENTS if e["date_end"].isoformat() >= "2024-01-01"]
    page.page.wait_for_function(f"document.querySelector('#count').dataset.count == {len(recent)}")
    actor = Counter(e["source_actor_code"] for e in EVENTS).most_common(1)[0][0]
    page.page.click("#filters button[type=reset]")
    page.page.select_option("#filters select[name=actor]", actor)
    involved = [e for e in EVENTS if actor in (e["source_actor_code"], e["target_actor_code"])]
    page.page.wait_for_function(
        f"document.querySelector('#count').dataset.count == {len(involved)}"
    )
    nodes = page.eval("explorer.markCounts(explorer.views.network).network_nodes_marks")
    assert 1 < nodes < len(page.eval("explorer.views.network.data('actors')")) + 1


def test_the_table_sorts_and_pages(opened, tmp_path: Path) -> None:
    release = generated_release(tmp_path / "gen", n=60)
    page = opened(build_site(release, tmp_path / "site").folder)
    rows = "[...document.querySelectorAll('#events-table tbody tr')].map(r => r.dataset.id)"
    first = page.eval(rows)
    assert len(first) == 25 and page.page.inner_text("#page-of") == "page 1 of 3"
    page.page.click("#pager button[data-step='1']")
    page.page.click("#pager button[data-step='1']")
    assert len(page.eval(rows)) == 10 and page.page.inner_text("#page-of") == "page 3 of 3"
    page.page.click("#events-table th[data-key=id]")
    page.page.click("#events-table th[data-key=id]")
    ids = page.eval(rows)
    assert ids[0] == "gen-00059" and ids == sorted(ids, reverse=True)
    page.eval("explorer.select('gen-00001')")  # a selection off the page turns to its page
    page.page.wait_for_selector("#events-table tr.selected[data-id='gen-00001']")


def test_with_sources_every_quote_is_highlighted_at_its_offsets(
    opened, tmp_path: Path, shots: Path
) -> None:
    folder = non_bmp_release(tmp_path / "nb")
    page = opened(build_site(folder, tmp_path / "site", with_sources=True).folder)
    assert page.eval("explorer.cpToUtf16('a\U0001d538b', 2)") == 3
    assert page.eval("explorer.cpToUtf16('\U0001d538\U0001d539 x', 3)") == 5
    evidence = pq.read_table(folder / "data" / "evidence.parquet").to_pylist()
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (folder / "sources").glob("*.txt")}
    assert all(text.startswith(PREFIX) for text in texts.values())
    # each <mark>: its text, its code-point offsets, and the UTF-16 index where it sits
    marks = """() => [...document.querySelectorAll('#card pre.article mark')].map(m => {
        const range = document.createRange();
        range.setStart(m.parentNode, 0);
        range.setEndBefore(m);
        return [Number(m.dataset.start), Number(m.dataset.end), m.textContent,
                range.toString().length];
    })"""
    for event in EVENTS:
        page.eval("id => explorer.select(id)", event["event_id"])
        page.page.wait_for_selector(f"#card[data-event='{event['event_id']}']")
        expected = sorted(
            (q["char_start"], q["char_end"], q["quote"],
             len(texts[q["source_id"]][: q["char_start"]].encode("utf-16-le")) // 2)
            for q in evidence if q["event_id"] == event["event_id"]
        )  # fmt: skip
        assert sorted(map(tuple, page.eval(marks))) == expected, event["event_id"]
    page.page.locator("#card").screenshot(path=str(shots / "card-with-source.png"))


def test_a_click_on_a_map_mark_opens_its_card(opened, site: Path) -> None:
    page = opened(site)
    page.page.locator("#map").scroll_into_view_if_needed()
    point = page.eval("""() => {
        const view = explorer.views.map;
        let found = null;
        (function walk(mark) {
            if (mark.name === 'map_events_marks' && mark.items.length) found = mark.items[0];
            for (const item of mark.items || []) (item.items || []).forEach(walk);
        })(view.scenegraph().root);
        const box = document.querySelector('#map canvas').getBoundingClientRect();
        const [ox, oy] = view.origin();
        return {id: found.datum.id, x: box.left + ox + found.x, y: box.top + oy + found.y};
    }""")
    page.page.mouse.click(point["x"], point["y"])
    page.page.wait_for_selector("#card:not([hidden])", timeout=5_000)
    assert page.eval("document.querySelector('#card').dataset.event")

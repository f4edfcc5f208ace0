"""The compare HTML report in a real browser (headless system Chromium through Playwright,
as the explorer's browser tests): opened from file://, the chart draws one bar segment per
month and status, with no console errors and no network requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coded_events.compare import compare, report, write_report
from coded_events.compare.html import chart_data
from tests.conftest import ROOT
from tests.test_compare import _events as reference_events
from tests.test_compare import changed, write_copy
from tests.test_explore_browser import Page, browser  # noqa: F401 (the fixture)

DATASET = ROOT / "datasets" / "south-caucasus"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("compare-site")
    candidate = write_copy(base / "changed", changed(reference_events()))
    data = report(compare(DATASET, candidate))
    write_report(data, base / "site")
    return base / "site", data


def test_the_chart_draws_found_and_missed_months(browser: Any, site: tuple) -> None:  # noqa: F811
    folder, data = site
    page = Page(browser, folder)
    bars = page.eval(
        "window.compareView.scenegraph().root.items[0].items"
        ".filter(m => m.marktype === 'rect' && m.name === 'marks')[0].items.length"
    )
    segments = {(p["date"][:7], p["status"]) for p in chart_data(data)}
    assert bars == len(segments)
    assert {status for _, status in segments} == {"found", "missed"}
    assert page.eval("document.querySelectorAll('#events-table tbody tr').length") == 24
    page.close()

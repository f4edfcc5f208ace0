"""How fast the explorer page is ready, opened from disk, for a generated dataset.

    python benchmarks/explore_page.py [--events 10000] [--runs 5]

Builds the site of a generated release (``tests/test_explore_fixtures.py``), then opens
``index.html`` from ``file://`` in headless Chromium (the system's, through Playwright) in a
fresh page each run, and times navigation start -> ``<html data-ready="true">`` (set once
every view has rendered and the table is filled), as the page measures it
(``performance.now()``). Prints a table: build time, page size, each run, the median.
Target: a median under 2 s for 10,000 events.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coded_events.explore import build_site  # noqa: E402
from tests.test_explore_browser import ARGS, CHROMIUM  # noqa: E402
from tests.test_explore_fixtures import generated_release  # noqa: E402

READY = "document.documentElement.dataset.ready"


def measure(site: Path, runs: int) -> list[float]:
    """Seconds from navigation to the ready flag, one per run (a fresh page each time)."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto((site / "index.html").as_uri())
            page.wait_for_function(READY, timeout=60_000)
            assert page.evaluate(READY) == "true", "the page failed"
            times.append(page.evaluate("performance.now()") / 1000)
            page.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        release = generated_release(Path(work) / "release", n=options.events)
        started = time.perf_counter()
        site = build_site(release, Path(work) / "site").folder
        build = time.perf_counter() - started
        size = (site / "index.html").stat().st_size
        times = measure(site, options.runs)
    print("| events | build (s) | index.html (MB) | runs (s) | median ready (s) |")
    print("| ---: | ---: | ---: | --- | ---: |")
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(
        f"| {options.events:,} | {build:.2f} | {size / 1e6:.1f} | {runs} | "
        f"{statistics.median(times):.2f} |"
    )


if __name__ == "__main__":
    main()

"""Benchmark: size, render time and in-browser filter/search latency of the HTML report.

Audits a generated world through the emulator (real collector, real SDK), renders the
HTML report and opens it in Debian's Chromium (/usr/bin/chromium) with Playwright, then
prints the figures. Usage::

    python bench/html_bench.py --users 1500
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from auditor.collector import collect_snapshot
from auditor.collector.credentials import static_credentials
from auditor.demo import emulator_settings
from auditor.emulator import Emulator
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, generate_world
from auditor.pipeline import Options, build_report, prepare
from auditor.render import render_report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1500)
    args = parser.parse_args()

    world = generate_world(args.users, seed=1)
    plan = prepare(Options(formats=("html",), output_dir=Path(tempfile.mkdtemp())))
    with Emulator(world, port=0) as emulator:
        settings = emulator_settings(emulator, requests_per_second=2000,
                                     credential_report_poll_s=0.05)
        snapshot = collect_snapshot(settings, plan.sections,
                                    credentials=static_credentials(AUDITOR_KEY_ID,
                                                                   AUDITOR_KEY_SECRET))
    report = build_report(plan, snapshot)
    started = time.perf_counter()
    [path] = render_report(report, ["html"], plan.options.output_dir)
    render_s = time.perf_counter() - started

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(path.as_uri())
        load_s = time.perf_counter() - started
        filter_ms = page.evaluate("""() => {
            const box = document.querySelector('input[name=status][value=PASS]');
            const t0 = performance.now();
            box.checked = false;
            box.dispatchEvent(new Event('change', {bubbles: true}));
            return performance.now() - t0; }""")
        started = time.perf_counter()
        page.fill("#filter-text", world.users[len(world.users) // 2].name)
        page.wait_for_function(
            "() => !document.getElementById('visible-count').textContent.includes(' of 0')")
        page.wait_for_timeout(200)  # the search input is debounced by 150 ms
        search_s = time.perf_counter() - started
        browser.close()

    print(f"users {args.users:,}  results {len(report.results):,}  "
          f"html {path.stat().st_size / 1e6:.1f} MB  render {render_s:.2f} s  "
          f"page load {load_s:.2f} s  status filter {filter_ms:.0f} ms  "
          f"search incl. 150 ms debounce {search_s:.2f} s")


if __name__ == "__main__":
    main()

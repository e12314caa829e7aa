"""Benchmark: size, render time, open time and filter latency of the HTML report.

Audits a generated world through the emulator (real collector, real SDK), renders the
HTML report and opens it in Debian's Chromium (/usr/bin/chromium) with Playwright, then
prints one line per account size. Usage::

    python bench/html_bench.py --users 1500 10000
    python bench/html_bench.py --report ram-audit-report/report.json   # an existing report

Latencies are measured in the page from the event to the end of the style and layout it
causes (``performance.now()`` around the change, closed by a forced layout); the search
figure leaves out the input's 150 ms debounce.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from auditor.collector import collect_snapshot
from auditor.collector.credentials import static_credentials
from auditor.demo import emulator_settings
from auditor.emulator import Emulator
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, generate_world
from auditor.pipeline import Options, build_report, prepare
from auditor.render import load_report, render_report
from auditor.report import AuditReport

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

_TIMED = """([selector, action, value]) => {
    const form = document.getElementById('filters');
    const node = document.querySelector(selector);
    const t0 = performance.now();
    if (action === 'toggle') { node.checked = !node.checked; }
    else { node.value = value; }
    if (action === 'search') { form.requestSubmit(); }
    else { node.dispatchEvent(new Event('change', {bubbles: true})); }
    document.body.offsetHeight;  // style and layout now, inside the measurement
    return performance.now() - t0; }"""


def audit(users: int) -> AuditReport:
    world = generate_world(users, seed=1)
    plan = prepare(Options(formats=("html",), output_dir=Path(tempfile.mkdtemp())))
    with Emulator(world, port=0) as emulator:
        settings = emulator_settings(emulator, requests_per_second=2000,
                                     credential_report_poll_s=0.05)
        snapshot = collect_snapshot(settings, plan.sections,
                                    credentials=static_credentials(AUDITOR_KEY_ID,
                                                                   AUDITOR_KEY_SECRET))
    return build_report(plan, snapshot)


def timed(page: Page, selector: str, action: str, value: str = "") -> float:
    return float(page.evaluate(_TIMED, [selector, action, value]))


def measure(report: AuditReport, browser_path: str) -> str:
    out = Path(tempfile.mkdtemp())
    started, cpu = time.perf_counter(), time.process_time()
    [path] = render_report(report, ["html"], out)
    render_s, render_cpu = time.perf_counter() - started, time.process_time() - cpu
    name = next((r.resource.name for r in report.results[len(report.results) // 2:]
                 if r.resource.type == "user"), "user")
    users = len({r.resource.id for r in report.results if r.resource.type == "user"})

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(path.as_uri())  # until the load event, the page's script included
        open_s = time.perf_counter() - started
        figures = {
            "PASS on": timed(page, "input[name=status][value=PASS]", "toggle"),
            "PASS off": timed(page, "input[name=status][value=PASS]", "toggle"),
            "severity": timed(page, "#filter-severity", "select", "high"),
            "search": timed(page, "#filter-text", "search", name),
        }
        browser.close()
    filters = "  ".join(f"{k} {v:.0f} ms" for k, v in figures.items())
    return (f"users {users:,}  results {len(report.results):,}  "
            f"html {path.stat().st_size / 1e6:.2f} MB  "
            f"render {render_s:.2f} s ({render_cpu:.2f} s CPU)  "
            f"open {open_s:.2f} s  filters: {filters}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1500, 10_000])
    parser.add_argument("--report", type=Path, help="measure this report.json instead")
    parser.add_argument("--browser", default=CHROMIUM)
    args = parser.parse_args()
    if args.report:
        print(measure(load_report(args.report), args.browser), flush=True)
        return
    for users in args.users:
        print(measure(audit(users), args.browser), flush=True)


if __name__ == "__main__":
    main()

"""The HTML report in a real headless Chromium: filters, search, sorting, no XSS, speed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.render import render_report
from auditor.report import AppliedWaiver, AuditReport

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PAYLOAD = (
    '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    "<svg onload=\"window.__pwned=1\"></svg>'"
)

# CI sets RAM_AUDIT_REQUIRE_BROWSER so that a missing browser fails instead of skipping.
_SKIP_WITHOUT_BROWSER = not CHROMIUM.exists() and not os.environ.get("RAM_AUDIT_REQUIRE_BROWSER")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_SKIP_WITHOUT_BROWSER, reason="/usr/bin/chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_report(browser, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Render a report to HTML, open it; the page records console errors in ``.errors``."""
    pages = []

    def open_(report: AuditReport):  # type: ignore[no-untyped-def]
        (path,) = render_report(report, ["html"], tmp_path / f"r{len(pages)}")
        page = browser.new_page()
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(path.as_uri())
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


def visible_resources(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "tr.result",
        "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.resource)",
    )


def test_loads_without_errors_and_status_filter_hides_rows(
    open_report, incomplete_report: AuditReport
) -> None:
    page = open_report(incomplete_report)
    assert page.is_visible("#filters")  # JS revealed the toolbar
    everything = visible_resources(page)
    assert len(everything) == len(incomplete_report.results)
    page.uncheck("input[name=status][value=PASS]")
    shown = visible_resources(page)
    assert "bob" not in shown and "alice" in shown
    assert len(shown) == len(everything) - 3
    page.select_option("#filter-severity", "critical")
    assert visible_resources(page) == ["acme"]
    assert not page.is_visible("#check-user_console_mfa_bound")  # empty groups hide
    assert "showing 1 of 9" in page.text_content("#visible-count")
    assert page.errors == []


def test_framework_and_waived_filters(open_report, typical_report: AuditReport) -> None:
    page = open_report(typical_report)
    page.select_option("#filter-framework", "cis-alibaba-v1")
    shown = visible_resources(page)
    assert "acme" in shown and all(
        r.resource.name in shown for r in typical_report.results if "cis-alibaba-v1" in r.compliance
    )
    assert len(shown) == sum("cis-alibaba-v1" in r.compliance for r in typical_report.results)
    page.check("#filter-hide-waived")
    assert "break-glass-1" not in visible_resources(page)


def test_free_text_search(open_report, typical_report: AuditReport) -> None:
    page = open_report(typical_report)
    page.fill("#filter-text", "412 days")
    page.wait_for_function(
        "() => document.getElementById('visible-count').textContent.includes('1 of')"
    )
    assert visible_resources(page) == ["legacy-sync"]
    page.fill("#filter-text", "no such thing")
    page.wait_for_selector("#no-match", state="visible")
    assert visible_resources(page) == []
    page.fill("#filter-text", "")
    page.wait_for_selector("#no-match", state="hidden")
    assert len(visible_resources(page)) == len(typical_report.results)


def test_sorting_rows_and_checks(open_report, typical_report: AuditReport) -> None:
    page = open_report(typical_report)
    table = "#check-user_console_mfa_bound"
    rows = f"{table} tr.result"

    def order() -> list[str]:
        return page.eval_on_selector_all(rows, "rs => rs.map(r => r.dataset.resource)")

    assert order()[-1] == "bob"  # default: failures first
    page.click(f"{table} button[data-key=resource]")
    assert order() == ["alice", "bob", "break-glass-1"]
    page.click(f"{table} button[data-key=resource]")
    assert order() == ["break-glass-1", "bob", "alice"]

    def check_order() -> list[str]:
        return page.eval_on_selector_all("#check-list > section", "s => s.map(e => e.dataset.id)")

    page.select_option("#sort-checks", "id")
    assert check_order() == sorted(check_order())
    page.select_option("#sort-checks", "severity")
    assert check_order()[0] == "root_mfa_enabled"
    assert check_order()[-1] == "user_unused_removed"
    assert page.errors == []


def test_injected_markup_never_runs(open_report, kit) -> None:
    waiver = AppliedWaiver(check_id="user_console_mfa_bound", resource=PAYLOAD, reason=PAYLOAD,
                           owner=PAYLOAD, expires=kit.WAIVER.expires)
    results = [
        kit.make_result("user_console_mfa_bound", kit.Status.FAIL, PAYLOAD, resource_id=PAYLOAD,
                        message=PAYLOAD, waiver=waiver),
        kit.make_result("user_console_mfa_bound", kit.Status.UNKNOWN, PAYLOAD + "2",
                        message=PAYLOAD),
    ]
    issue = kit.ISSUE.model_copy(update={"message": PAYLOAD, "code": PAYLOAD,
                                         "permission": PAYLOAD})
    checks = [kit.check_info("user_console_mfa_bound", title=PAYLOAD, rationale=PAYLOAD,
                             remediation=PAYLOAD, remediation_cli=PAYLOAD,
                             params={"x": PAYLOAD})]
    report = kit.make_report(results, checks=checks, issues=[issue], alias=PAYLOAD,
                             caller_arn=PAYLOAD)
    page = open_report(report)
    page.fill("#filter-text", "script")  # exercise the JS paths over the payload text
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.eval_on_selector_all("img, svg", "els => els.length") == 0
    assert PAYLOAD in page.text_content("h1")  # shown as text
    assert page.errors == []


def test_ten_thousand_results_filter_and_search(open_report, kit) -> None:
    """A 10,000-result report stays usable; speed is not asserted here (no timed tests),
    only that filtering and search finish instead of freezing (Playwright's timeout)."""
    checks = ["user_console_mfa_bound", "access_key_rotated", "user_unused_removed"]
    statuses = [kit.Status.FAIL, kit.Status.PASS, kit.Status.PASS, kit.Status.NOT_APPLICABLE]
    results = [
        kit.make_result(checks[i % 3], statuses[i % 4], f"user-{i:05d}",
                        message=f"finding number {i} for user-{i:05d}")
        for i in range(10_000)
    ]
    page = open_report(kit.make_report(results))
    page.uncheck("input[name=status][value=PASS]")
    page.wait_for_function(
        "() => document.getElementById('visible-count').textContent.includes('showing 5000 of')",
        timeout=30_000,
    )
    assert "showing 5000 of 10000" in page.text_content("#visible-count")
    page.fill("#filter-text", "user-04240")
    page.wait_for_function(
        "() => document.getElementById('visible-count').textContent.includes('showing 1 of')",
        timeout=30_000,
    )
    assert visible_resources(page) == ["user-04240"]
    assert page.errors == []

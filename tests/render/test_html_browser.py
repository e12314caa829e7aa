"""The HTML report in a real headless Chromium: filters, search, sorting, paging, URL state,
phone and desktop layout, in-page links, no XSS."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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
PHONE = {"width": 400, "height": 800}
DESKTOP = {"width": 1280, "height": 900}

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

    def open_(report: AuditReport, viewport: dict[str, int] | None = None,  # type: ignore[no-untyped-def]
              query: str = "", javascript: bool = True):
        (path,) = render_report(report, ["html"], tmp_path / f"r{len(pages)}")
        context = browser.new_context(viewport=viewport or DESKTOP, java_script_enabled=javascript)
        page = context.new_page()
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(path.as_uri() + query)
        pages.append(context)
        return page

    yield open_
    for context in pages:
        context.close()


def visible_resources(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Resource names of the result rows on screen, in order."""
    return page.eval_on_selector_all(
        "#check-list tr[class^=st-]",
        "rows => rows.filter(r => r.checkVisibility())"
        ".map(r => (r.cells[1].querySelector('strong') || r.cells[1]).textContent)",
    )


def shown_count(page) -> str:  # type: ignore[no-untyped-def]
    return page.text_content("#visible-count")


def no_horizontal_overflow(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def png_width(png: bytes) -> int:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int(struct.unpack(">I", png[16:20])[0])


def test_failures_shown_passes_counted_and_status_filter(
    open_report, incomplete_report: AuditReport
) -> None:
    page = open_report(incomplete_report)
    assert page.is_visible("#filters")  # JS revealed the toolbar
    failing = [r.resource.name for r in incomplete_report.results
               if r.status.value in ("FAIL", "ERROR", "UNKNOWN")]
    assert sorted(visible_resources(page)) == sorted(failing)  # passes are collapsed
    assert "✓ 1 passed" in page.text_content("#check-user_console_mfa_bound .pass-line")
    page.check("input[name=status][value=PASS]")
    shown = visible_resources(page)
    assert "bob" in shown and len(shown) == len(failing) + 3
    page.select_option("#filter-severity", "critical")
    assert visible_resources(page) == ["acme"]
    assert not page.is_visible("#check-user_console_mfa_bound")  # other severities hide
    assert "showing 1 of 9" in shown_count(page)
    assert page.errors == []


def test_severity_is_a_minimum_and_framework_and_waived_filters(
        open_report, typical_report: AuditReport) -> None:
    page = open_report(typical_report)
    page.check("input[name=status][value=PASS]")
    page.check("input[name=status][value=NOT_APPLICABLE]")
    page.select_option("#filter-severity", "high")
    assert sorted(visible_resources(page)) == ["acme", "alice", "bob", "break-glass-1"]
    page.select_option("#filter-severity", "")
    page.select_option("#filter-framework", "cis-alibaba-v1")
    shown = visible_resources(page)
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
    assert len(visible_resources(page)) == 4  # the failing rows again


def test_passes_of_a_large_check_render_on_demand_and_page(open_report, kit) -> None:
    report = kit.make_report(kit.many_users_results(300))
    page = open_report(report)
    check = "#check-user_console_mfa_bound"
    assert len(page.query_selector_all(f"{check} tr")) == 1 + 30  # header + the 30 failures
    page.click(f"{check} button.show-passes")
    # The passes appear below the failures and their count, one page at a time.
    passes = f"{check} .passes tbody tr"
    assert len(page.query_selector_all(f"{check} tbody tr")) == 30 + 50
    assert len(page.query_selector_all(passes)) == 50
    assert "220 not shown" in page.text_content(f"{check} .passes button.more")
    page.click(f"{check} .passes button.more")
    assert len(page.query_selector_all(passes)) == 250
    assert "20 not shown" in page.text_content(f"{check} .passes button.more")
    assert len(page.query_selector_all(f"{check} tbody tr")) == 30 + 250
    # Rows built from the data look like the server-rendered ones.
    passed = page.eval_on_selector_all(f"{check} tr.st-pass", "rs => rs.map(r => r.textContent)")
    assert "PASSuser-00001 id-user-00001user-00001 has an MFA device bound." in passed
    # Search reaches rows that are only in the data.
    page.click(f"{check} button.show-passes")  # hide them again
    page.check("input[name=status][value=PASS]")
    page.fill("#filter-text", "user-00123")
    page.wait_for_function(
        "() => document.getElementById('visible-count').textContent.includes('showing 3 of')")
    assert visible_resources(page) == ["user-00123"] * 3
    assert page.errors == []


def test_filter_state_lives_in_the_url(open_report, typical_report: AuditReport) -> None:
    page = open_report(typical_report)
    page.check("input[name=status][value=PASS]")
    page.select_option("#filter-severity", "high")
    page.fill("#filter-text", "bob")
    page.wait_for_function("() => location.search.includes('q=bob')")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"status": ["FAIL,ERROR,UNKNOWN,PASS"], "severity": ["high"], "q": ["bob"]}
    # Opening that address restores the filters and applies them.
    again = open_report(typical_report, query="?" + urlsplit(page.url).query)
    assert again.input_value("#filter-text") == "bob"
    assert again.input_value("#filter-severity") == "high"
    assert again.is_checked("input[name=status][value=PASS]")
    assert visible_resources(again) == ["bob"]


def test_sorting_rows_and_checks(open_report, typical_report: AuditReport) -> None:
    page = open_report(typical_report)
    page.check("input[name=status][value=PASS]")
    table = "#check-user_console_mfa_bound"

    def order() -> list[str]:
        return page.eval_on_selector_all(
            f"{table} tbody tr",
            "rs => rs.map(r => r.cells[1].querySelector('strong').textContent)")

    assert order()[-1] == "bob"  # failures first, passes below
    page.click(f"{table} button[data-key=resource]")
    assert order() == ["alice", "break-glass-1", "bob"]
    page.click(f"{table} button[data-key=resource]")
    assert order() == ["break-glass-1", "alice", "bob"]

    def check_order() -> list[str]:
        return page.eval_on_selector_all("#check-list > section", "s => s.map(e => e.dataset.id)")

    page.select_option("#sort-checks", "id")
    assert check_order() == sorted(check_order())
    page.select_option("#sort-checks", "severity")
    assert check_order()[0] == "root_mfa_enabled"
    assert check_order()[-1] == "user_unused_removed"
    assert page.errors == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_layout_fits_the_screen_and_the_toolbar_stays_small(
        open_report, kit, viewport: dict[str, int], tmp_path: Path) -> None:
    report = kit.make_report(
        [*kit.many_users_results(120),
         kit.make_result("user_console_mfa_bound", kit.Status.UNKNOWN, "x" * 80,
                         resource_id="LTAI" + "9" * 60, message="no data for " + "y" * 90)],
        issues=[kit.ISSUE], frameworks=[kit.cis_framework()])
    page = open_report(report, viewport=viewport)
    assert no_horizontal_overflow(page)
    shot = page.screenshot(path=str(tmp_path / "full.png"), full_page=True)
    assert png_width(shot) == viewport["width"]  # a wider page would widen the screenshot
    page.evaluate("document.getElementById('check-list').scrollIntoView()")
    toolbar = page.eval_on_selector("#filters", "e => e.getBoundingClientRect().toJSON()")
    assert toolbar["top"] == 0  # sticky
    assert toolbar["height"] < viewport["height"] / 3
    page.screenshot(path=str(tmp_path / "findings.png"))
    if viewport is PHONE:  # the secondary filters open on demand and still fit
        page.click("#toggle-filters")
        assert page.is_visible("#filter-severity") and no_horizontal_overflow(page)
        page.click("#toggle-filters")
        assert not page.is_visible("#filter-severity")
    assert page.errors == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_in_page_links_land_below_the_sticky_toolbar(
        open_report, kit, viewport: dict[str, int]) -> None:
    page = open_report(kit.make_report(kit.many_users_results(120),
                                       frameworks=[kit.cis_framework()]), viewport=viewport)
    for link, target in (('#top-risks a[href="#check-user_console_mfa_bound"]',
                          "#check-user_console_mfa_bound"),
                         ("#top-risks .risk-resources a >> nth=3", None)):
        href = page.get_attribute(link, "href")
        page.click(link)
        target = target or href
        page.wait_for_function(f"() => location.hash === '{href}'")
        top = page.eval_on_selector(target, "e => e.getBoundingClientRect().top")
        bottom = page.eval_on_selector("#filters", "e => e.getBoundingClientRect().bottom")
        assert bottom <= top < viewport["height"], (target, bottom, top)


def test_a_link_to_a_paged_out_result_brings_it_in(open_report, kit) -> None:
    results = kit.many_users_results(400)  # 100 failing keys: 50 shown, 50 paged out
    report = kit.make_report(results)
    late = [r for r in report.results
            if r.check_id == "access_key_rotated" and r.status is kit.Status.FAIL][-1]
    page = open_report(report, query=f"#r-{late.uid}")  # a row that is only in the data
    assert page.is_visible(f"#r-{late.uid}")
    assert late.message in page.text_content(f"#r-{late.uid}")
    assert page.errors == []


ROW_SHAPE = """tr => {
    const clone = tr.cloneNode(true);
    clone.removeAttribute('id');
    clone.querySelector('strong').textContent = 'NAME';
    clone.querySelector('code').textContent = 'ID';
    clone.cells[2].firstChild.textContent = 'MESSAGE';
    return clone.outerHTML.replace(/>\\s+</g, '><').replace(/\\s+</g, '<'); }"""


def test_failing_rows_from_the_data_look_like_those_in_the_html(open_report, kit) -> None:
    """Rows after the first 50 are built by the script: same markup (status, lifecycle badge,
    age, waiver), same anchor, found by search, as the rows written by the template."""
    waiver = kit.WAIVER
    results = [
        kit.make_result("access_key_rotated", kit.Status.FAIL, f"key-{i:03d}",
                        message=f"Key {i} is old.", waiver=waiver if i % 30 == 7 else None,
                        ).model_copy(update={"lifecycle": "reopened", "age_days": 5})
        for i in range(120)
    ]
    report = kit.make_report(results)
    page = open_report(report)
    rows = "#check-access_key_rotated tbody tr"
    assert len(page.query_selector_all(rows)) == 50
    page.click("#check-access_key_rotated button.more")
    assert len(page.query_selector_all(rows)) == 120
    ordered = list(report.results)  # the page's order: unwaived first, then by name
    ordered.sort(key=lambda r: (r.waived, r.resource.name))
    assert visible_resources(page) == [r.resource.name for r in ordered]
    first, late = ordered[0], ordered[100]  # one from the HTML, one from the data
    waived_first, waived_late = next(r for r in ordered if r.waived), ordered[-1]
    shape = page.eval_on_selector(f"#r-{first.uid}", ROW_SHAPE)
    assert 'class="badge life-reopened"' in shape and "open for 5 day(s)" in shape
    assert page.eval_on_selector(f"#r-{late.uid}", ROW_SHAPE) == shape
    waived_shape = page.eval_on_selector(f"#r-{waived_first.uid}", ROW_SHAPE)
    assert "</span> by<strong>" in waived_shape and waiver.reason in waived_shape
    assert page.eval_on_selector(f"#r-{waived_late.uid}", ROW_SHAPE) == waived_shape
    page.fill("#filter-text", late.resource.name)
    page.wait_for_function("() => document.getElementById('visible-count')"
                           ".textContent.includes('showing 1 of')")
    assert visible_resources(page) == [late.resource.name]
    page.fill("#filter-text", "reopened 5\u00a0d " + waiver.owner)
    page.wait_for_function("() => document.getElementById('visible-count')"
                           ".textContent.includes('showing 4 of')")
    page.check("#filter-hide-waived")
    assert "showing 0 of" in shown_count(page)
    assert page.errors == []


SPLIT_WORDS = """() => {
    const bad = [];
    for (const code of document.querySelectorAll('code.check-id')) {
        for (const node of code.childNodes) {
            if (node.nodeType !== 3) continue;
            let at = 0;
            for (const word of node.textContent.split('_')) {
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + word.length);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (lines.size > 1) bad.push(word);
                at += word.length + 1;
            }
        }
    }
    return bad; }"""


def test_check_ids_wrap_only_between_words_on_a_phone(open_report, kit) -> None:
    page = open_report(kit.make_report(kit.many_users_results(3)),
                       viewport={"width": 320, "height": 700})
    lines = page.eval_on_selector(
        "#check-security_preference_users_cannot_manage_keys code.check-id", """e => {
        const range = document.createRange(); range.selectNodeContents(e);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }""")
    assert lines > 1  # it did need to wrap
    assert page.evaluate(SPLIT_WORDS) == []  # each word between underscores on one line
    # The measurement does see words cut in two, as `word-break: break-all` would.
    page.add_style_tag(content="code.check-id { word-break: break-all; }")
    assert page.evaluate(SPLIT_WORDS) != []


def test_readable_without_javascript(open_report, kit) -> None:
    from playwright.sync_api import expect

    report = kit.make_report(kit.many_users_results(300), frameworks=[kit.cis_framework()])
    page = open_report(report, javascript=False)
    # The page's script removes every .nojs element: if it ran, nothing below is tested.
    assert page.locator(".nojs").count() > 0, f"the page's script ran: {page.errors}"
    assert not page.is_visible("#filters")
    assert page.is_visible("#top-risks") and page.is_visible(".summary svg.chart")
    # The first 50 of the 75 failing keys, the 30 MFA failures and root, and a count of
    # the 25 keys written only into the data (no disclosure that would list them).
    assert len(visible_resources(page)) == 50 + 30 + 1
    more = page.locator("#check-access_key_rotated .more-note")
    nojs = page.locator(".nojs").count()
    assert more.count() == 1, f"no note of the rows left out ({nojs} .nojs elements)"
    expect(more).to_be_visible()
    assert "and 25 more failing, not listed without JavaScript: see report.json" in " ".join(
        page.text_content("#check-access_key_rotated .more-note").split())
    assert "listed with JavaScript on" in page.text_content("#check-user_console_mfa_bound")
    assert no_horizontal_overflow(page)


def test_print_hides_controls_and_shows_every_matching_row(open_report, kit) -> None:
    page = open_report(kit.make_report(kit.many_users_results(300),
                                       frameworks=[kit.cis_framework()]))
    rows = "#check-access_key_rotated tbody tr"
    assert len(page.query_selector_all(rows)) == 50  # one page of the 75 failures
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert not page.is_visible("#filters")
    assert page.is_visible("#top-risks") and page.is_visible("#compliance")
    assert page.eval_on_selector(
        "section.check", "e => getComputedStyle(e).contentVisibility") == "visible"
    assert len(page.query_selector_all(rows)) == 75
    assert not page.is_visible("#check-access_key_rotated button.more")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert len(page.query_selector_all(rows)) == 50
    assert page.pdf()[:4] == b"%PDF"  # prints without error
    assert page.errors == []


def test_injected_markup_never_runs(open_report, kit) -> None:
    waiver = AppliedWaiver(check_id="user_console_mfa_bound", resource=PAYLOAD, reason=PAYLOAD,
                           owner=PAYLOAD, expires=kit.WAIVER.expires)
    results = [
        kit.make_result("user_console_mfa_bound", kit.Status.FAIL, PAYLOAD, resource_id=PAYLOAD,
                        message=PAYLOAD, waiver=waiver),
        kit.make_result("user_console_mfa_bound", kit.Status.UNKNOWN, PAYLOAD + "2",
                        message=PAYLOAD),
        # Enough passes to travel in the embedded JSON and be built by the script.
        *[kit.make_result("user_console_mfa_bound", kit.Status.PASS, f"{PAYLOAD}{i}",
                          resource_id=f"{PAYLOAD}-{i}", message=PAYLOAD) for i in range(30)],
        # And enough failures that some of them do too, waived by the payload.
        *[kit.make_result("user_console_mfa_bound", kit.Status.FAIL, f"{PAYLOAD}f{i}",
                          resource_id=f"{PAYLOAD}-f{i}", message=PAYLOAD, waiver=waiver)
          for i in range(60)],
    ]
    issue = kit.ISSUE.model_copy(update={"message": PAYLOAD, "code": PAYLOAD,
                                         "permission": PAYLOAD})
    checks = [kit.check_info("user_console_mfa_bound", title=PAYLOAD, rationale=PAYLOAD,
                             remediation=PAYLOAD, remediation_cli=PAYLOAD,
                             params={"x": PAYLOAD})]
    report = kit.make_report(results, checks=checks, issues=[issue], alias=PAYLOAD,
                             caller_arn=PAYLOAD)
    page = open_report(report, query="?q=" + "script")
    page.click("#check-user_console_mfa_bound button.show-passes")
    page.check("input[name=status][value=PASS]")
    page.fill("#filter-text", "onerror")  # exercise the JS paths over the payload text
    page.wait_for_timeout(300)
    page.click("#check-user_console_mfa_bound button.more >> nth=0")
    assert page.eval_on_selector_all("#check-list tr.st-pass", "rs => rs.length") == 30
    assert page.eval_on_selector_all("#check-list tr.st-fail", "rs => rs.length") == 61
    assert page.evaluate("window.__pwned") is None
    assert page.eval_on_selector_all("img, main svg:not(.chart)", "els => els.length") == 0
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
    assert "showing 2500 of 10000" in shown_count(page)
    page.check("input[name=status][value=PASS]")
    page.wait_for_function(
        "() => document.getElementById('visible-count').textContent.includes('showing 7500 of')",
        timeout=30_000,
    )
    page.fill("#filter-text", "user-04240")
    page.wait_for_function(
        "() => document.getElementById('visible-count').textContent.includes('showing 1 of')",
        timeout=30_000,
    )
    assert visible_resources(page) == ["user-04240"]
    assert page.errors == []

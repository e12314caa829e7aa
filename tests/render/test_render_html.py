"""HTML report without a browser: content, escaping, self-containment, incomplete banner."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from auditor.render.html import render_html
from auditor.report import AuditReport

XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


class _Collector(HTMLParser):
    """Collects tags with their attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def html_of(report: AuditReport) -> str:
    return render_html(report).decode()


def test_opens_with_account_caller_times_score_and_counts(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    for text in ("1234567890123456", "acme", "acs:ram::1234567890123456:user/auditor",
                 "2026-11-28 10:00:00 UTC"):
        assert text in html
    # 3 PASS against 3 unwaived FAIL (the waived one is left out) -> 50 %.
    assert re.search(r'class="score">50<span>%</span>', html)
    assert re.search(r'tile-fail"><span class="tile-count">4<', html)


def test_every_check_result_and_doc_link_present(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    for result in typical_report.results:
        assert f'id="r-{result.uid}"' in html
        assert f'href="{result.doc_url}"' in html
    for check in typical_report.checks:
        assert f'id="check-{check.id}"' in html and escape(check.rationale) in html


def test_compliance_controls_with_status_and_not_run(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    assert "CIS Alibaba Cloud Foundations Benchmark v1" in html
    assert "Ensure RAM password policy prevents password reuse" in html
    assert "status-not_run" in html  # control 1.9: its check produced no result
    assert 'href="https://www.cisecurity.org/benchmark/alibaba_cloud"' in html


def test_waiver_change_badges_resolved_and_waiver_problems(kit) -> None:
    from datetime import date

    from auditor.report import BaselineInfo, WaiverProblem

    resolved = kit.make_result("user_console_mfa_bound", kit.Status.FAIL, "dave",
                               message="dave had no MFA")
    report = kit.make_report(
        kit.typical_results(),
        baseline=BaselineInfo(previous_collected_at=kit.make_report([]).collected_at,
                              resolved=[resolved]),
        waiver_problems=[WaiverProblem(check_id="root_mfa_enabled", resource="*", owner="ops",
                                       expires=date(2026, 1, 1), problem="expired")],
    )
    html = html_of(report)
    assert 'class="badge waived"' in html and "security@acme.example" in html
    assert 'class="badge change-new"' in html and 'class="badge change-unchanged"' in html
    assert 'id="resolved"' in html and "dave had no MFA" in html
    assert 'class="badge problem-expired"' in html


def test_incomplete_banner_iff_issues_or_undecided(kit, typical_report: AuditReport,
                                                   incomplete_report: AuditReport) -> None:
    assert 'id="incomplete"' not in html_of(typical_report)
    banner = html_of(incomplete_report)
    assert 'id="incomplete"' in banner and "Audit INCOMPLETE" in banner
    assert "<code>ram:GetCredentialReport</code>" in banner
    # An ERROR result alone (no collection issue) is enough.
    error_only = kit.make_report(
        [*kit.typical_results(),
         kit.make_result("root_mfa_enabled", kit.Status.ERROR, "x", message="boom")]
    )
    assert 'id="incomplete"' in html_of(error_only)
    # A collection issue alone (every result decided) is enough too.
    issue_only = kit.make_report(kit.typical_results(), issues=[kit.ISSUE])
    assert 'id="incomplete"' in html_of(issue_only)
    # The banner comes before the summary.
    assert banner.index('id="incomplete"') < banner.index('class="summary"')


def test_degraded_notes_are_shown_without_calling_the_audit_incomplete(kit) -> None:
    note = kit.ISSUE.model_copy(update={
        "kind": "degraded", "code": "StaleCredentialReport", "permission": "", "affects": [],
        "message": "the credential report was generated 2.0 h before this audit",
    })
    html = html_of(kit.make_report(kit.typical_results(), issues=[note]))
    assert 'id="incomplete"' not in html and "Audit INCOMPLETE" not in html
    assert "Collection notes" in html and "StaleCredentialReport" in html


def test_self_contained(typical_report: AuditReport) -> None:
    page = parse(html_of(typical_report))
    doc_urls = {r.doc_url for r in typical_report.results} | {
        c.doc_url for f in typical_report.frameworks for c in f.controls if c.doc_url
    }
    for tag, attrs in page.tags:
        assert not (tag == "link" and "stylesheet" in (attrs.get("rel") or ""))
        assert not (tag == "script" and attrs.get("src")), "external script"
        assert tag not in ("iframe", "object", "embed")
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            if re.match(r"(?i)\s*(https?:)?//", value):
                assert name == "href" and tag == "a" and value in doc_urls, (tag, attrs)


@pytest.mark.parametrize("field", ["alias", "name", "message", "reason", "title", "arn"])
def test_tenant_text_is_escaped(kit, field: str) -> None:
    from auditor.report import AppliedWaiver

    waiver = kit.WAIVER
    if field == "reason":
        waiver = AppliedWaiver(**{**kit.WAIVER.model_dump(), "reason": XSS, "owner": XSS})
    result = kit.make_result(
        "user_console_mfa_bound", kit.Status.FAIL,
        XSS if field == "name" else "eve",
        resource_id=XSS if field == "name" else None,
        message=XSS if field == "message" else "plain",
        waiver=waiver,
    )
    checks = [kit.check_info("user_console_mfa_bound",
                             **({"title": XSS, "rationale": XSS, "remediation": XSS,
                                 "remediation_cli": XSS} if field == "title" else {}))]
    report = kit.make_report(
        [result], checks=checks,
        alias=XSS if field == "alias" else "acme",
        caller_arn=XSS if field == "arn" else "acs:ram::1:user/a",
    )
    html = html_of(report)
    page = parse(html)
    assert "window.__pwned" not in "".join(page.scripts)
    assert not any(tag == "img" for tag, _ in page.tags)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_script_is_allowed_by_csp_hash_only(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "default-src 'none'" in csp.group(1)
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", csp.group(1))
    assert "unsafe-inline" not in csp.group(1).split("script-src")[1].split(";")[0]

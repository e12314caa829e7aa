"""HTML report without a browser: content, order, escaping, self-containment, data once."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from auditor.render.html import render_html
from auditor.render.view import SCORE_EXPLAINED, build_view, score_percent
from auditor.report import AuditReport, BaselineInfo, WaiverProblem

XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


class _Collector(HTMLParser):
    """Collects tags with their attributes, the text of <script> elements, and the text
    outside them (what a reader without JavaScript sees)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
        else:
            self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def html_of(report: AuditReport) -> str:
    return render_html(report).decode()


def embedded_data(html: str) -> dict:  # type: ignore[type-arg]
    scripts = parse(html).scripts
    (blob,) = [text for attrs, text in scripts if attrs.get("type") == "application/json"]
    return json.loads(blob)  # type: ignore[no-any-return]


def section(html: str, section_id: str) -> str:
    """The HTML of <section id=...> up to the next top-level section."""
    start = html.index(f'<section id="{section_id}"')
    end = html.find("\n<section", start + 1)
    return html[start:end if end > 0 else None]


def test_opens_with_account_caller_times_score_and_counts(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    for text in ("1234567890123456", "acme", "acs:ram::1234567890123456:user/auditor",
                 "2026-11-28 10:00:00 UTC"):
        assert text in html.replace("<wbr>", "")
    # Checks decided: root_mfa (critical 8) FAIL, console MFA (high 4) FAIL, key rotation
    # (medium 2) FAIL, password length (medium 2) PASS; N/A left out -> 2 / 16 = 12 %.
    assert re.search(r'class="score">12<span>%</span>', html)
    assert "1 of 4 checks pass" in html
    assert str(escape(SCORE_EXPLAINED)) in html
    assert re.search(r'tile-fail"><span class="tile-count">4<', html)


def test_score_counts_each_check_once_not_each_passing_user(kit) -> None:
    results = kit.many_users_results(1000)
    view = build_view(kit.make_report(results))
    # Per result, 2,000-odd passing user rows would hide the failing checks: 88 %.
    assert score_percent(results) == 88
    # Per check: only the low-severity check passes -> 1 / (8 + 4 + 2 + 1) = 6 %.
    assert (view.score, view.checks_passing, view.checks_decided) == (6, 1, 4)
    mfa = next(g for g in view.groups if g.info.id == "user_console_mfa_bound")
    assert mfa.pass_percent == 90  # within one check, the share of its resources


def test_control_score_over_its_checks(typical_report: AuditReport) -> None:
    (framework,) = build_view(typical_report).frameworks
    scores = {c.control.id: (c.score, c.checks_passing, c.checks_decided, c.status)
              for c in framework.controls}
    assert scores["1.3"] == (0, 0, 1, "FAIL")
    assert scores["1.8"][:3] == (0, 0, 1)  # its one check has an unwaived failure
    assert scores["1.9"] == (None, 0, 0, "NOT_RUN")
    html = html_of(typical_report)
    assert '<td class="col-score">0% <span class="muted small">0/1 checks · 1 failing' in html


def test_top_of_page_is_summary_chart_top_risks_then_compliance(
        typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    order = [html.index(marker) for marker in (
        'class="summary"', 'id="sev-chart-title"', '<section id="top-risks"',
        '<section id="compliance"', '<section id="findings"')]
    assert order == sorted(order)
    risks = section(html, "top-risks")
    # Critical then high, grouped per check, naming the affected resources; the waived
    # failure and the medium check are not top risks.
    assert risks.index('href="#check-root_mfa_enabled"') < risks.index(
        'href="#check-user_console_mfa_bound"')
    assert ">alice</a>" in risks and "break-glass-1" not in risks
    assert "access_key_rotated" not in risks


def test_top_risk_names_a_few_resources_and_counts_the_rest(kit) -> None:
    html = html_of(kit.make_report(kit.many_users_results(200)))
    risk = section(html, "top-risks").split('class="card risk"')[2]  # the high one
    assert "user_console_mfa_bound" in risk and "20 failing user(s)" in risk
    assert len(re.findall(r'<a href="#r-[0-9a-f]{32}">', risk)) == 8
    assert "and 12 more" in risk


def test_risk_chart_is_inline_svg_with_its_numbers_as_text(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    chart = html[html.index('<svg class="chart"'):html.index("</svg>")]
    assert "critical 1 in 1 check(s); high 1 in 1 check(s); medium 1 in 1 check(s)" in chart
    assert 'class="sev-critical"' in chart and "href" not in chart
    framework_chart = html[html.index('id="fw-chart-title"'):]
    assert "CIS Alibaba Cloud Foundations Benchmark v1: 2 of 4 controls failing" in (
        framework_chart[:framework_chart.index("</svg>")])


def test_every_result_and_doc_link_present(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    for result in typical_report.results:  # a small report: every row is in the HTML
        assert f'id="r-{result.uid}"' in html
        assert f'href="{result.doc_url}"' in html
    for check in typical_report.checks:
        assert f'id="check-{check.id}"' in html and escape(check.rationale) in html
    assert embedded_data(html)["checks"] == {}


def test_first_failures_in_html_the_rest_and_large_passes_once_as_json(kit) -> None:
    results = kit.many_users_results(300)
    html = html_of(kit.make_report(results))
    page = parse(html)
    readable = "".join(page.text)
    data = embedded_data(html)
    deferred = {cid: rows for cid, rows in data["checks"].items()}
    keys = [r for r in kit.make_report(results).results
            if r.check_id == "access_key_rotated" and r.status is kit.Status.FAIL]
    assert len(keys) == 75
    in_data = keys[50:]  # the page lists them by name; the first 50 as HTML
    assert [k.resource.name for k in keys] == sorted(k.resource.name for k in keys)
    for result in results:
        if result.status is kit.Status.FAIL and result not in in_data:
            assert f'id="r-{result.uid}"' in html
            assert result.message in readable
        else:
            assert f'id="r-{result.uid}"' not in html
    # 75 failing keys: the first 50 as HTML; the other 25 as data, each with its uid (the
    # anchor a link can target), counted for a reader without JavaScript.
    assert ("and 25 more failing, not listed without JavaScript: see report.json or "
            "report.csv") in " ".join(readable.split())
    failing_rows = [row for row in deferred["access_key_rotated"] if row[0] == 0]
    assert [row[3]["u"] for row in failing_rows] == [k.uid for k in in_data]
    assert [data["messages"][row[2]] for row in failing_rows] == [k.message for k in in_data]
    assert [data["resources"][row[1]][1:] for row in failing_rows] == [
        [k.resource.id, k.resource.name] for k in in_data]
    assert sorted(deferred) == ["access_key_rotated",
                                "security_preference_users_cannot_manage_keys",
                                "user_console_mfa_bound"]
    # Failing rows first, then the passes (which carry nothing more).
    assert [len(deferred[c]) for c in sorted(deferred)] == [25 + 225, 300, 270]
    assert deferred["access_key_rotated"][24][0] == 0 and deferred["access_key_rotated"][25][0] == 3
    assert all(len(row) == 3 for row in deferred["access_key_rotated"][25:])
    # A passing-only user shows up in the data and nowhere else.
    assert "user-00001" not in readable and "user-00001" not in html.replace(
        page.scripts[0][1], "")
    assert "user-00001" in [r[2] for r in data["resources"]]
    # Repeated strings are stored once.
    assert data["messages"].count("Cannot manage own AccessKeys.") == 1
    assert "✓ 270 passed" in readable and "(listed with JavaScript on)" in readable


def test_deferred_failing_rows_keep_badges_age_and_waiver(kit) -> None:
    waived = kit.make_result("access_key_rotated", kit.Status.FAIL, "zz-waived",
                             waiver=kit.WAIVER)
    results = [
        kit.make_result("access_key_rotated", kit.Status.FAIL, f"key-{i:03d}").model_copy(
            update={"lifecycle": "reopened" if i == 55 else "unchanged", "age_days": i})
        for i in range(60)
    ] + [waived]
    data = embedded_data(html_of(kit.make_report(results)))
    rows = data["checks"]["access_key_rotated"]
    assert len(rows) == 11  # 61 failing rows, the first 50 in the page
    extras = {data["resources"][row[1]][2]: row[3] for row in rows}
    assert extras["key-054"] == {"u": results[54].uid, "a": 54}  # "unchanged": no badge
    assert extras["key-055"] == {"u": results[55].uid, "l": "reopened", "a": 55}
    assert extras["zz-waived"] == {"u": waived.uid, "w": 0}
    assert data["waivers"] == [[kit.WAIVER.owner, kit.WAIVER.expires.isoformat(),
                                kit.WAIVER.reason]]


def test_embedded_json_escapes_only_what_could_end_the_script() -> None:
    from auditor.render.html import json_for_script

    value = {"m": "a -> b & c </script><!-- <script> -->", "n": "\u2028"}
    text = str(json_for_script(value))
    assert "<" not in text and json.loads(text) == value
    assert "a -> b & c" in text  # not inflated to \u003e / \u0026


def test_small_check_passes_are_listed_in_a_disclosure(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    check = html[html.index('id="check-user_console_mfa_bound"'):]
    check = check[:check.index("</section>")]
    assert "✓ 1 passed" in check and "<summary>List them</summary>" in check
    assert "bob has an MFA device bound." in check


def test_compliance_controls_with_status_and_not_run(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    assert "CIS Alibaba Cloud Foundations Benchmark v1" in html
    assert "Ensure RAM password policy prevents password reuse" in html
    assert "status-not_run" in html  # control 1.9: its check produced no result
    assert 'href="https://www.cisecurity.org/benchmark/alibaba_cloud"' in html


def test_waiver_change_badges_resolved_and_waiver_problems(kit) -> None:
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


def test_new_failures_are_named_not_only_counted(kit) -> None:
    report = kit.make_report(
        kit.typical_results(),
        baseline=BaselineInfo(previous_collected_at=kit.make_report([]).collected_at))
    html = html_of(report)
    root = next(r for r in report.results if r.change == "new")
    new = section(html, "new-failures")
    assert "No MFA device is bound to the root account." in new
    assert f'href="#r-{root.uid}"' in new and 'href="#check-root_mfa_enabled"' in new
    assert "alice" not in new  # unchanged, not new
    assert '<a href="#new-failures"><strong>1 new</strong></a>' in html


def test_many_new_failures_are_named_per_check(kit) -> None:
    results = [r.model_copy(update={"change": "new"}) if r.status is kit.Status.FAIL else r
               for r in kit.many_users_results(200)]
    report = kit.make_report(results, baseline=BaselineInfo(
        previous_collected_at=kit.make_report([]).collected_at))
    new = section(html_of(report), "new-failures").split('class="card risk new-risk"')[1:]
    # Most severe first: root (critical), console MFA (high, 20), key rotation (medium, 50).
    assert ["root_mfa_enabled" in new[0], "20 new" in new[1], "50 new" in new[2]] == [True] * 3
    assert ">user-00000</a>" in new[1] and ">user-00110</a>" in new[1]
    assert ">user-00120</a>" not in new[1] and "and 8 more" in new[1]


def test_unverified_findings_are_apart_and_never_counted_resolved(kit) -> None:
    """A baseline FAIL whose resource is UNKNOWN now, or whose check decided nothing now,
    is unverified even if the report lists it as resolved."""
    carol_then = kit.make_result("user_console_mfa_bound", kit.Status.FAIL, "carol",
                                 message="carol had no MFA")
    sso_then = kit.make_result("sso_enabled", kit.Status.FAIL, "acme", message="no SSO then")
    gone = kit.make_result("access_key_rotated", kit.Status.FAIL, "old-key",
                           resource_type="access_key", message="old key, deleted since")
    engine_unverified = kit.make_result("root_mfa_enabled", kit.Status.FAIL, "x",
                                        message="engine said unverified")
    results = [*kit.typical_results(),
               kit.make_result("user_console_mfa_bound", kit.Status.UNKNOWN, "carol"),
               kit.make_result("sso_enabled", kit.Status.UNKNOWN, "acme")]
    report = kit.make_report(results, issues=[kit.ISSUE], baseline=BaselineInfo(
        previous_collected_at=kit.make_report([]).collected_at,
        resolved=[carol_then, sso_then, gone], unverified=[engine_unverified]))
    view = build_view(report)
    assert [r.resource.name for r in view.resolved] == ["old-key"]
    assert {r.message for r in view.unverified} == {
        "carol had no MFA", "no SSO then", "engine said unverified"}
    html = html_of(report)
    banner = html[html.index('id="incomplete"'):html.index('class="summary"')]
    assert "3 finding(s) of the previous report could not be re-checked" in banner
    summary = html[html.index('id="changes-summary"'):]
    summary = summary[:summary.index("</p>")]
    assert "<strong>1 resolved</strong>" in summary and "<strong>3 unverified</strong>" in summary
    resolved_table = section(html, "resolved")
    resolved_table = resolved_table[:resolved_table.index('id="unverified"')]
    assert "old key, deleted since" in resolved_table and "carol had no MFA" not in resolved_table
    unverified = html[html.index('id="unverified"'):]
    assert "carol had no MFA" in unverified and "no SSO then" in unverified


def test_incomplete_banner_iff_issues_or_undecided(kit, typical_report: AuditReport,
                                                   incomplete_report: AuditReport) -> None:
    assert 'id="incomplete"' not in html_of(typical_report)
    banner = html_of(incomplete_report)
    assert 'id="incomplete"' in banner and "Audit INCOMPLETE" in banner
    assert "<code>ram:<wbr>GetCredentialReport</code>" in banner
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


def test_identifiers_break_only_between_words(kit) -> None:
    html = html_of(kit.make_report(kit.many_users_results(3)))
    assert ('<code class="check-id">security_<wbr>preference_<wbr>users_<wbr>cannot_<wbr>'
            "manage_<wbr>keys</code>") in html
    css = html[html.index("<style>"):html.index("</style>")]
    assert "break-all" not in css  # which would cut "preference" into "prefer" + "ence"


def test_self_contained(typical_report: AuditReport) -> None:
    page = parse(html_of(typical_report))
    doc_urls = {r.doc_url for r in typical_report.results} | {
        c.doc_url for f in typical_report.frameworks for c in f.controls if c.doc_url
    }
    for tag, attrs in page.tags:
        assert not (tag == "link" and "stylesheet" in (attrs.get("rel") or ""))
        assert not (tag == "script" and attrs.get("src")), "external script"
        assert tag not in ("iframe", "object", "embed", "image", "use")
        for name in ("src", "href", "xlink:href"):
            value = attrs.get(name) or ""
            if re.match(r"(?i)\s*(https?:)?//", value):
                assert name == "href" and tag == "a" and value in doc_urls, (tag, attrs)


@pytest.mark.parametrize("field", ["alias", "name", "message", "reason", "title", "arn",
                                   "deferred", "deferred_failing"])
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
    # "deferred": passing rows of a large check, which travel in the embedded JSON;
    # "deferred_failing": failing rows after the first 50, which do too, with their waiver.
    passes = [kit.make_result("user_console_mfa_bound", kit.Status.PASS, f"{XSS}{i}",
                              resource_id=XSS + str(i), message=XSS)
              for i in range(30 if field == "deferred" else 0)]
    passes += [kit.make_result("user_console_mfa_bound", kit.Status.FAIL, f"{XSS}{i}",
                               resource_id=XSS + str(i), message=XSS, waiver=AppliedWaiver(
                                   **{**kit.WAIVER.model_dump(), "reason": XSS, "owner": XSS}))
               for i in range(60 if field == "deferred_failing" else 0)]
    checks = [kit.check_info("user_console_mfa_bound",
                             **({"title": XSS, "rationale": XSS, "remediation": XSS,
                                 "remediation_cli": XSS} if field == "title" else {}))]
    report = kit.make_report(
        [result, *passes], checks=checks,
        alias=XSS if field == "alias" else "acme",
        caller_arn=XSS if field == "arn" else "acs:ram::1:user/a",
    )
    html = html_of(report)
    page = parse(html)
    code = [text for attrs, text in page.scripts if attrs.get("type") != "application/json"]
    assert "window.__pwned" not in "".join(code)
    assert not any(tag == "img" for tag, _ in page.tags)
    assert [tag for tag, _ in page.tags].count("script") == 2
    if field.startswith("deferred"):
        data = embedded_data(html)
        assert XSS in data["messages"] and "<" not in page.scripts[0][1]
        if field == "deferred_failing":
            assert data["waivers"][0][0] == XSS and data["waivers"][0][2] == XSS
    else:
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html.replace("<wbr>", "")


def test_script_is_allowed_by_its_csp_hash_only(typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "default-src 'none'" in csp.group(1)
    script_src = csp.group(1).split("script-src")[1].split(";")[0]
    assert "unsafe-inline" not in script_src
    (code,) = [text for attrs, text in parse(html).scripts if "type" not in attrs]
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    assert script_src.strip() == f"'sha256-{digest}'"


def test_print_stylesheet_hides_controls_and_shows_everything(
        typical_report: AuditReport) -> None:
    html = html_of(typical_report)
    css = html[html.index("<style>"):html.index("</style>")]
    printing = css[css.index("@media print"):]
    assert ".toolbar" in printing and "display: none" in printing
    assert "content-visibility: visible" in printing


def test_history_trend_lifecycle_age_and_changes(kit) -> None:
    from datetime import timedelta

    from auditor.report import HistoryFinding, HistoryInfo, TrendPoint

    then = kit.make_report([]).collected_at
    results = [
        r.model_copy(update={"lifecycle": "reopened", "age_days": 3})
        if r.resource.name == "alice" else
        r.model_copy(update={"lifecycle": "new", "age_days": 0})
        if r.check_id == "root_mfa_enabled" else r
        for r in kit.typical_results()
    ]
    gone = kit.make_result("access_key_rotated", kit.Status.FAIL, "old-key")
    trend = [TrendPoint(collected_at=then - timedelta(days=30 - i), complete=i != 20,
                        unwaived_failures_by_severity={"critical": i % 2, "high": i})
             for i in range(35)]
    history = HistoryInfo(run_id=9, previous_collected_at=then - timedelta(days=1), new=1,
                          reopened=1, trend=trend, resolved=[HistoryFinding(
                              uid=gone.uid, check_id=gone.check_id, title=gone.title,
                              severity=gone.severity, resource=gone.resource)])
    html = html_of(kit.make_report(results, frameworks=[kit.cis_framework()]).model_copy(
        update={"history": history}))
    chart = html[html.index('id="trend-title"'):]
    chart = chart[:chart.index("</svg>")]
    assert "last 30 runs" in chart  # the 30 most recent of 35 points
    assert chart.count("<g") == 30 and chart.count('class="incomplete-run"') == 1
    desc = chart[chart.index(">", chart.index("<desc")) + 1:chart.index("</desc>")].split("; ")
    # Oldest shown: run 5 (1 critical + 5 high); newest: run 34 (34 high).
    assert desc[0] == "2026-11-03: 6" and desc[-1] == "2026-12-02: 34"
    assert "2026-11-18: 20 (incomplete)" in desc
    alice = html[html.index(">alice</strong>") - 400:html.index(">alice</strong>")]
    assert '<span class="badge life-reopened">reopened</span>' in alice and "3&nbsp;d" in alice
    new = section(html, "new-failures")
    assert "alice" in new and "No MFA device is bound to the root account." in new
    assert "old-key" in section(html, "resolved")


def test_per_resource_issue_names_its_resources_and_missing_facts(kit) -> None:
    from auditor.report import ReportIssueResource

    issue = kit.ISSUE.model_copy(update={
        "resources": [ReportIssueResource(type="user", name=f"u{i}") for i in range(13)],
        "facts": ["mfa_device"]})
    html = html_of(kit.make_report(kit.typical_results(), issues=[issue]))
    banner = html[html.index('id="incomplete"'):html.index('class="summary"')]
    assert "for user u0, user u1," in banner and "user u9 and 3 more; missing: mfa_device" in banner
    assert "user u10" not in banner


def test_control_judged_with_framework_parameters_scores_with_that_verdict(kit) -> None:
    from auditor.report import FrameworkEvaluation

    framework = kit.cis_framework()
    controls = list(framework.controls)
    # Key rotation FAILs in the results; with the framework's own max_days it passes.
    controls[2] = controls[2].model_copy(update={"status": kit.Status.PASS,
                                                 "framework_evaluations": [FrameworkEvaluation(
        check_id="access_key_rotated", params={"max_days": 500}, status=kit.Status.PASS,
        findings=["PASS legacy-sync: Key is 412 days old (max 500)."])]})
    report = kit.make_report(kit.typical_results(), frameworks=[
        framework.model_copy(update={"controls": controls})])
    (view,) = build_view(report).frameworks
    assert (view.controls[2].score, view.controls[2].failures) == (100, 0)
    html = html_of(report)
    assert "judged with this framework's parameters: <code>max_days=500</code>" in html
    assert "<li>PASS legacy-sync: Key is 412 days old (max 500).</li>" in html

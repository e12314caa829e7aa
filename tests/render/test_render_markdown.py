"""report.md with a baseline: new failures named, unverified findings apart from resolved."""

from __future__ import annotations

from auditor.render.markdown import LISTED, render_markdown
from auditor.report import BaselineInfo


def test_new_failures_are_named_with_check_resource_and_finding(kit) -> None:
    report = kit.make_report(kit.typical_results(), baseline=BaselineInfo(
        previous_collected_at=kit.make_report([]).collected_at))
    text = render_markdown(report).decode()
    new = text[text.index("## New failures"):]
    assert ("| critical | `root_mfa_enabled` | account **acme** "
            "| No MFA device is bound to the root account. |") in new
    assert "alice" not in new  # unchanged since the baseline
    assert "1 new failure(s), 0 resolved." in text


def test_many_new_failures_are_listed_up_to_a_limit(kit) -> None:
    results = [kit.make_result("user_console_mfa_bound", kit.Status.FAIL, f"u{i:03d}",
                               change="new") for i in range(LISTED + 5)]
    report = kit.make_report(results, baseline=BaselineInfo(
        previous_collected_at=kit.make_report([]).collected_at))
    text = render_markdown(report).decode()
    assert "**u000**" in text and f"**u{LISTED - 1:03d}**" in text
    assert f"**u{LISTED:03d}**" not in text and "…and 5 more." in text


def test_unverified_is_apart_and_not_counted_resolved(kit) -> None:
    then = kit.make_result("user_console_mfa_bound", kit.Status.FAIL, "carol",
                           message="carol had no MFA")
    results = [*kit.typical_results(),
               kit.make_result("user_console_mfa_bound", kit.Status.UNKNOWN, "carol")]
    report = kit.make_report(results, issues=[kit.ISSUE], baseline=BaselineInfo(
        previous_collected_at=kit.make_report([]).collected_at, resolved=[then]))
    text = render_markdown(report).decode()
    assert "0 resolved, 1 unverified (could not be re-checked, not resolved)." in text
    unverified = text[text.index("## Unverified (not resolved)"):]
    assert "**carol**" in unverified and "carol had no MFA" in unverified


def test_score_line_says_what_the_score_is(typical_report) -> None:
    text = render_markdown(typical_report).decode()
    assert "**Score: 12%** (1 of 4 checks pass; share of checks with no unwaived failure" in text

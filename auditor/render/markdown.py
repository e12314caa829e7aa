"""``report.md``: a short summary for chat and pull requests."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.render.timefmt import rfc3339
from auditor.render.view import (
    SCORE_EXPLAINED,
    SEVERITY_ORDER,
    STATUS_ORDER,
    ChangeItem,
    ReportView,
    build_view,
)
from auditor.report import AuditReport, Result

TOP_CHECKS = 10
#: Findings named one by one under "New failures" and "Unverified" before "and N more".
LISTED = 20


def md_text(value: str) -> str:
    """Tenant text made inert in Markdown tables: no HTML, no cell breaks, no code spans."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "\\`")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _header(view: ReportView) -> list[str]:
    report = view.report
    account = report.account
    alias = f" ({md_text(account.alias)})" if account.alias else ""
    score = "n/a" if view.score is None else f"{view.score}%"
    return [
        f"# RAM audit: account {md_text(account.id)}{alias}",
        "",
        f"Collected {rfc3339(report.collected_at)} by `{md_text(account.caller.arn)}` "
        f"with ram-audit {md_text(report.tool.version)}. **Score: {score}** "
        f"({view.checks_passing} of {view.checks_decided} checks pass; {SCORE_EXPLAINED}).",
        "",
    ]


def _incomplete(view: ReportView) -> list[str]:
    notes = [
        f"> - `{md_text(n.action)}`: {md_text(n.code)} {md_text(n.message)}" for n in view.notes
    ]
    if notes:
        notes = ["> [!NOTE]\n> Collection notes (the data is complete):", *notes, ""]
    if not view.incomplete:
        return notes
    lines = [
        f"> [!WARNING]\n> **Audit INCOMPLETE**: {len(view.issues)} collection issue(s), "
        f"{view.by_status['UNKNOWN']} UNKNOWN and {view.by_status['ERROR']} ERROR result(s). "
        "Absent failures do not mean the account is clean.",
    ]
    for issue in view.issues:
        grant = f" (grant `{md_text(issue.permission)}`)" if issue.permission else ""
        lines.append(f"> - `{md_text(issue.action)}`: {md_text(issue.code)}{grant}")
    return [*lines, "", *notes]


def _counts(view: ReportView) -> list[str]:
    statuses = [str(s) for s in STATUS_ORDER]
    severities = [str(s) for s in SEVERITY_ORDER]
    return [
        "| " + " | ".join(statuses) + " |",
        "|" + "---:|" * len(statuses),
        "| " + " | ".join(str(view.by_status[s]) for s in statuses) + " |",
        "",
        "Unwaived failures by severity: "
        + ", ".join(f"{s} {view.unwaived_failures_by_severity[s]}" for s in severities)
        + f"; waived {view.waived_failures}.",
        "",
    ]


def _top_failing(view: ReportView) -> list[str]:
    failing = [g for g in view.groups if g.unwaived_failures]
    failing.sort(key=lambda g: (-g.info.severity.rank, -g.unwaived_failures, g.info.id))
    if not failing:
        return ["No unwaived failures.", ""]
    lines = [
        "## Top failing checks",
        "",
        "| severity | check | failing resources |",
        "|---|---|---:|",
    ]
    for group in failing[:TOP_CHECKS]:
        info = group.info
        lines.append(
            f"| {info.severity} | [{md_text(info.title)}]({info.doc_url}) `{info.id}` "
            f"| {group.unwaived_failures} |"
        )
    if len(failing) > TOP_CHECKS:
        lines.append(f"\n…and {len(failing) - TOP_CHECKS} more failing check(s).")
    return [*lines, ""]


def _finding_rows(results: Sequence[Result | ChangeItem]) -> list[str]:
    lines = ["| severity | check | resource | finding |", "|---|---|---|---|"]
    for result in results[:LISTED]:
        resource = result.resource
        name = resource.name or resource.id
        waived = " (waived)" if result.waived else ""
        lines.append(
            f"| {result.severity} | `{md_text(result.check_id)}` "
            f"| {md_text(resource.type)} **{md_text(name)}**{waived} | {md_text(result.message)} |"
        )
    if len(results) > LISTED:
        lines.append(f"\n…and {len(results) - LISTED} more.")
    return lines


def _changes(view: ReportView) -> list[str]:
    report = view.report
    lines: list[str] = []
    if view.since is not None:
        since = rfc3339(view.since)
        lines.append(
            f"Since {since}: {view.new_failures} new failure(s), {len(view.resolved)} resolved"
            + (
                f", {len(view.unverified)} unverified (could not be re-checked, not resolved)."
                if view.unverified
                else "."
            )
        )
        if view.new_failure_results:
            lines += ["", "## New failures", "", *_finding_rows(view.new_failure_results)]
        if view.unverified:
            lines += [
                "",
                "## Unverified (not resolved)",
                "",
                "Failing in the previous run; their checks could not decide this run.",
                "",
                *_finding_rows(view.unverified),
            ]
        lines.append("")
    if report.waiver_problems:
        problems = ", ".join(
            f"{md_text(p.check_id)} `{md_text(p.resource)}` {p.problem}"
            for p in report.waiver_problems
        )
        lines.append(f"Waiver problems: {problems}.")
    return [*lines, ""] if lines else []


def render_markdown(report: AuditReport) -> bytes:
    view = build_view(report)
    lines = [*_header(view), *_incomplete(view), *_counts(view), *_top_failing(view)]
    lines += _changes(view)
    return ("\n".join(lines).rstrip() + "\n").encode()

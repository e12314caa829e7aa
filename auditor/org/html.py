"""``org-report.html``: one self-contained page (inline CSS, no script, strict CSP).

Not-audited members and their reasons first; then the accounts x checks matrix (worst
accounts first: unwaived failures weighted by severity), then, per check, which accounts
fail; every audited account links to its own report.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from auditor.findings import Severity
from auditor.org.report import OrgAccount, OrgReport
from auditor.render.html import template_dir

_WEIGHT = {str(s): 10 ** s.rank for s in Severity}


def weight(account: OrgAccount) -> int:
    """How bad an account looks: unwaived failures weighted by severity (10^rank)."""
    if account.summary is None:
        return 0
    return sum(_WEIGHT.get(s, 1) * n for s, n in account.summary.by_severity.items())


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(template_dir()), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_org_html(report: OrgReport) -> bytes:
    audited = [a for a in report.accounts if a.status == "audited"]
    audited.sort(key=lambda a: (-weight(a), a.id))
    not_audited = [a for a in report.accounts if a.status == "not_audited"]
    columns = [c for c in report.checks if c.failing_accounts or c.unknown_accounts]
    cells = {}
    for check in columns:
        for account_id in check.failing_accounts:
            cells[(account_id, check.check_id)] = "fail"
        for account_id in check.waived_accounts:
            cells.setdefault((account_id, check.check_id), "waived")
        for account_id in check.unknown_accounts:
            cells.setdefault((account_id, check.check_id), "unknown")
    html = _environment().get_template("org-report.html.j2").render(
        report=report, audited=audited, not_audited=not_audited, columns=columns, cells=cells,
        severities=[str(s) for s in Severity],
    )
    return html.encode("utf-8")

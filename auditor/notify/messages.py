"""Notification content, and each platform's native rich message for it.

DingTalk and WeCom get markdown messages, Lark/Feishu an interactive card, Slack Block Kit
blocks, a generic webhook plain JSON. Names taken from the account (users, policies) are
escaped, so that a crafted resource name cannot add links or mention everyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.findings import Severity, Status
from auditor.report import AuditReport, Result

MAX_LISTED = 10
_SEVERITIES = ("critical", "high", "medium", "low")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


@dataclass(frozen=True)
class Notice:
    """One notified finding: why it is listed (new, reopened, failing)."""

    result: Result
    label: str = "new"


@dataclass(frozen=True)
class Digest:
    """What a notification says about one run."""

    account_id: str
    account_alias: str
    collected_at: str
    unwaived_failures: dict[str, int]
    by_status: dict[str, int]
    notices: list[Notice]
    report_url: str = ""
    incomplete: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def account_label(self) -> str:
        return f"{self.account_alias} ({self.account_id})" if self.account_alias else (
            self.account_id
        )

    @property
    def ranked(self) -> list[Notice]:
        """Every notice, most severe first."""
        return sorted(self.notices, key=lambda n: (-Severity(n.result.severity).rank,
                                                   n.result.check_id, n.result.resource.name))

    @property
    def listed(self) -> list[Notice]:
        """Up to :data:`MAX_LISTED` notices, most severe first (chat messages)."""
        return self.ranked[:MAX_LISTED]

    @property
    def title(self) -> str:
        count = len(self.notices)
        what = f"{count} new finding{'s' if count != 1 else ''}" if count else "audit summary"
        return f"ram-audit: {what} in {self.account_label}"

    @property
    def counts_line(self) -> str:
        fails = ", ".join(
            f"{self.unwaived_failures.get(s, 0)} {s}" for s in _SEVERITIES
        )
        line = f"Unwaived FAILs: {fails}"
        return line + (" (audit incomplete)" if self.incomplete else "")


def digest(report: AuditReport, notices: Sequence[Notice], report_url: str = "") -> Digest:
    return Digest(
        account_id=report.account.id,
        account_alias=report.account.alias,
        collected_at=report.collected_at.isoformat(),
        unwaived_failures=dict(report.summary.unwaived_failures_by_severity),
        by_status=dict(report.summary.by_status),
        notices=list(notices),
        report_url=report_url,
        incomplete=any(r.status in (Status.UNKNOWN, Status.ERROR) for r in report.results),
    )


def md_escape(text: str) -> str:
    """Plain text for a markdown message: specials backslash-escaped, no HTML tags."""
    text = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", text).replace("<", "&lt;")


def slack_escape(text: str) -> str:
    """Slack mrkdwn control characters (links, mentions) made literal."""
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _line(notice: Notice, escape: Any) -> str:
    r = notice.result
    resource = f"{r.resource.type} {r.resource.name or r.resource.id}"
    tag = "" if notice.label == "new" else f" ({notice.label})"
    return f"[{str(r.severity).upper()}] {escape(r.title)}: {escape(resource)}{tag}"


def _more(d: Digest) -> str:
    hidden = len(d.notices) - len(d.listed)
    return f"... and {hidden} more" if hidden > 0 else ""


def _markdown(d: Digest, link: str) -> str:
    lines = [f"### {md_escape(d.title)}", "", md_escape(d.counts_line), ""]
    lines += [f"- {_line(n, md_escape)}" for n in d.listed]
    if _more(d):
        lines.append(f"- {_more(d)}")
    if d.report_url:
        lines += ["", link.format(url=d.report_url)]
    return "\n".join(lines)


def dingtalk_payload(d: Digest) -> dict[str, Any]:
    return {"msgtype": "markdown",
            "markdown": {"title": d.title, "text": _markdown(d, "[Open the report]({url})")}}


def wecom_payload(d: Digest) -> dict[str, Any]:
    text = _markdown(d, "[Open the report]({url})")
    while len(text.encode()) > 4096:  # WeCom's limit for markdown content
        text = text[: len(text) - 200]
    return {"msgtype": "markdown", "markdown": {"content": text}}


def lark_payload(d: Digest) -> dict[str, Any]:
    body = "\n".join([md_escape(d.counts_line), *(f"- {_line(n, md_escape)}" for n in d.listed),
                      *([_more(d)] if _more(d) else [])])
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": body}}]
    if d.report_url:
        elements.append({"tag": "action", "actions": [{
            "tag": "button", "type": "primary", "url": d.report_url,
            "text": {"tag": "plain_text", "content": "Open the report"},
        }]})
    return {"msg_type": "interactive", "card": {
        "config": {"wide_screen_mode": True},
        "header": {"template": "red" if d.notices else "green",
                   "title": {"tag": "plain_text", "content": d.title}},
        "elements": elements,
    }}


def slack_payload(d: Digest) -> dict[str, Any]:
    listed = "\n".join(f"• {_line(n, slack_escape)}" for n in d.listed) or "No new findings."
    if _more(d):
        listed += f"\n{_more(d)}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": d.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(d.counts_line)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": listed[:3000]}},
    ]
    if d.report_url:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "url": d.report_url,
            "text": {"type": "plain_text", "text": "Open the report"},
        }]})
    return {"text": d.title, "blocks": blocks}


def webhook_payload(d: Digest) -> dict[str, Any]:
    return {
        "schema": "ram-audit.notification/1",
        "title": d.title,
        "account": {"id": d.account_id, "alias": d.account_alias},
        "collected_at": d.collected_at,
        "incomplete": d.incomplete,
        "unwaived_failures_by_severity": d.unwaived_failures,
        "by_status": d.by_status,
        "report_url": d.report_url or None,
        "findings_total": len(d.notices),
        "findings": [
            {"uid": n.result.uid, "check_id": n.result.check_id, "title": n.result.title,
             "severity": str(n.result.severity), "status": str(n.result.status),
             "label": n.label, "resource": n.result.resource.model_dump(),
             "message": n.result.message, "doc_url": n.result.doc_url}
            for n in d.ranked
        ],
    }


PAYLOADS = {
    "dingtalk": dingtalk_payload,
    "lark": lark_payload,
    "wecom": wecom_payload,
    "slack": slack_payload,
    "webhook": webhook_payload,
}

"""Generate the IMS credential report, wait for it (bounded) and fetch all its pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from alibabacloud_ims20190815 import models as ims

from auditor.collector.context import RunContext
from auditor.collector.convert import dig, to_bool, to_datetime
from auditor.collector.credential_report import (
    CredentialReportError,
    ReportRow,
    decode_pages,
    parse_report,
)
from auditor.collector.errors import ApiError
from auditor.collector.settings import CollectorSettings

#: Accounts above this many RAM users get no credential report.
REPORT_USER_LIMIT = 3500


@dataclass(frozen=True)
class CredentialReport:
    rows: tuple[ReportRow, ...]
    generated_at: datetime | None

    @property
    def root_row(self) -> ReportRow | None:
        return next((r for r in self.rows if r.user == "<root>"), None)

    def user_rows(self) -> dict[str, ReportRow]:
        """Rows of RAM users by principal name (and by bare user name)."""
        by_name: dict[str, ReportRow] = {}
        for row in self.rows:
            if row.user != "<root>":
                by_name[row.user] = row
                by_name.setdefault(row.user_name, row)
        return by_name


def fetch_credential_report(ctx: RunContext, settings: CollectorSettings) -> CredentialReport:
    """Raise :class:`ApiError` when the report is denied, failing or not ready in time."""
    ctx.progress("credential report: generating")
    polls_left = max(1, math.ceil(settings.credential_report_timeout_s /
                                  max(settings.credential_report_poll_s, 0.001)))
    state = _generate(ctx)
    while state != "COMPLETED":
        if polls_left <= 0:
            raise _not_ready(settings)
        settings.sleep(settings.credential_report_poll_s)
        polls_left -= 1
        state = _generate(ctx)
    while True:
        try:
            report = _download(ctx)
            ctx.progress(f"credential report: {len(report.rows)} rows")
            return report
        except ApiError as exc:
            if exc.denied or polls_left <= 0:
                raise
            settings.sleep(settings.credential_report_poll_s)
            polls_left -= 1


def _generate(ctx: RunContext) -> str:
    state = str(dig(ctx.call("ims:GenerateCredentialReport"), "state") or "").upper()
    ctx.progress(f"credential report: {state.lower() or 'unknown state'}")
    return state


def _download(ctx: RunContext) -> CredentialReport:
    contents: list[str] = []
    generated_at: datetime | None = None
    token: str | None = None
    seen: set[str] = set()
    while True:
        body = ctx.call(
            "ims:GetCredentialReport",
            ims.GetCredentialReportRequest(max_items="3501", next_token=token),
        )
        contents.append(str(dig(body, "content") or ""))
        generated_at = generated_at or to_datetime(dig(body, "generated_time"))
        if not to_bool(dig(body, "is_truncated")):
            break
        token = dig(body, "next_token")
        if not token or token in seen:
            raise ApiError(
                "ims:GetCredentialReport", "InvalidReport", "truncated page without a new NextToken"
            )
        seen.add(token)
    try:
        rows = parse_report(decode_pages(contents))
    except CredentialReportError as exc:
        raise ApiError("ims:GetCredentialReport", "InvalidReport", str(exc)) from None
    return CredentialReport(rows=tuple(rows), generated_at=generated_at)


def _not_ready(settings: CollectorSettings) -> ApiError:
    return ApiError(
        "ims:GenerateCredentialReport",
        "CredentialReportNotReady",
        f"the credential report was not ready within {settings.credential_report_timeout_s:g}s",
    )

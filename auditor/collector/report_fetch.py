"""Generate the IMS credential report, wait for it (bounded) and fetch all its pages."""

from __future__ import annotations

import math
import time
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


#: Poll intervals double from ``credential_report_poll_s`` up to this.
MAX_POLL_INTERVAL_S = 2.0


class _Polls:
    """Growing waits between polls within a total deadline.

    The deadline counts the time waited between polls (so that an injected sleep gives
    reproducible polls); the calls' own time may add to it, up to the deadline again.
    """

    def __init__(self, settings: CollectorSettings) -> None:
        self._sleep = settings.sleep
        self._deadline = settings.credential_report_timeout_s
        self._interval = max(0.0, settings.credential_report_poll_s)
        self._max_polls = max(1, math.ceil(self._deadline / max(self._interval, 0.001)))
        self._started = time.monotonic()
        self._waited = 0.0
        self._polls = 0

    def wait(self) -> bool:
        """Sleep before the next poll; False when the deadline or the poll budget is spent."""
        overrun = time.monotonic() - self._started >= 2 * self._deadline
        if self._polls >= self._max_polls or self._waited >= self._deadline or overrun:
            return False
        delay = min(self._interval, self._deadline - self._waited)
        self._sleep(delay)
        self._waited += delay
        self._polls += 1
        self._interval = min(self._interval * 2, max(MAX_POLL_INTERVAL_S, self._interval))
        return True


def fetch_credential_report(ctx: RunContext, settings: CollectorSettings) -> CredentialReport:
    """Raise :class:`ApiError` when the report is denied, failing or not ready in time.

    Polls after ``credential_report_poll_s`` (0.1 s by default), doubling up to
    ``MAX_POLL_INTERVAL_S``, within ``credential_report_timeout_s`` in all.
    """
    ctx.progress("credential report: generating")
    polls = _Polls(settings)
    state = _generate(ctx)
    while state != "COMPLETED":
        if not polls.wait():
            raise _not_ready(settings)
        state = _generate(ctx)
    while True:
        try:
            report = _download(ctx)
            ctx.progress(f"credential report: {len(report.rows)} rows")
            return report
        except ApiError as exc:
            if exc.denied or not polls.wait():
                raise


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

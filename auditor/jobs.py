"""The scheduled-job steps of a run: record it in the history, then notify.

Called by ``auditor.pipeline`` after evaluation and before the reports are written, so
that ``report.json`` carries the history and any notification errors. The history store
(sqlite3) and the senders (urllib.request) are imported only by a run that uses them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.notify import SendSettings, Target
    from auditor.notify.policy import NotifyOn
    from auditor.report import AuditReport

DEFAULT_KEEP_DAYS = 400
log = logging.getLogger("ram_audit")
#: One recording at a time in this process: organisation members finish on worker threads
#: and record into the same file (other processes are handled by the store's lock waits).
_RECORDING = threading.Lock()


def check_history(path: Path) -> None:
    """Open (create, migrate) the history once up front, so a bad file fails before any
    API call."""
    from auditor.history.store import open_history

    with open_history(path):
        pass


def history_baseline(path: Path, account_id: str) -> AuditReport | None:
    from auditor.history.apply import baseline_from_history
    from auditor.history.store import open_history

    with open_history(path) as history:
        return baseline_from_history(history, account_id)


def record(path: Path, report: AuditReport, keep_days: int = DEFAULT_KEEP_DAYS) -> AuditReport:
    """Record ``report`` (one transaction); serialised within the process."""
    from auditor.history.apply import record_report
    from auditor.history.store import open_history

    with _RECORDING, open_history(path) as history:
        return record_report(history, report, keep_days=keep_days)


def notify(
    report: AuditReport, targets: Sequence[Target], *, mode: NotifyOn, fail_on: str,
    exit_code: int, report_url: str = "", settings: SendSettings | None = None,
) -> AuditReport:
    """Send to every target if ``mode`` says so; failures become warnings and
    ``notification_errors``, never exceptions."""
    if not targets:
        return report
    from auditor.notify import SendSettings, digest, send_all
    from auditor.notify.policy import notices, should_send
    from auditor.report import NotificationError

    listed = notices(report, fail_on, mode)
    if not should_send(mode, listed, exit_code):
        return report
    failures = send_all(targets, digest(report, listed, report_url),
                        settings=settings or SendSettings())
    for failure in failures:
        log.warning("notification to %s failed: %s", failure.target, failure.error)
    errors = [NotificationError(target=f.target, error=f.error, attempts=f.attempts)
              for f in failures]
    return report.model_copy(update={"notification_errors": errors})

"""When to notify (``--notify-on``) and which findings a notification lists.

- ``new`` (default): when there are new unwaived FAILs at or above ``--fail-on`` — new
  compared with ``--baseline`` or the history (``reopened`` counts as new). With nothing to
  compare with, every such FAIL is new. With ``--fail-on never``, every severity counts.
- ``fail``: when the exit code is 1; lists every unwaived FAIL at or above ``--fail-on``.
- ``always``: after every run; lists the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # imported where used: the CLI reads NOTIFY_ON for --help
    from auditor.notify.messages import Notice
    from auditor.report import AuditReport, Result

NotifyOn = Literal["new", "fail", "always"]
NOTIFY_ON: tuple[NotifyOn, ...] = ("new", "fail", "always")
EXIT_FAILURES = 1


def _label(result: Result, compared: bool) -> str:
    if result.lifecycle in ("new", "reopened"):
        return result.lifecycle
    if result.lifecycle is None and (result.change == "new" or not compared):
        return "new"
    return "open"


def notices(report: AuditReport, fail_on: str, mode: NotifyOn) -> list[Notice]:
    """The findings to list for ``mode``."""
    from auditor.findings import Severity, Status
    from auditor.notify.messages import Notice

    threshold = Severity.LOW if fail_on == "never" else Severity(fail_on)
    compared = report.baseline is not None or report.history is not None
    found = [
        Notice(r, _label(r, compared)) for r in report.results
        if r.status is Status.FAIL and not r.waived and r.severity.at_least(threshold)
    ]
    return [n for n in found if n.label != "open"] if mode == "new" else found


def should_send(mode: NotifyOn, listed: list[Notice], exit_code: int) -> bool:
    if mode == "always":
        return True
    if mode == "fail":
        return exit_code == EXIT_FAILURES
    return bool(listed)

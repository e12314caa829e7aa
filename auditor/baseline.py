"""Compare a run with a previous report (``--baseline``), finding by finding.

Results are matched by ``uid`` (stable across runs for the same check, account and
resource). Precisely:

- ``change="unchanged"``: the baseline has this uid with the same status;
- ``change="new"``: the uid is absent from the baseline or had another status there.
  For a FAIL this is a *new finding* (FAIL now, not FAIL before);
- *resolved*: a baseline result that was FAIL and now is not FAIL, or is gone while its
  check ran and decided (the resource was fixed away or deleted). Listed, as they were in
  the baseline, in ``BaselineInfo.resolved``;
- *unverified*: a baseline FAIL that is gone because its check did not run this time or
  could not decide (UNKNOWN/ERROR, e.g. a permission was missing). Missing data is never
  a fix: these are listed apart in ``BaselineInfo.unverified``.

Waivers do not affect these comparisons: a waived FAIL is still a FAIL.
"""

from __future__ import annotations

from auditor.findings import Status
from auditor.report import AuditReport, BaselineInfo, Result


def apply_baseline(
    results: list[Result], previous: AuditReport
) -> tuple[list[Result], BaselineInfo]:
    before = {result.uid: result for result in previous.results}
    marked = []
    for result in results:
        old = before.get(result.uid)
        change = "unchanged" if old is not None and old.status == result.status else "new"
        marked.append(result.model_copy(update={"change": change}))
    now = {r.uid: r for r in results}
    undecided = {r.check_id for r in results if r.status in (Status.UNKNOWN, Status.ERROR)}
    decided = {r.check_id for r in results} - undecided
    resolved: list[Result] = []
    unverified: list[Result] = []
    for old in previous.results:
        if old.status is not Status.FAIL:
            continue
        current = now.get(old.uid)
        if current is not None:
            if current.status is not Status.FAIL:
                resolved.append(old)
        elif old.check_id in decided:
            resolved.append(old)
        else:
            unverified.append(old)
    return marked, BaselineInfo(
        previous_collected_at=previous.collected_at, resolved=resolved, unverified=unverified
    )

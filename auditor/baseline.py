"""Compare a run with a previous report (``--baseline``), finding by finding.

Results are matched by ``uid`` (stable across runs for the same check, account and
resource). A check *could not decide* this run when it has an account-level (resource type
``account``) UNKNOWN or ERROR result; per-resource UNKNOWNs leave the rest of its results
decided. Precisely:

- ``change="unchanged"``: the baseline has this uid with the same status;
- ``change="new"``: the uid is absent from the baseline or had another status there.
  For a FAIL this is a *new finding* (FAIL now, not FAIL before);
- *unverified*: a baseline FAIL whose uid is UNKNOWN or ERROR now, or whose check could
  not decide or did not run this time (e.g. a permission was missing, or the check was not
  selected). Missing data is never a fix: these are listed apart in
  ``BaselineInfo.unverified``;
- *resolved*: any other baseline FAIL that is not FAIL now: its uid is PASS or
  NOT_APPLICABLE, or is gone while its check ran and decided (the resource was fixed away
  or deleted). Listed, as they were in the baseline, in ``BaselineInfo.resolved``.

Waivers do not affect these comparisons: a waived FAIL is still a FAIL.
"""

from __future__ import annotations

from auditor.findings import Status
from auditor.report import AuditReport, BaselineInfo, Result

_UNDECIDED = (Status.UNKNOWN, Status.ERROR)


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
    ran = {r.check_id for r in results}
    undecided_checks = {
        r.check_id for r in results if r.status in _UNDECIDED and r.resource.type == "account"
    }
    resolved: list[Result] = []
    unverified: list[Result] = []
    for old in previous.results:
        if old.status is not Status.FAIL:
            continue
        current = now.get(old.uid)
        if current is not None and current.status is Status.FAIL:
            continue
        if (
            old.check_id not in ran
            or old.check_id in undecided_checks
            or (current is not None and current.status in _UNDECIDED)
        ):
            unverified.append(old)
        else:
            resolved.append(old)
    return marked, BaselineInfo(
        previous_collected_at=previous.collected_at, resolved=resolved, unverified=unverified
    )

"""Compare a run with a previous report (``--baseline``), finding by finding.

Results are matched by ``uid`` (stable across runs for the same check, account and
resource). Precisely:

- ``change="unchanged"``: the baseline has this uid with the same status;
- ``change="new"``: the uid is absent from the baseline or had another status there.
  For a FAIL this is a *new finding* (FAIL now, not FAIL before);
- *resolved*: a baseline result that was FAIL and now is not FAIL or is gone (its check
  no longer ran, or the resource was deleted). Resolved results are listed, as they were
  in the baseline, in ``BaselineInfo.resolved``.

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
    failing_now = {r.uid for r in results if r.status is Status.FAIL}
    resolved = [
        old
        for old in previous.results
        if old.status is Status.FAIL and old.uid not in failing_now
    ]
    return marked, BaselineInfo(previous_collected_at=previous.collected_at, resolved=resolved)

"""``report.junit.xml``: one testsuite per check, one testcase per check and resource."""

from __future__ import annotations

import io

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from auditor.findings import Status
from auditor.report import AuditReport, Result


def _testcase(result: Result) -> TestCase:
    resource = result.resource
    label = f"{resource.type}:{resource.id}"
    if resource.name and resource.name != resource.id:
        label += f" ({resource.name})"
    case = TestCase(name=label, classname=result.check_id)
    if result.status is Status.FAIL and result.waived and result.waiver is not None:
        case.result = [Skipped(f"waived: {result.waiver.reason}")]
    elif result.status is Status.FAIL:
        case.result = [Failure(result.message, type_=str(result.severity))]
    elif result.status is Status.ERROR:
        case.result = [Error(result.message, type_="ERROR")]
    elif result.status in (Status.UNKNOWN, Status.NOT_APPLICABLE):
        case.result = [Skipped(f"{result.status}: {result.message}")]
    else:
        case.system_out = result.message
    return case


def render_junit(report: AuditReport) -> bytes:
    cases: dict[str, list[TestCase]] = {}
    for result in report.results:
        cases.setdefault(result.check_id, []).append(_testcase(result))
    xml = JUnitXml("ram-audit")
    for check_id, check_cases in cases.items():
        suite = TestSuite(check_id)
        suite.timestamp = report.collected_at.isoformat()
        suite.hostname = report.account.id
        # One add for all cases: add_testcase() recounts the suite each time (quadratic).
        suite.add_testcases(check_cases)
        xml.add_testsuite(suite)
    xml.update_statistics()
    buffer = io.BytesIO()
    xml.write(buffer, pretty=True)
    return buffer.getvalue()

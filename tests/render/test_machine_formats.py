"""CSV, OpenMetrics and JUnit as scheduled jobs consume them; one timestamp style."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml, Skipped
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from auditor.render import render_report
from auditor.render.csv_report import COLUMNS, render_csv
from auditor.render.html import render_html
from auditor.render.junit import render_junit
from auditor.render.markdown import render_markdown
from auditor.render.openmetrics import render_openmetrics
from auditor.render.schema import SCHEMA_ID, SCHEMA_PATH
from auditor.render.timefmt import rfc3339
from auditor.report import AuditReport

RFC3339_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
ACCOUNT = (("account_alias", "acme"), ("account_id", "1234567890123456"))


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def _samples(report: AuditReport) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = render_openmetrics(report).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


# --- CSV -------------------------------------------------------------------------------


def test_csv_rows_name_account_collection_time_and_remediation(
    typical_report: AuditReport,
) -> None:
    rows = _rows(render_csv(typical_report))
    alice = next(r for r in rows if r["resource_name"] == "alice")
    assert alice["account_id"] == "1234567890123456"
    assert alice["account_alias"] == "acme"
    assert alice["collected_at"] == "2026-11-28T10:00:00Z"
    assert alice["remediation"].startswith("Open the RAM console and fix user_console_mfa_bound")
    assert alice["remediation_cli"] == "aliyun ram FixUserConsoleMfaBound"


def test_csvs_of_several_accounts_concatenate_under_one_header(kit) -> None:
    first = kit.make_report(kit.typical_results(), alias="acme")
    other = kit.make_report(
        [kit.make_result("root_mfa_enabled", kit.Status.PASS, "beta", account_id="999")],
        alias="beta", checks=[],
    )
    # A report with no check info and one with: the header must not depend on the report.
    a, b = render_csv(first).decode(), render_csv(other).decode()
    assert a.splitlines()[0] == b.splitlines()[0] == ",".join(COLUMNS)
    combined = a + "".join(b.splitlines(keepends=True)[1:])
    rows = _rows(combined.encode())
    assert len(rows) == len(first.results) + 1
    assert {r["account_alias"] for r in rows} == {"acme", "beta"}
    assert rows[-1]["remediation"] == ""  # no check info: empty, not a shifted column


def test_csv_guards_formulas_in_account_alias_too(kit) -> None:
    result = kit.make_result("root_mfa_enabled", kit.Status.FAIL, "acme")
    (row,) = _rows(render_csv(kit.make_report([result], alias="=cmd|' /C calc'!A0")))
    assert row["account_alias"] == "'=cmd|' /C calc'!A0"


# --- OpenMetrics -----------------------------------------------------------------------


def test_openmetrics_every_check_and_status_series_is_present(
    typical_report: AuditReport,
) -> None:
    samples = _samples(typical_report)
    statuses = ("PASS", "FAIL", "ERROR", "UNKNOWN", "NOT_APPLICABLE")
    for check in typical_report.checks:
        for status in statuses:
            key = ("ram_audit_check_results",
                   (*ACCOUNT, ("check_id", check.id), ("severity", str(check.severity)),
                    ("status", status)))
            assert key in samples, key
    root_pass = ("ram_audit_check_results",
                 (*ACCOUNT, ("check_id", "root_mfa_enabled"), ("severity", "critical"),
                  ("status", "PASS")))
    root_fail = (root_pass[0], (*root_pass[1][:-1], ("status", "FAIL")))
    assert samples[root_pass] == 0 and samples[root_fail] == 1


def test_openmetrics_check_without_results_still_has_its_series(kit) -> None:
    report = kit.make_report(
        [kit.make_result("root_mfa_enabled", kit.Status.PASS, "acme")],
        checks=[kit.check_info("root_mfa_enabled"), kit.check_info("access_key_rotated")],
    )
    key = ("ram_audit_check_results",
           (*ACCOUNT, ("check_id", "access_key_rotated"), ("severity", "medium"),
            ("status", "FAIL")))
    assert _samples(report)[key] == 0


def test_openmetrics_score_new_failures_and_incomplete(
    typical_report: AuditReport, incomplete_report: AuditReport
) -> None:
    samples = _samples(typical_report)
    # root (critical 8) and user_console (high 4) fail unwaived, access_key_rotated (medium 2)
    # fails, password policy (medium 2) passes: 2 * 100 // 16.
    assert samples[("ram_audit_score", ACCOUNT)] == 12
    # Only root_mfa_enabled is marked new against the baseline.
    assert samples[("ram_audit_new_failures", (*ACCOUNT, ("severity", "critical")))] == 1
    assert samples[("ram_audit_new_failures", (*ACCOUNT, ("severity", "high")))] == 0
    assert samples[("ram_audit_incomplete", ACCOUNT)] == 0
    assert _samples(incomplete_report)[("ram_audit_incomplete", ACCOUNT)] == 1


def test_openmetrics_new_failures_count_history_reopened_not_waived(kit) -> None:
    reopened = kit.make_result("root_mfa_enabled", kit.Status.FAIL, "acme").model_copy(
        update={"lifecycle": "reopened"})
    waived_new = kit.make_result("user_console_mfa_bound", kit.Status.FAIL, "bg",
                                 waiver=kit.WAIVER, change="new")
    samples = _samples(kit.make_report([reopened, waived_new]))
    assert samples[("ram_audit_new_failures", (*ACCOUNT, ("severity", "critical")))] == 1
    assert samples[("ram_audit_new_failures", (*ACCOUNT, ("severity", "high")))] == 0


def test_openmetrics_score_is_nan_when_nothing_decided(kit) -> None:
    report = kit.make_report([kit.make_result("root_mfa_enabled", kit.Status.UNKNOWN, "acme")])
    score = _samples(report)[("ram_audit_score", ACCOUNT)]
    assert score != score  # NaN


# --- JUnit -----------------------------------------------------------------------------


ROOT = "root_mfa_enabled account:1234567890123456 (acme)"
ALICE = "user_console_mfa_bound user:id-alice (alice)"
LEGACY = "access_key_rotated access_key:LTAI4tExampleKey02 (legacy-sync)"


def _cases(data: bytes) -> dict[str, list[object]]:
    xml = JUnitXml.fromstring(data.decode())
    return {f"{case.classname} {case.name}": list(case.result) for suite in xml for case in suite}


def test_junit_failure_body_carries_the_remediation(typical_report: AuditReport) -> None:
    (failure,) = _cases(render_junit(typical_report))[ALICE]
    assert isinstance(failure, Failure)
    assert failure.type == "high"
    assert failure.message == "alice can sign in to the console without MFA."
    assert "Remediation: Open the RAM console and fix user_console_mfa_bound" in failure.text
    assert "CLI: aliyun ram FixUserConsoleMfaBound" in failure.text
    assert "Documentation: https://www.alibabacloud.com/help/en/ram/user_console_mfa_bound" in (
        failure.text
    )


@pytest.mark.parametrize(
    ("fail_on", "failing"),
    [
        ("critical", {ROOT}),
        ("high", {ROOT, ALICE}),
        ("MEDIUM", {ROOT, ALICE, LEGACY}),
        ("never", set()),
    ],
)
def test_junit_failures_follow_fail_on(
    typical_report: AuditReport, fail_on: str, failing: set[str]
) -> None:
    cases = _cases(render_junit(typical_report, fail_on))
    assert {name for name, res in cases.items() if any(isinstance(r, Failure) for r in res)} == (
        failing
    )
    # A FAIL below the threshold is still visible: skipped, saying why, with the remediation.
    legacy = cases[LEGACY][0]
    if LEGACY not in failing:
        assert isinstance(legacy, Skipped)
        assert legacy.message.startswith("FAIL (medium, ")
        assert "Remediation:" in legacy.text


def test_render_report_passes_fail_on_to_junit(typical_report: AuditReport, tmp_path: Path) -> None:
    (path,) = render_report(typical_report, ["junit"], tmp_path, fail_on="critical")
    assert JUnitXml.fromfile(str(path)).failures == 1


# --- timestamps and schema -------------------------------------------------------------


def test_one_timestamp_style_across_formats(kit) -> None:
    from datetime import datetime, timedelta, timezone

    beijing = timezone(timedelta(hours=8))
    report = kit.make_report(kit.typical_results(),
                             collected_at=datetime(2026, 11, 28, 18, 0, tzinfo=beijing))
    expected = "2026-11-28T10:00:00Z"
    assert rfc3339(report.collected_at) == expected
    assert {r["collected_at"] for r in _rows(render_csv(report))} == {expected}
    xml = JUnitXml.fromstring(render_junit(report).decode())
    assert {suite.timestamp for suite in xml} == {expected}
    assert f"Collected {expected} " in render_markdown(report).decode()
    html = render_html(report).decode()
    assert f'datetime="{expected}"' in html and "2026-11-28 10:00:00 UTC" in html
    assert "+00:00" not in html and "+08:00" not in html
    utc_report = kit.make_report(kit.typical_results())
    assert json.loads(utc_report.model_dump_json())["collected_at"] == expected
    assert RFC3339_Z.fullmatch(expected)


def test_rfc3339_refuses_naive_datetimes() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        rfc3339(datetime(2026, 1, 1))


def test_report_schema_has_an_id_and_the_readme_links_it() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$id"] == SCHEMA_ID
    jsonschema.Draft202012Validator.check_schema(schema)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "(auditor/schema/report.v1.json)" in readme

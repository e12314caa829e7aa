"""render_report, load_report and the non-HTML formats."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from auditor.render import FORMATS, ReportFileError, load_report, render_report
from auditor.render.atomic import write_atomic, write_files
from auditor.render.csv_report import render_csv
from auditor.render.markdown import render_markdown
from auditor.report import AuditReport

FILES = {"report.html", "report.json", "report.csv", "report.junit.xml", "report.md",
         "report.prom", "report.ocsf.jsonl"}


def test_render_report_writes_every_format(typical_report: AuditReport, tmp_path: Path) -> None:
    paths = render_report(typical_report, FORMATS, tmp_path / "out")
    assert {p.name for p in paths} == FILES
    assert sorted(os.listdir(tmp_path / "out")) == sorted(FILES)  # no temp files left


def test_unknown_format_names_it_and_the_valid_ones(
    typical_report: AuditReport, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=r"sarif.*valid: html, json, csv"):
        render_report(typical_report, ["json", "sarif"], tmp_path)
    assert not list(tmp_path.iterdir())  # nothing written before the check


def test_json_round_trips_through_load_report(typical_report: AuditReport, tmp_path: Path) -> None:
    (path,) = render_report(typical_report, ["json"], tmp_path)
    assert load_report(path) == typical_report


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not a JSON report"),
        ("[]", "expected a JSON object"),
        ('{"schema_version": "2"}', "unsupported report schema_version '2'"),
        ('{"schema_version": "1", "tool": {}}', "invalid report"),
    ],
)
def test_load_report_errors_name_the_file(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "old-report.json"
    path.write_text(content)
    with pytest.raises(ReportFileError, match=expected) as info:
        load_report(path)
    assert str(path) in str(info.value)


def test_atomic_write_keeps_old_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    def interrupted_replace(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_no_file_is_replaced_until_every_file_is_written(tmp_path: Path) -> None:
    """A content produced while it is written (report.json's) that fails, after another
    file was written in full: both old files stay, and no temp file is left."""
    old = {"report.html": b"old html", "report.json": b"old json"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)

    def failing() -> Iterator[bytes]:
        yield b"{"
        raise ValueError("cannot encode")

    with pytest.raises(ValueError, match="cannot encode"):
        write_files({tmp_path / "report.html": b"new html", tmp_path / "report.json": failing()})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old
    written = write_files({tmp_path / "report.html": b"new html",
                           tmp_path / "report.json": iter([b"{", memoryview(b"}\n")])})
    assert written == [tmp_path / "report.html", tmp_path / "report.json"]
    assert (tmp_path / "report.json").read_bytes() == b"{}\n"
    assert {p.name for p in tmp_path.iterdir()} == set(old)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in written)


def test_csv_one_row_per_result_with_flattened_compliance(typical_report: AuditReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(typical_report).decode())))
    assert len(rows) == len(typical_report.results)
    root = next(r for r in rows if r["check_id"] == "root_mfa_enabled")
    assert root["compliance"] == "alibaba-ram-best-practices:S6;cis-alibaba-v1:1.3"
    assert root["change"] == "new"
    waived = next(r for r in rows if r["resource_name"] == "break-glass-1")
    assert (waived["waived"], waived["waiver_owner"], waived["waiver_expires"]) == (
        "true", "security@acme.example", "2027-03-31"
    )


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)"])
def test_csv_neutralises_formulas_in_tenant_text(kit, payload: str) -> None:
    result = kit.make_result("user_console_mfa_bound", kit.Status.FAIL, payload, message=payload)
    rows = list(csv.DictReader(io.StringIO(render_csv(kit.make_report([result])).decode())))
    assert rows[0]["resource_name"] == "'" + payload
    assert rows[0]["message"] == "'" + payload


def test_junit_suites_cases_and_outcomes(incomplete_report: AuditReport, tmp_path: Path) -> None:
    (path,) = render_report(incomplete_report, ["junit"], tmp_path)
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {r.check_id for r in incomplete_report.results}
    outcomes = {
        case.name: [type(r).__name__ for r in case.result] + [r.message for r in case.result]
        for case in suites["user_console_mfa_bound"]
    }
    assert outcomes["user:id-alice (alice)"][0] == Failure.__name__
    assert outcomes["user:id-bob (bob)"] == []
    assert outcomes["user:id-break-glass-1 (break-glass-1)"] == [
        Skipped.__name__, "waived: Emergency account kept in a safe; MFA device with the CISO"
    ]
    assert outcomes["user:id-carol (carol)"][0] == Skipped.__name__
    assert outcomes["user:id-carol (carol)"][1].startswith("UNKNOWN: ")
    # access_key_rotated (medium) fails below the default --fail-on high: skipped, not failed.
    assert xml.failures == 2 and xml.skipped == 4 and xml.tests == 9


def test_junit_error_status(kit, tmp_path: Path) -> None:
    report = kit.make_report([kit.make_result("root_mfa_enabled", kit.Status.ERROR, "acme",
                                              message="check crashed")])
    (path,) = render_report(report, ["junit"], tmp_path)
    xml = JUnitXml.fromfile(str(path))
    (case,) = list(next(iter(xml)))
    assert [type(r) for r in case.result] == [Error]
    assert xml.errors == 1


def test_openmetrics_is_parseable_with_expected_samples(
    typical_report: AuditReport, tmp_path: Path
) -> None:
    (path,) = render_report(typical_report, ["openmetrics"], tmp_path)
    families = {f.name: f for f in text_string_to_metric_families(path.read_text())}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in families.values()
        for s in family.samples
    }
    account = (("account_alias", "acme"), ("account_id", "1234567890123456"))
    assert samples[("ram_audit_results", (*account, ("status", "FAIL")))] == 4
    assert samples[("ram_audit_failures",
                    (*account, ("severity", "high"), ("waived", "true")))] == 1
    key = ("ram_audit_check_results",
           (*account, ("check_id", "user_console_mfa_bound"), ("severity", "high"),
            ("status", "FAIL")))
    assert samples[key] == 2
    stamp = samples[("ram_audit_collected_timestamp_seconds", account)]
    assert stamp == typical_report.collected_at.timestamp()


def test_markdown_summary_and_incomplete_warning(
    typical_report: AuditReport, incomplete_report: AuditReport
) -> None:
    complete = render_markdown(typical_report).decode()
    assert "INCOMPLETE" not in complete
    assert "| critical | [MFA is enabled for the root account]" in complete
    assert complete.index("`root_mfa_enabled`") < complete.index("`access_key_rotated`")
    incomplete = render_markdown(incomplete_report).decode()
    assert "**Audit INCOMPLETE**" in incomplete
    assert "grant `ram:GetCredentialReport`" in incomplete


def test_markdown_escapes_tenant_text(kit) -> None:
    result = kit.make_result("user_console_mfa_bound", kit.Status.FAIL, "x",
                             message="a|b <img src=x onerror=alert(1)>")
    report = kit.make_report([result], alias="<script>alert(1)</script>")
    text = render_markdown(report).decode()
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_json_report_is_valid_json_with_contract_fields(
    typical_report: AuditReport, tmp_path: Path
) -> None:
    (path,) = render_report(typical_report, ["json"], tmp_path)
    data = json.loads(path.read_text())
    assert data["schema_version"] == "1"
    assert data["results"][0]["uid"] and "summary" in data and "collection_issues" in data

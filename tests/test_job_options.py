"""Scheduled-job options: --enable/enable, tags, waivers checks and warnings, the exit
message, case-insensitive severities, an honest summary, stale report files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli, summary_line
from auditor.errors import UsageError
from auditor.findings import Resource, Severity, Status
from auditor.pipeline import Options, build_report, exit_code, exit_reason, prepare
from auditor.registry import CheckRegistry
from auditor.report import Result as ReportResult
from auditor.report import result_uid
from auditor.sections import Section
from auditor.snapshot_file import save_snapshot
from auditor.testing import make_key, make_snapshot, make_user, missing
from auditor.waivers import apply_waivers, check_known_checks, load_waivers

ROOT = Path(__file__).resolve().parents[1]
OFF_BY_DEFAULT = "access_key_prefer_sts"


@pytest.fixture(autouse=True)
def _no_config_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ram-audit.toml / pyproject.toml picked up


def _ids(options: Options) -> set[str]:
    return {loaded.id for loaded in prepare(options).evaluation.checks}


def _defaults() -> set[str]:
    return {c.id for c in CheckRegistry.discover().all() if c.check.meta.enabled_by_default}


# --- --enable / enable -----------------------------------------------------------------


def test_off_by_default_check_is_off_by_default() -> None:
    assert OFF_BY_DEFAULT not in _defaults()
    assert _ids(Options()) == _defaults()


def test_enable_adds_an_off_by_default_check_to_the_defaults() -> None:
    assert _ids(Options(enable=[OFF_BY_DEFAULT])) == _defaults() | {OFF_BY_DEFAULT}


def test_enable_in_config_and_exclusions_still_apply(tmp_path: Path) -> None:
    config = tmp_path / "ram-audit.toml"
    config.write_text(f'enable = ["{OFF_BY_DEFAULT}"]\nexclude_checks = ["user_in_group"]\n')
    assert _ids(Options(config=config)) == (_defaults() | {OFF_BY_DEFAULT}) - {"user_in_group"}


def test_enable_unknown_check_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--enable: unknown check id 'nope'"):
        prepare(Options(enable=["nope"]))
    config = tmp_path / "ram-audit.toml"
    config.write_text('enable = ["nope"]\n')
    with pytest.raises(UsageError, match=r"ram-audit.toml: enable: unknown check id 'nope'"):
        prepare(Options(config=config))


def test_enable_on_the_command_line(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["permissions", "--enable", OFF_BY_DEFAULT, "--tags", "sts"])
    assert out.exit_code == 0, out.output
    assert "ram:ListUsers" in out.stdout


# --- tags and severities ---------------------------------------------------------------


def test_unknown_tags_are_named() -> None:
    with pytest.raises(UsageError, match=r"--tags: unknown tag\(s\) 'nope', 'mfaa' \(known: "):
        prepare(Options(tags=["mfa", "nope", "mfaa"]))


@pytest.mark.parametrize("flag", ["--fail-on", "--min-severity"])
@pytest.mark.parametrize("value", ["critical", "HIGH", "Medium", "low", "INFO"])
def test_fail_on_and_min_severity_take_the_same_values_in_any_case(
    tmp_path: Path, flag: str, value: str
) -> None:
    snapshot = tmp_path / "snap.json"
    save_snapshot(make_snapshot(users=[make_user("alice")]), snapshot)
    out = CliRunner().invoke(cli, ["evaluate", str(snapshot), flag, value, "--format", "json",
                                   "--output-dir", str(tmp_path / "out"), "--checks",
                                   "user_console_mfa_bound,root_mfa_enabled"])
    assert out.exit_code != 2, out.stderr


def test_config_fail_on_any_case(tmp_path: Path) -> None:
    config = tmp_path / "ram-audit.toml"
    config.write_text('fail_on = "HIGH"\n')
    assert prepare(Options(config=config)).fail_on == "high"


# --- waivers ---------------------------------------------------------------------------


def test_waiver_of_an_unknown_check_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text("- {check_id: root_mfa_enabled, resource: '*', reason: r, owner: o,"
                    " expires: 2030-01-01}\n"
                    "- {check_id: user_console_mfa_bund, resource: '*', reason: r, owner: o,"
                    " expires: 2030-01-01}\n")
    with pytest.raises(UsageError, match=r"waivers.yaml: waiver 2 \(check user_console_mfa_bund"
                       r"\): unknown check id 'user_console_mfa_bund'; did you mean "
                       r"'user_console_mfa_bound'\?"):
        prepare(Options(waivers=path))
    out = CliRunner().invoke(cli, ["permissions"])  # sanity: permissions needs no waivers
    assert out.exit_code == 0


def _demo_result(check_id: str, rtype: str, rid: str, name: str) -> ReportResult:
    resource = Resource(type=rtype, id=rid, name=name)
    return ReportResult(uid=result_uid(check_id, "1", resource), check_id=check_id, title="t",
                        severity=Severity.HIGH, status=Status.FAIL, resource=resource,
                        message="m", doc_url="https://example.invalid/")


def test_example_waivers_file_loads_and_matches_demo_resources() -> None:
    path = ROOT / "examples" / "waivers.yaml"
    waivers = load_waivers(path)
    assert len(waivers) == 3
    check_known_checks(path, waivers, [c.id for c in CheckRegistry.discover().all()])
    results = [
        _demo_result("access_key_rotated", "access_key", "LTAI5tBackupAgent01", "backup-agent"),
        _demo_result("access_key_rotated", "access_key", "LTAI5tDnsUpdater01", "dns-updater"),
        _demo_result("user_console_mfa_bound", "user", "6161541778880206", "tom.becker"),
        _demo_result("user_console_mfa_bound", "user", "4645959869256457", "nina.petrova"),
    ]
    out, problems = apply_waivers(results, waivers, date(2026, 12, 1))
    assert [r.waived for r in out] == [True, True, True, False]
    assert problems == []  # none stale, none expired
    assert "docs/waivers.md" in path.read_text()
    documented = (ROOT / "docs" / "waivers.md").read_text()
    for field in ("check_id", "resource", "reason", "owner", "expires"):
        assert f"| `{field}` | yes |" in documented


def _snapshot_file(tmp_path: Path, *, with_issue: bool = False) -> Path:
    user = make_user("alice", keys=[make_key("LTAIold", created_days_ago=200)])
    issues = [missing(Section.GROUPS, "ram:ListGroups")] if with_issue else []
    path = tmp_path / "snap.json"
    save_snapshot(make_snapshot(users=[user], issues=issues), path)
    return path


def _evaluate(tmp_path: Path, *args: str, with_issue: bool = False) -> Result:
    snapshot = _snapshot_file(tmp_path, with_issue=with_issue)
    return CliRunner().invoke(cli, ["evaluate", str(snapshot), "--output-dir",
                                    str(tmp_path / "out"), *args])


def test_expired_and_stale_waivers_are_warned_on_stderr(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(
        "- {check_id: access_key_rotated, resource: LTAIgone, reason: r, owner: platform,"
        " expires: 2030-01-31}\n"
        "- {check_id: access_key_rotated, resource: LTAIold, reason: r, owner: sec,"
        " expires: 2026-01-01}\n"
    )
    out = _evaluate(tmp_path, "--checks", "access_key_rotated", "--waivers", str(waivers),
                    "--format", "json")
    assert out.exit_code == 0, out.stderr  # medium failure, below --fail-on high
    lines = out.stderr.splitlines()
    assert ("ram-audit: warning: waiver for access_key_rotated resource 'LTAIold' (owner sec) "
            "expired on 2026-01-01 and no longer applies") in lines
    assert any(line.startswith("ram-audit: warning: waiver for access_key_rotated resource "
                               "'LTAIgone' (owner platform) covers no failing result (stale")
               for line in lines)


# --- exit message and summary ----------------------------------------------------------


def test_exit_message_says_why(tmp_path: Path) -> None:
    out = _evaluate(tmp_path, "--checks", "access_key_rotated", "--fail-on", "MEDIUM",
                    "--format", "json")
    assert out.exit_code == 1
    assert out.stderr.splitlines()[-1] == (
        "Exit code 1: 1 unwaived failure(s) at or above medium."
    )


def test_exit_message_when_1_wins_over_4(tmp_path: Path) -> None:
    out = _evaluate(tmp_path, "--checks", "access_key_rotated,user_in_group", "--fail-on",
                    "medium", "--format", "json", with_issue=True)
    assert out.exit_code == 1
    assert out.stderr.splitlines()[-1] == (
        "Exit code 1: 1 unwaived failure(s) at or above medium (also incomplete: 1 result(s) "
        "UNKNOWN/ERROR; 1 takes precedence over 4)."
    )
    out4 = _evaluate(tmp_path, "--checks", "access_key_rotated,user_in_group", "--format",
                     "json", with_issue=True)
    assert out4.exit_code == 4
    assert out4.stderr.splitlines()[-1] == (
        "Exit code 4: audit incomplete: 1 result(s) UNKNOWN/ERROR (--unknown-ok exits 0)."
    )


def test_exit_reason_for_a_clean_run() -> None:
    plan = prepare(Options(checks=["access_key_rotated"]))
    report = build_report(plan, make_snapshot(users=[make_user("bob")]))
    assert exit_code(report, "high") == 0
    assert exit_reason(report, "high", 0) == "no unwaived failure at or above high"


def test_readme_documents_that_1_wins_over_4() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "**1 wins over 4**" in readme
    assert "Exit code 1: 24 unwaived failure(s) at or above high." in readme


def test_summary_adds_up_and_counts_waived(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("- {check_id: access_key_rotated, resource: LTAIold, reason: r,"
                       " owner: o, expires: 2030-01-01}\n")
    plan = prepare(Options(checks=["access_key_rotated", "user_in_group",
                                   "user_console_mfa_bound"], waivers=waivers))
    user = make_user("alice", keys=[make_key("LTAIold", created_days_ago=200)])
    report = build_report(plan, make_snapshot(users=[user, make_user("bob")]))
    line = summary_line(report)
    counts = report.summary.by_status
    total = len(report.results)
    assert sum(counts.values()) == total
    assert line.startswith(f"Audited acme (1234567890123456): {total} results: "
                           f"{counts['PASS']} passed, {counts['FAIL']} failed (1 waived; ")
    assert f"{counts['UNKNOWN'] + counts['ERROR']} unknown/error, " in line
    assert line.endswith(f"{counts['NOT_APPLICABLE']} not applicable.")


# --- stale report files ----------------------------------------------------------------


def test_report_files_of_formats_not_written_are_warned_about(tmp_path: Path) -> None:
    first = _evaluate(tmp_path, "--checks", "access_key_rotated", "--format", "json,csv,junit")
    assert first.exit_code == 0 and "older report file" not in first.stderr
    second = _evaluate(tmp_path, "--checks", "access_key_rotated", "--format", "json")
    assert second.exit_code == 0
    assert (f"ram-audit: warning: {tmp_path / 'out'}: older report file(s) of formats not "
            "written this run: report.csv, report.junit.xml (not current; delete them or add "
            "their --format)") in second.stderr.splitlines()
    assert (tmp_path / "out" / "report.csv").exists()  # warned about, never deleted


def test_render_rerenders_junit_with_another_fail_on(tmp_path: Path) -> None:
    first = _evaluate(tmp_path, "--checks", "access_key_rotated", "--format", "json")
    assert first.exit_code == 0
    report = tmp_path / "out" / "report.json"
    for level, failures in (("high", 0), ("MEDIUM", 1)):
        out = CliRunner().invoke(cli, ["render", str(report), "--format", "junit",
                                       "--fail-on", level, "--output-dir", str(tmp_path / level)])
        assert out.exit_code == 0, out.stderr
        xml = (tmp_path / level / "report.junit.xml").read_text()
        assert f'failures="{failures}"' in xml.split("\n")[1]

"""Waiver files (YAML/TOML), matching, expiry and stale detection."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auditor.findings import Resource, Severity, Status
from auditor.report import Result, result_uid
from auditor.waivers import Waiver, WaiverFileError, apply_waivers, load_waivers

TODAY = date(2026, 11, 28)


def result(check_id: str, status: Status, rid: str, name: str = "") -> Result:
    resource = Resource(type="user", id=rid, name=name)
    return Result(uid=result_uid(check_id, "1", resource), check_id=check_id, title="t",
                  severity=Severity.HIGH, status=status, resource=resource, message="m",
                  doc_url="https://example.invalid/doc")


def waiver(check_id: str = "user_console_mfa_bound", resource: str = "break-glass-*",
           expires: date = date(2027, 1, 1)) -> Waiver:
    return Waiver(check_id=check_id, resource=resource, reason="kept in a safe",
                  owner="secops", expires=expires)


YAML = """\
waivers:
  - check_id: user_console_mfa_bound
    resource: break-glass-*
    reason: Emergency account, MFA device in the safe
    owner: secops@acme.example
    expires: 2027-03-31
  - check_id: access_key_rotated
    resource: "LTAI4*"
    reason: Legacy sync job, migration ticket SEC-12
    owner: platform@acme.example
    expires: "2026-12-31"
"""

TOML = """\
[[waivers]]
check_id = "user_console_mfa_bound"
resource = "break-glass-*"
reason = "Emergency account, MFA device in the safe"
owner = "secops@acme.example"
expires = 2027-03-31

[[waivers]]
check_id = "access_key_rotated"
resource = "LTAI4*"
reason = "Legacy sync job, migration ticket SEC-12"
owner = "platform@acme.example"
expires = "2026-12-31"
"""


@pytest.mark.parametrize(("name", "text"), [("w.yaml", YAML), ("w.toml", TOML)])
def test_load_yaml_and_toml_alike(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    waivers = load_waivers(path)
    assert [w.check_id for w in waivers] == ["user_console_mfa_bound", "access_key_rotated"]
    assert waivers[0].expires == date(2027, 3, 31)
    assert waivers[1].expires == date(2026, 12, 31)


def test_yaml_top_level_list_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text(
        "- {check_id: a_b_c, resource: '*', reason: r, owner: o, expires: 2027-01-01}\n"
    )
    assert load_waivers(path)[0].resource == "*"
    path.write_text("")
    assert load_waivers(path) == []


def test_yaml_error_names_file_entry_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(YAML.replace('expires: "2026-12-31"', "expires: next year"))
    with pytest.raises(WaiverFileError) as info:
        load_waivers(path)
    message = str(info.value)
    assert message == (f"{path}: waiver 2 (line 7, check access_key_rotated): expires (line 11): "
                       "'next year' is not a valid date (YYYY-MM-DD)")


def test_missing_and_unknown_fields_reported(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text("- {check_id: x_y_z, resource: '*', owner: o, expires: 2027-01-01, who: me}\n")
    with pytest.raises(WaiverFileError, match=r"waiver 1 \(line 1, check x_y_z\): reason: missing "
                       r"\(required\); who: is not a known field"):
        load_waivers(path)


def test_toml_errors_name_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "waivers.toml"
    path.write_text(TOML.replace('owner = "platform@acme.example"\n', ""))
    with pytest.raises(WaiverFileError, match=r"waivers\.toml: waiver 2 \(line 8, check "
                       r"access_key_rotated\): owner: missing \(required\)"):
        load_waivers(path)
    path.write_text("[[waivers]\n")
    with pytest.raises(WaiverFileError, match="invalid TOML"):
        load_waivers(path)


def test_invalid_yaml_and_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("waivers: [\n")
    with pytest.raises(WaiverFileError, match="invalid YAML"):
        load_waivers(path)
    path.write_text("waivers: 3\n")
    with pytest.raises(WaiverFileError, match="expected a list"):
        load_waivers(path)
    path.write_text("- just a string\n")
    with pytest.raises(WaiverFileError, match=r"waiver 1 \(line 1\): expected a mapping"):
        load_waivers(path)


def test_waived_result_keeps_status_and_carries_the_waiver() -> None:
    results = [
        result("user_console_mfa_bound", Status.FAIL, "u1", "break-glass-1"),
        result("user_console_mfa_bound", Status.FAIL, "u2", "alice"),
        result("access_key_rotated", Status.FAIL, "u3", "break-glass-1"),  # other check
    ]
    out, problems = apply_waivers(results, [waiver()], TODAY)
    assert [(r.status, r.waived) for r in out] == [
        (Status.FAIL, True), (Status.FAIL, False), (Status.FAIL, False)
    ]
    assert out[0].waiver is not None and out[0].waiver.owner == "secops"
    assert problems == []


def test_pattern_matches_id_or_name_case_sensitively() -> None:
    results = [
        result("access_key_rotated", Status.FAIL, "LTAI4abc", "sync"),
        result("access_key_rotated", Status.FAIL, "LTAI5xyz", "BREAK-GLASS"),
    ]
    out, _ = apply_waivers(results, [waiver("access_key_rotated", "LTAI4*")], TODAY)
    assert [r.waived for r in out] == [True, False]
    out, _ = apply_waivers(results, [waiver("access_key_rotated", "break-*")], TODAY)
    assert [r.waived for r in out] == [False, False]


def test_expired_waiver_stops_applying_and_is_reported() -> None:
    results = [result("user_console_mfa_bound", Status.FAIL, "u1", "break-glass-1")]
    still_valid, problems = apply_waivers(results, [waiver(expires=TODAY)], TODAY)
    assert still_valid[0].waived and problems == []  # valid through its expiry day
    out, problems = apply_waivers(results, [waiver(expires=date(2026, 11, 27))], TODAY)
    assert not out[0].waived
    assert [(p.problem, p.check_id, p.owner) for p in problems] == [
        ("expired", "user_console_mfa_bound", "secops")
    ]


def test_waiver_covering_no_failure_is_stale() -> None:
    results = [
        result("user_console_mfa_bound", Status.PASS, "u1", "break-glass-1"),
        result("root_mfa_enabled", Status.FAIL, "acct"),
    ]
    out, problems = apply_waivers(results, [waiver()], TODAY)
    assert not any(r.waived for r in out)  # a PASS is never marked waived
    assert [p.problem for p in problems] == ["stale"]


def test_invalid_yaml_names_line_and_problem_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers:\n  - check_id: [unclosed\n")
    with pytest.raises(WaiverFileError) as info:
        load_waivers(path)
    message = str(info.value)
    assert "waivers.yaml: invalid YAML: line 3" in message and "\n" not in message


JARGON = ("Input should be", "validation error for", "type=", "errors.pydantic.dev", "yaml.",
          "Traceback", "Value error")


@pytest.mark.parametrize(("name", "text", "good", "bad", "expected"), [
    ("waivers.yaml", YAML, "2027-03-31", "2027-02-30",
     "waiver 1 (line 2, check user_console_mfa_bound): expires (line 6): 2027-02-30 is not a "
     "valid date (YYYY-MM-DD)"),
    ("waivers.yaml", YAML, '"2026-12-31"', '"2026-13-01"',
     "waiver 2 (line 7, check access_key_rotated): expires (line 11): 2026-13-01 is not a valid "
     "date (YYYY-MM-DD)"),
    ("waivers.yaml", YAML, "2027-03-31", "2027-03-31 25:00:00",
     "waiver 1 (line 2, check user_console_mfa_bound): expires (line 6): '2027-03-31 25:00:00' "
     "is not a valid date (YYYY-MM-DD)"),
    ("waivers.toml", TOML, "2027-03-31", "2027-02-30",
     "waiver 1 (line 1, check user_console_mfa_bound): expires (line 6): 2027-02-30 is not a "
     "valid date (YYYY-MM-DD)"),
    ("waivers.toml", TOML, '"2026-12-31"', '"2026-02-29"',
     "waiver 2 (line 8, check access_key_rotated): expires (line 13): 2026-02-29 is not a valid "
     "date (YYYY-MM-DD)"),
])
def test_impossible_dates_name_file_waiver_and_field(tmp_path: Path, name: str, text: str,
                                                     good: str, bad: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(text.replace(f"expires = {good}" if name.endswith("toml")
                                 else f"expires: {good}", ("expires = " if name.endswith("toml")
                                                           else "expires: ") + bad, 1))
    with pytest.raises(WaiverFileError) as info:
        load_waivers(path)
    message = str(info.value)
    assert message == f"{path}: {expected}"
    assert not any(word in message for word in JARGON)


def test_wrong_types_are_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text("- {check_id: x_y_z, resource: [a], reason: '', owner: o, expires: 7}\n")
    with pytest.raises(WaiverFileError) as info:
        load_waivers(path)
    message = str(info.value)
    assert message.endswith("resource: ['a'] is not a text string; reason: must not be empty; "
                            "expires: 7 is not a valid date (YYYY-MM-DD)")
    assert not any(word in message for word in JARGON)
    path.write_text("- {check_id: x, resource: a, reason: r, owner: o, expires: !!int x}\n")
    with pytest.raises(WaiverFileError, match="invalid YAML: unreadable value"):
        load_waivers(path)

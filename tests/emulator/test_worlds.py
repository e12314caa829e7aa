"""The bundled demo world and its expected audit outcome (``tests/oracles/demo.expected.yaml``).

The rule that keeps a new check from breaking these tests while still catching regressions:
every check the expected table lists must give exactly its listed outcome, and the table may
list only existing built-in checks, each once; a built-in check it does not list (a new one)
runs too and must give a verdict, PASS, FAIL or NOT_APPLICABLE, never ERROR or UNKNOWN (the
demo's collection is complete, so UNKNOWN would be a defect).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from oracles import DEMO_EXPECTED

from auditor.emulator.server import Emulator
from auditor.emulator.world import World, load_world, resolve_time
from auditor.registry import CheckRegistry

WORLDS = Path(str(files("auditor.emulator.worlds")))
DEMO = WORLDS / "demo.yaml"
EXPECTED = DEMO_EXPECTED
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)

#: What a check the expected table does not list may give on the demo world.
VERDICTS = {"PASS", "FAIL", "NOT_APPLICABLE"}
STATUSES = {"PASS", "FAIL", "UNKNOWN", "ERROR", "NOT_APPLICABLE"}


@pytest.fixture(scope="module")
def demo() -> World:
    return load_world(DEMO)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))


def age_days(when: str | None) -> float | None:
    if when is None:
        return None
    return (NOW - resolve_time(when, NOW)) / timedelta(days=1)


def test_demo_is_a_mid_size_account(demo: World) -> None:
    assert demo.account.alias == "acme-retail"
    assert re.fullmatch(r"\d{16}", demo.account.id)
    assert 45 <= len(demo.users) <= 60
    assert len(demo.groups) >= 7
    assert len(demo.policies) >= 8
    assert len(demo.roles) >= 8
    assert demo.saml_providers and demo.oidc_providers


def test_demo_uses_only_relative_timestamps() -> None:
    text = DEMO.read_text(encoding="utf-8")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert len(re.findall(r"now-\d+[dhms]", text)) > 100


def test_demo_auditor_key_can_sign(demo: World) -> None:
    auditor = next(u for u in demo.users if u.name == "ram-auditor")
    assert auditor.login_profile is None
    (key,) = auditor.access_keys
    assert (key.id, key.secret, key.status) == (
        "LTAI5tDemoAuditor0000001", "DemoAuditorSecretNotARealKey01", "Active")


def test_demo_exercises_user_and_key_findings(demo: World) -> None:
    console = [u for u in demo.users if u.login_profile and u.login_profile.status == "Active"]
    active_keys = [k for u in demo.users for k in u.access_keys if k.status == "Active"]
    assert [u for u in console if u.mfa_device is None]
    assert [u for u in console if u.mfa_device is None and u.login_profile.mfa_bind_required]
    assert [u for u in console if u.last_login is None]
    assert [u for u in console if any(k.status == "Active" for k in u.access_keys)]
    assert [u for u in demo.users if u.login_profile and u.login_profile.status == "Inactive"]
    assert [u for u in demo.users if not u.groups]
    assert [u for u in demo.users if u.policies]
    assert [u for u in demo.users if sum(k.status == "Active" for k in u.access_keys) > 1]
    assert [k for u in demo.users for k in u.access_keys if k.status == "Inactive"]
    assert [k for k in active_keys if k.last_used is None]
    ages = {round(age_days(k.created) or 0) for k in active_keys}
    assert {89, 91} <= ages  # either side of access_key_rotated's 90 days
    logins = {round(age_days(u.last_login) or 0) for u in console}
    assert {89, 91} <= logins  # either side of user_console_inactive_disabled's 90 days
    assert demo.root.mfa_bound and demo.root.access_keys


def test_demo_exercises_policies_groups_and_roles(demo: World) -> None:
    members = {g for u in demo.users for g in u.groups}
    attached = {p.name for u in demo.users for p in u.policies}
    attached |= {p.name for g in demo.groups for p in g.policies}
    attached |= {p.name for r in demo.roles for p in r.policies}
    assert [g for g in demo.groups if g.name not in members]
    assert [g for g in demo.groups if not g.policies]
    assert [p for p in demo.policies if p.name not in attached]
    assert [p for p in demo.policies if len(p.all_versions()) > 1]
    service_linked = [r for r in demo.roles if r.service_linked]
    assert len(service_linked) >= 2
    assert [r for r in demo.roles if r.max_session_duration == 43200 and not r.service_linked]
    assert demo.sso.enabled


def builtin_check_ids() -> list[str]:
    return [c.id for c in CheckRegistry.discover().all() if c.pack == "builtin"]


def test_expected_names_existing_checks_once(expected: dict[str, Any]) -> None:
    assert "root_mfa_enabled" in expected  # the table was read
    assert not set(expected) - set(builtin_check_ids()), "expected names unknown checks"
    raw_keys = re.findall(r"^(\w+):", EXPECTED.read_text(encoding="utf-8"), re.MULTILINE)
    assert sorted(raw_keys) == sorted(expected)  # no key given twice (YAML would keep one)


def test_expected_entries_are_well_formed(expected: dict[str, Any]) -> None:
    for check_id, outcome in expected.items():
        if "status" in outcome:
            assert outcome["status"] in STATUSES, check_id
            continue
        counts = outcome["status_counts"]
        assert set(counts) <= STATUSES and all(n > 0 for n in counts.values()), check_id
        failing = outcome.get("fail_ids", outcome.get("fail"))
        assert failing is not None, check_id
        assert ("fail_ids" in outcome) != ("fail" in outcome), check_id
        assert counts.get("FAIL", 0) == len(failing) == len(set(failing)), check_id


def test_expected_failures_name_resources_of_the_demo(
    demo: World, expected: dict[str, Any]
) -> None:
    names = {
        "user": {u.name for u in demo.users},
        "access_key": {k.id for u in demo.users for k in u.access_keys},
        "group": {g.name for g in demo.groups},
        "policy": {p.name for p in demo.policies},
        "role": {r.name for r in demo.roles},
        # external_principal_no_admin_path: the node ids of accounts that trust policies name
        "external": {f"account/{a}" for r in demo.roles
                     for a in re.findall(r"acs:ram::(\d+):root", json.dumps(r.trust_policy))},
    }
    for check_id, outcome in expected.items():
        if "status" in outcome:
            continue
        # Per-key results are listed by AccessKeyId, the others by name (per-user key checks
        # such as access_key_single_active by user name); the e2e test checks the kinds.
        if "fail_ids" in outcome:
            kind = "access_key"
        else:
            kind = {"access": "user"}.get(check_id.split("_")[0], check_id.split("_")[0])
        known = names.get(kind, set().union(*names.values()))
        assert set(outcome.get("fail_ids", outcome.get("fail", []))) <= known, check_id


def test_expected_counts_cover_the_whole_population(
    demo: World, expected: dict[str, Any]
) -> None:
    def total(check_id: str) -> int:
        return sum(expected[check_id]["status_counts"].values())

    for check_id in ("user_console_api_separated", "user_in_group", "user_no_direct_policies"):
        assert total(check_id) == len(demo.users)
    active_keys = sum(k.status == "Active" for u in demo.users for k in u.access_keys)
    for check_id in ("access_key_rotated", "access_key_used_recently", "access_key_prefer_sts"):
        assert total(check_id) == active_keys
    assert total("group_has_members") == total("group_has_policies") == len(demo.groups)
    assert total("policy_no_full_admin") == len(demo.policies)
    assert total("role_trust_restricted") == len(demo.roles)
    assert total("role_max_session_short") == sum(not r.service_linked for r in demo.roles)


def _outcome(results: list[dict[str, Any]], account_level: bool) -> dict[str, Any]:
    """A check's results in the shape of demo.expected.yaml: failing AccessKeys by id
    (``fail_ids``), other failing resources by name (``fail``)."""
    if account_level:
        return {"status": [r["status"] for r in results]}
    per_key = any(r["resource"]["type"] == "access_key" for r in results)
    failing = sorted(
        r["resource"]["id" if per_key else "name"] for r in results if r["status"] == "FAIL"
    )
    counts = dict(Counter(r["status"] for r in results))
    return {"status_counts": counts, "fail_ids" if per_key else "fail": failing}


def _wanted(outcome: dict[str, Any]) -> dict[str, Any]:
    """An entry of demo.expected.yaml in the shape :func:`_outcome` produces."""
    if "status" in outcome:
        return {"status": [outcome["status"]]}
    failing = sorted(outcome.get("fail_ids", outcome.get("fail", [])))
    key = "fail_ids" if "fail_ids" in outcome else "fail"
    return {"status_counts": outcome["status_counts"], key: failing}


def test_demo_audit_matches_expected(tmp_path: Path, expected: dict[str, Any]) -> None:
    """End to end: the real SDK audits the demo world served by the emulator."""
    command = shutil.which("ram-audit", path=str(Path(sys.executable).parent))
    assert command, "ram-audit is not installed next to this interpreter"
    with Emulator(DEMO) as emulator:
        url = f"http://{emulator.endpoint}"
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(
            ALIBABA_CLOUD_ACCESS_KEY_ID="LTAI5tDemoAuditor0000001",
            ALIBABA_CLOUD_ACCESS_KEY_SECRET="DemoAuditorSecretNotARealKey01",
            RAM_AUDIT_ENDPOINT_RAM=url, RAM_AUDIT_ENDPOINT_IMS=url, RAM_AUDIT_ENDPOINT_STS=url,
        )
        completed = subprocess.run(
            [command, "run", "--format", "json", "--output-dir", str(tmp_path), "--quiet",
             "--checks", ",".join(builtin_check_ids())],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )
    assert completed.returncode == 1, completed.stderr  # FAILs at high severity exist
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["collection_issues"] == []
    results: dict[str, list[dict[str, Any]]] = {}
    for result in report["results"]:
        results.setdefault(result["check_id"], []).append(result)
    actual = {
        check_id: _outcome(results.get(check_id, []), "status" in outcome)
        for check_id, outcome in expected.items()
    }
    assert actual == {check_id: _wanted(outcome) for check_id, outcome in expected.items()}
    unlisted = {
        check_id: {r["status"] for r in check_results}
        for check_id, check_results in results.items()
        if check_id not in expected
    }
    assert set(results) == set(builtin_check_ids())  # every built-in check gave a result
    assert {c: s - VERDICTS for c, s in unlisted.items()} == {c: set() for c in unlisted}

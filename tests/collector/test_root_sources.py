"""Root facts over HTTP: each comes from whichever source states it.

The security-practice report (AccessKey count, MFA), GetAccountMFAInfo (MFA) and the
credential report's ``<root>`` row (keys, MFA, last logon) are denied in every combination;
each root check is UNKNOWN exactly when no allowed source states its own fact.
"""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import combinations
from typing import Any

import pytest
from collector_support import auditor_credentials, settings_for

from auditor.collector import collect_snapshot
from auditor.emulator import Emulator, Faults, parse_world
from auditor.emulator.generate import generate_world
from auditor.emulator.world import World
from auditor.engine import run_check
from auditor.findings import Status
from auditor.registry import LoadedCheck
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot
from checks.root import RootAccessKeyAbsent, RootConsoleUnused, RootMfaEnabled

NOW = datetime.now(timezone.utc).replace(microsecond=0)
PRACTICE = "GetAccountSecurityPracticeReport"
MFA_INFO = "GetAccountMFAInfo"
REPORT = "GetCredentialReport"
SOURCES = (PRACTICE, MFA_INFO, REPORT)


def _world(**root: Any) -> World:
    data = generate_world(3, seed=2).model_dump(mode="json", exclude_defaults=True)
    data["root"] = {"mfa_bound": True, "last_console_login": "now-3d", **root}
    return parse_world(data, "root-sources")


#: One Active and one disabled root key: both count.
TWO_KEYS = _world(access_keys=[
    {"id": "LTAI5tRootActive0001", "created": "now-300d", "last_used": "now-2d"},
    {"id": "LTAI5tRootInactive01", "created": "now-200d", "status": "Inactive"},
])


def _collect(world: World, denied: set[str]) -> AccountSnapshot:
    with Emulator(world, faults=Faults(deny=frozenset(denied)), now=NOW) as emu:
        return collect_snapshot(
            settings_for(emu), [Section.ROOT, Section.ROOT_ACTIVITY],
            credentials=auditor_credentials(),
        )


def _statuses(snap: AccountSnapshot) -> tuple[Status, Status, Status]:
    checks = (RootAccessKeyAbsent, RootMfaEnabled, RootConsoleUnused)
    found = []
    for check in checks:
        loaded = LoadedCheck(check, "builtin", "ram-audit")
        (finding,) = run_check(loaded, snap, check.Params())
        found.append(finding.status)
    return found[0], found[1], found[2]


COMBINATIONS = [set(c) for n in range(len(SOURCES) + 1) for c in combinations(SOURCES, n)]


@pytest.mark.parametrize("denied", COMBINATIONS, ids=lambda d: "+".join(sorted(d)) or "none")
def test_each_root_fact_from_any_source_that_states_it(denied: set[str]) -> None:
    snap = _collect(TWO_KEYS, denied)
    keys_known = PRACTICE not in denied or REPORT not in denied
    mfa_known = len(denied) < 3
    logon_known = REPORT not in denied
    root = snap.root
    assert (root is not None) == (keys_known or mfa_known)
    assert (root.access_key_count if root else None) == (2 if keys_known else None)
    assert (root.mfa_bound if root else None) == (True if mfa_known else None)
    expected = (
        Status.FAIL if keys_known else Status.UNKNOWN,  # two keys, one of them disabled
        Status.PASS if mfa_known else Status.UNKNOWN,
        Status.FAIL if logon_known else Status.UNKNOWN,  # logged on 3 days ago
    )
    assert _statuses(snap) == expected
    # A missing issue only for a fact no source stated, naming each source's failure.
    missing = {(i.action.partition(":")[2], i.code) for i in snap.missing_issues(Section.ROOT)}
    wanted = set()
    if not keys_known:
        wanted |= {(PRACTICE, "NoPermission"), (REPORT, "NoPermission")}
    if not mfa_known:
        wanted |= {(a, "NoPermission") for a in SOURCES}
    assert missing == wanted
    degraded = {i.action.partition(":")[2] for i in snap.issues
                if i.section == Section.ROOT and i.kind == "degraded"}
    assert degraded == {a for a in (PRACTICE, MFA_INFO) if a in denied} - {
        a for a, _ in wanted}


def test_the_issue_case_keys_and_mfa_from_the_root_row() -> None:
    """Security-practice report and GetAccountMFAInfo denied: the <root> row decides."""
    snap = _collect(TWO_KEYS, {PRACTICE, MFA_INFO})
    assert snap.root is not None
    assert (snap.root.access_key_count, snap.root.access_key_count_from) == (
        2, "ims:GetCredentialReport")
    assert (snap.root.mfa_bound, snap.root.mfa_bound_from) == (True, "ims:GetCredentialReport")
    assert snap.missing_issues(Section.ROOT) == ()
    loaded = LoadedCheck(RootAccessKeyAbsent, "builtin", "ram-audit")
    (finding,) = run_check(loaded, snap, RootAccessKeyAbsent.Params())
    assert finding.status == Status.FAIL
    assert "2 AccessKey(s) (active or disabled)" in finding.message
    assert "<root> row" in finding.message


@pytest.mark.parametrize("denied", [set(), {PRACTICE, MFA_INFO}], ids=["all", "row-only"])
def test_a_lone_disabled_root_key_still_fails(denied: set[str]) -> None:
    world = _world(mfa_bound=False, access_keys=[
        {"id": "LTAI5tRootInactive01", "created": "now-200d", "status": "Inactive"}])
    snap = _collect(world, denied)
    assert snap.root is not None and snap.root.access_key_count == 1
    assert _statuses(snap)[:2] == (Status.FAIL, Status.FAIL)


@pytest.mark.parametrize("denied", [set(), {PRACTICE, MFA_INFO}], ids=["all", "row-only"])
def test_no_root_key_and_mfa_pass(denied: set[str]) -> None:
    snap = _collect(_world(last_console_login="now-200d"), denied)
    assert _statuses(snap) == (Status.PASS, Status.PASS, Status.PASS)


def test_unknown_fact_names_what_to_grant() -> None:
    snap = _collect(TWO_KEYS, {PRACTICE, REPORT})
    loaded = LoadedCheck(RootAccessKeyAbsent, "builtin", "ram-audit")
    (finding,) = run_check(loaded, snap, RootAccessKeyAbsent.Params())
    assert finding.status == Status.UNKNOWN
    assert "grant ram:GetAccountSecurityPracticeReport" in finding.message
    assert "grant ram:GetCredentialReport" in finding.message
    assert "GetAccountMFAInfo" not in finding.message

"""End-to-end: the real SDK over HTTP against the emulator."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from collector_support import auditor_credentials, settings_for
from oracles.call_budget import expected_calls

from auditor.collector import CollectionAborted, collect_snapshot
from auditor.collector.credentials import static_credentials
from auditor.emulator import Emulator, Faults
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, generate_world
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot

# One fixed moment for the whole module (the same world twice gives the same content);
# the present, so the emulator's credential report is fresh.
NOW = datetime.now(timezone.utc).replace(microsecond=0)
ALL = list(Section)


def content(snapshot: AccountSnapshot) -> dict[str, Any]:
    """The snapshot without what legitimately varies between runs."""
    data = snapshot.model_dump(mode="json")
    data["meta"].pop("api_calls")
    data["meta"].pop("collected_at")
    return data


@pytest.fixture(scope="module")
def big_world():  # type: ignore[no-untyped-def]
    return generate_world(2000, seed=3)


def test_call_budget_on_2000_users_is_exact_and_paginates(big_world) -> None:  # type: ignore[no-untyped-def]
    with Emulator(big_world, now=NOW) as emu:
        snap = collect_snapshot(settings_for(emu), ALL, credentials=auditor_credentials())
        assert emu.write_attempts == []
        server_total = sum(emu.call_counts.values())
    assert snap.issues == ()
    assert len(snap.users) == 2000  # two ListUsers pages of 1000
    assert snap.meta.api_calls["ims:ListUsers"] == 2
    # Two keys of one user share a creation second: their last use is read directly.
    assert snap.meta.api_calls["ims:GetAccessKeyLastUsed"] == 2
    assert snap.meta.api_calls == expected_calls(big_world)
    assert sum(snap.meta.api_calls.values()) == server_total
    # No per-user N+1: besides ListAccessKeys for key holders, nothing scales with users.
    with_keys = sum(1 for u in big_world.users if u.access_keys)
    assert sum(snap.meta.api_calls.values()) - with_keys < 200
    assert snap.meta.credential_report_generated_at is not None


def test_snapshot_content_is_right(small_world) -> None:  # type: ignore[no-untyped-def]
    with Emulator(small_world, now=NOW) as emu:
        snap = collect_snapshot(settings_for(emu), ALL, credentials=auditor_credentials())
    assert snap.caller.account_id == small_world.account.id
    assert snap.account_alias == small_world.account.alias
    assert all(snap.is_complete(s) for s in Section)
    assert snap.root is not None
    assert snap.root.access_key_count == len(small_world.root.access_keys)
    assert snap.root.mfa_bound == small_world.root.mfa_bound
    by_name = {u.name: u for u in snap.users}
    for spec in small_world.users:
        user = by_name[spec.name]
        assert sorted(k.id for k in user.access_keys) == sorted(k.id for k in spec.access_keys)
        assert {k.id: k.status for k in user.access_keys} == {
            k.id: k.status for k in spec.access_keys
        }
        assert user.has_login_profile == (spec.login_profile is not None)
        assert user.console_access == (
            spec.login_profile is not None and spec.login_profile.status == "Active"
        )
        assert user.mfa_bound == (spec.mfa_device is not None)
        assert sorted(g.name for g in snap.groups_of(spec.name)) == sorted(spec.groups)
    assert {r.name for r in snap.roles} == {r.name for r in small_world.roles}
    assert {p.name for p in snap.policies if p.type == "Custom"} == {
        p.name for p in small_world.policies
    }
    assert all(p.document is not None for p in snap.policies)


def test_faults_do_not_change_the_snapshot(small_world) -> None:  # type: ignore[no-untyped-def]
    with Emulator(small_world, now=NOW) as emu:
        clean = collect_snapshot(settings_for(emu), ALL, credentials=auditor_credentials())
    faults = Faults(throttle_rate=0.3, server_error_rate=0.1, seed=11)
    with Emulator(small_world, faults=faults, now=NOW) as emu:
        faulty = collect_snapshot(settings_for(emu), ALL, credentials=auditor_credentials())
    assert faulty.issues == ()
    assert content(faulty) == content(clean)
    assert sum(faulty.meta.api_calls.values()) > sum(clean.meta.api_calls.values())


def test_retry_after_header_is_honoured(small_world) -> None:  # type: ignore[no-untyped-def]
    sleeps: list[float] = []
    faults = Faults(throttle_rate=0.3, retry_after_ms=7, seed=5)
    with Emulator(small_world, faults=faults, now=NOW) as emu:
        snap = collect_snapshot(
            settings_for(emu, sleep=sleeps.append), ALL, credentials=auditor_credentials()
        )
    assert snap.issues == ()
    assert 0.007 in sleeps


def test_denied_credential_report_falls_back_per_user(small_world) -> None:  # type: ignore[no-untyped-def]
    with Emulator(small_world, now=NOW) as emu:
        with_report = collect_snapshot(settings_for(emu), ALL, credentials=auditor_credentials())
    denied = Faults(deny=frozenset({"GetCredentialReport"}))
    with Emulator(small_world, faults=denied, now=NOW) as emu:
        snap = collect_snapshot(settings_for(emu), ALL, credentials=auditor_credentials())
    assert snap.is_complete(Section.USERS)
    assert snap.is_complete(Section.ROOT)  # security-practice report + MFA info suffice
    assert not snap.is_complete(Section.ROOT_ACTIVITY)
    degraded = [i for i in snap.issues if i.kind == "degraded"]
    assert [(i.section, i.action, i.permission) for i in degraded] == [
        (Section.USERS, "ims:GetCredentialReport", "ram:GetCredentialReport")
    ]
    assert snap.users == with_report.users
    assert snap.meta.api_calls == expected_calls(small_world, report=False) | {
        "ims:GenerateCredentialReport": with_report.meta.api_calls["ims:GenerateCredentialReport"],
        "ims:GetCredentialReport": 1,
    }


def test_report_not_ready_in_time_falls_back(small_world) -> None:  # type: ignore[no-untyped-def]
    slow = small_world.model_copy(
        update={"credential_report": small_world.credential_report.model_copy(
            update={"polls_until_ready": 50})}
    )
    sleeps: list[float] = []
    with Emulator(slow, now=NOW) as emu:
        snap = collect_snapshot(
            # Waits are recorded, not slept; the deadline is long enough that the poller's
            # real-time backstop (twice the deadline) never cuts in on a loaded machine.
            settings_for(
                emu,
                sleep=sleeps.append,
                credential_report_poll_s=0.5,
                credential_report_timeout_s=3.0,
            ),
            [Section.USERS],
            credentials=auditor_credentials(),
        )
    assert snap.is_complete(Section.USERS)
    assert [i.code for i in snap.issues] == ["CredentialReportNotReady"]
    # Waits double from 0.5 s and stop at the 3 s deadline: 1 + 3 bounded polls.
    assert snap.meta.api_calls["ims:GenerateCredentialReport"] == 4
    assert sleeps == pytest.approx([0.5, 1.0, 1.5])


def test_denied_password_policy_marks_only_that_section(small_world) -> None:  # type: ignore[no-untyped-def]
    denied = Faults(deny=frozenset({"GetPasswordPolicy"}))
    with Emulator(small_world, faults=denied, now=NOW) as emu:
        snap = collect_snapshot(settings_for(emu), ALL, credentials=auditor_credentials())
    assert snap.password_policy is None
    assert not snap.is_complete(Section.PASSWORD_POLICY)
    (issue,) = snap.missing_issues(Section.PASSWORD_POLICY)
    assert (issue.action, issue.code, issue.permission) == (
        "ims:GetPasswordPolicy", "NoPermission", "ram:GetPasswordPolicy"
    )
    assert all(snap.is_complete(s) for s in Section if s != Section.PASSWORD_POLICY)


def test_only_requested_sections_are_collected(small_world) -> None:  # type: ignore[no-untyped-def]
    with Emulator(small_world, now=NOW) as emu:
        snap = collect_snapshot(
            settings_for(emu), [Section.PASSWORD_POLICY], credentials=auditor_credentials()
        )
    assert snap.meta.sections == (Section.IDENTITY, Section.PASSWORD_POLICY)
    assert snap.meta.api_calls == {
        "ims:GetPasswordPolicy": 1, "ram:GetAccountAlias": 1, "sts:GetCallerIdentity": 1
    }
    assert snap.users == () and snap.password_policy is not None


@pytest.mark.parametrize(
    ("key_id", "secret"),
    [(AUDITOR_KEY_ID, "wrong-secret-value-123"), ("LTAIunknownKey0000", AUDITOR_KEY_SECRET)],
)
def test_rejected_credentials_abort(small_emulator, key_id: str, secret: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CollectionAborted, match="credentials rejected") as info:
        collect_snapshot(
            settings_for(small_emulator), ALL, credentials=static_credentials(key_id, secret)
        )
    assert secret not in str(info.value)
    assert small_emulator.call_counts == {"GetCallerIdentity": 1}


def test_unreachable_endpoint_aborts_quickly(small_emulator, closed_port: int) -> None:  # type: ignore[no-untyped-def]
    from auditor.collector.settings import Endpoint

    dead = Endpoint(f"127.0.0.1:{closed_port}", "http")
    settings = settings_for(small_emulator)
    settings = settings_for(small_emulator, endpoints={**settings.endpoints, "sts": dead})
    started = time.monotonic()
    with pytest.raises(CollectionAborted, match="unreachable"):
        collect_snapshot(settings, ALL, credentials=auditor_credentials())
    assert time.monotonic() - started < 5


def test_no_secret_in_logs_progress_snapshot_or_errors(  # type: ignore[no-untyped-def]
    small_world, caplog: pytest.LogCaptureFixture
) -> None:
    lines: list[str] = []
    caplog.set_level(logging.DEBUG)
    faults = Faults(throttle_rate=0.2, deny=frozenset({"GetPasswordPolicy"}), seed=2)
    with Emulator(small_world, faults=faults, now=NOW) as emu:
        snap = collect_snapshot(
            settings_for(emu), ALL, credentials=auditor_credentials(), on_progress=lines.append
        )
        with pytest.raises(CollectionAborted) as info:
            collect_snapshot(
                settings_for(emu), ALL, on_progress=lines.append,
                credentials=static_credentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET + "x"),
            )
    everything = "\n".join([*lines, caplog.text, snap.model_dump_json(), str(info.value)])
    assert lines and "GetPasswordPolicy" in everything  # the sources are not empty
    assert AUDITOR_KEY_SECRET not in everything


def test_an_old_credential_report_is_called_out(small_world) -> None:  # type: ignore[no-untyped-def]
    # The emulator serves the report as generated when the world was loaded: 2 h ago here.
    two_hours_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    with Emulator(small_world, now=two_hours_ago) as emu:
        snap = collect_snapshot(settings_for(emu), [Section.USERS],
                                credentials=auditor_credentials())
    [issue] = [i for i in snap.issues if i.code == "StaleCredentialReport"]
    assert issue.kind == "degraded" and issue.section is Section.USERS
    assert "2.0 h before this audit" in issue.message
    assert snap.is_complete(Section.USERS)
    with Emulator(small_world) as emu:  # a fresh report: nothing to say
        fresh = collect_snapshot(settings_for(emu), [Section.USERS],
                                 credentials=auditor_credentials())
    assert not [i for i in fresh.issues if i.code == "StaleCredentialReport"]

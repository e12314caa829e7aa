"""Per-API fan-out: bounded in flight per API, APIs in parallel, progress without flooding."""

from __future__ import annotations

import threading
import time
from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from collector_support import auditor_credentials, settings_for
from oracles.call_budget import expected_calls

from auditor.collector import collect_snapshot
from auditor.collector.context import ProgressCounter
from auditor.collector.pools import ActionPools
from auditor.demo import auditor_credentials as demo_credentials
from auditor.demo import emulator_settings
from auditor.emulator import Emulator, Faults, load_world
from auditor.findings import Status
from auditor.pipeline import Options, build_report, prepare
from auditor.sections import Section


class InFlight:
    """Counts concurrent calls per key and overall; remembers the maxima."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.total = 0
        self.peak_total = 0

    def enter(self, key: str) -> None:
        with self._lock:
            self.now[key] += 1
            self.total += 1
            self.peak[key] = max(self.peak[key], self.now[key])
            self.peak_total = max(self.peak_total, self.total)

    def leave(self, key: str) -> None:
        with self._lock:
            self.now[key] -= 1
            self.total -= 1


def test_action_pools_bound_each_api_and_run_apis_in_parallel() -> None:
    seen = InFlight()

    def work(action: str) -> str:
        seen.enter(action)
        time.sleep(0.01)
        seen.leave(action)
        return action

    actions = ["ims:GetLoginProfile", "ims:GetUserMFAInfo", "ims:ListAccessKeys"]
    with ActionPools(3) as pools:
        futures = [pools.submit(a, work, a) for _ in range(12) for a in actions]
    assert [f.result() for f in futures] == actions * 12
    assert max(seen.peak.values()) == 3  # the bound is reached, never exceeded
    assert seen.peak_total > 3  # different APIs were in flight at the same time


def test_action_pools_cancel_queued_calls_on_error() -> None:
    release = threading.Event()
    with pytest.raises(RuntimeError, match="abort"), ActionPools(1) as pools:
        running = pools.submit("ims:ListAccessKeys", release.wait, 5)
        queued = [pools.submit("ims:ListAccessKeys", time.sleep, 5) for _ in range(5)]
        release.set()
        raise RuntimeError("abort")
    assert running.result() is True
    assert all(f.cancelled() for f in queued)
    with pytest.raises(RuntimeError, match="closed"):
        pools.submit("ims:ListAccessKeys", time.sleep, 0)


def test_progress_counter_reports_steps_at_most_every_interval() -> None:
    now = [0.0]
    lines: list[str] = []
    counter = ProgressCounter(lines.append, "per-user details", 10_000, clock=lambda: now[0])
    for _ in range(10_000):
        now[0] += 0.01  # 100 s in all
        counter.advance()
    assert lines[0] == "per-user details: 1,000/10,000"
    assert lines[-1] == "per-user details: 10,000/10,000"
    assert len(lines) == 10


def test_progress_counter_is_silent_for_short_fan_outs() -> None:
    now = [0.0]
    lines: list[str] = []
    counter = ProgressCounter(lines.append, "roles", 50, clock=lambda: now[0])
    for _ in range(50):
        now[0] += 0.01
        counter.advance()
    assert lines == []
    # A fast counter over many items still prints at most one line per interval.
    counter = ProgressCounter(lines.append, "access keys", 1000, clock=lambda: now[0])
    for _ in range(1000):
        now[0] += 0.003  # 3 s in all: 10 % every 0.3 s, a line after 2 s
        counter.advance()
    assert lines == ["access keys: 667/1,000", "access keys: 1,000/1,000"]


def test_fallback_fans_out_per_api_within_the_bound(small_world) -> None:  # type: ignore[no-untyped-def]
    seen = InFlight()
    faults = Faults(latency_ms=10, deny=frozenset({"GetCredentialReport"}))
    with Emulator(small_world, faults=faults) as emu:
        handle = emu.backend.handle

        def counted(request: Any) -> Any:
            action = request.headers.get("x-acs-action") or dict(request.query).get("Action")
            seen.enter(action)
            try:
                return handle(request)
            finally:
                seen.leave(action)

        emu.backend.handle = counted  # type: ignore[method-assign]
        snap = collect_snapshot(
            settings_for(emu, max_workers=3), [Section.USERS], credentials=auditor_credentials()
        )
    assert len(snap.users) == len(small_world.users)
    per_user = ("GetLoginProfile", "GetUserMFAInfo", "ListAccessKeys", "GetAccessKeyLastUsed")
    assert all(seen.peak[a] <= 3 for a in per_user)
    assert seen.peak["GetLoginProfile"] == 3
    assert seen.peak_total > 3  # several APIs at once, not one user at a time
    assert seen.peak_total <= 3 * len(per_user)


def test_fallback_failure_of_one_api_leaves_only_that_fact_unknown(small_world) -> None:  # type: ignore[no-untyped-def]
    faults = Faults(deny=frozenset({"GetCredentialReport", "GetUserMFAInfo"}))
    with Emulator(small_world, faults=faults) as emu:
        snap = collect_snapshot(
            settings_for(emu), [Section.USERS], credentials=auditor_credentials()
        )
    # Every user is kept, with its login profile and keys; only its MFA state is unknown.
    assert sorted(u.name for u in snap.users) == sorted(u.name for u in small_world.users)
    assert snap.is_complete(Section.USERS)
    assert all(set(snap.gaps(u)) == {"mfa"} for u in snap.users)
    missing = {(i.section, i.action, i.code) for i in snap.issues if i.kind == "missing"}
    assert missing == {(Section.USERS, "ims:GetUserMFAInfo", "NoPermission")}


def _watch(emu: Emulator, seen: InFlight) -> None:
    handle = emu.backend.handle

    def counted(request: Any) -> Any:
        action = request.headers.get("x-acs-action") or dict(request.query).get("Action")
        seen.enter(action)
        try:
            return handle(request)
        finally:
            seen.leave(action)

    emu.backend.handle = counted  # type: ignore[method-assign]


def test_independent_sections_are_read_side_by_side(small_world) -> None:  # type: ignore[no-untyped-def]
    """While the user list is read, the other sections' first calls are in flight too."""
    seen = InFlight()
    with Emulator(small_world, faults=Faults(latency_ms=20)) as emu:
        _watch(emu, seen)
        snap = collect_snapshot(settings_for(emu), list(Section), credentials=auditor_credentials())
    assert snap.issues == ()
    firsts = ("ListUsers", "GetPasswordPolicy", "GetSecurityPreference", "ListGroups",
              "ListPolicies", "ListRoles", "GetUserSsoSettings")
    assert all(seen.peak[a] >= 1 for a in firsts)
    assert seen.peak_total >= len(firsts)  # one at a time would be 1 per API, in sequence


def test_a_shared_quota_slows_the_run_down_without_unknowns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Other callers leave 5 req/s per API: throttled at first, the run adapts and completes,
    and every check enabled by default decides (no UNKNOWN)."""
    world = load_world(Path(str(files("auditor.emulator.worlds"))) / "hardened.yaml")
    plan = prepare(Options(formats=("json",), output_dir=tmp_path))
    with Emulator(world, faults=Faults(qps_limit={"*": 5})) as emu:
        snap = collect_snapshot(  # the defaults: 100 req/s per API, adaptive
            emulator_settings(emu), plan.sections, credentials=demo_credentials(world)
        )
    assert snap.issues == ()
    report = build_report(plan, snap)
    assert [r.check_id for r in report.results if r.status is Status.UNKNOWN] == []
    # It was throttled (the calls include retries) yet completed.
    assert sum(snap.meta.api_calls.values()) > sum(expected_calls(world, report=True).values())

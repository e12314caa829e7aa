"""Frozen users over HTTP: the collector lists every user, whatever its status."""

from __future__ import annotations

from datetime import datetime, timezone

from collector_support import auditor_credentials, settings_for

from auditor.collector import collect_snapshot
from auditor.emulator import Emulator, Faults, parse_world
from auditor.emulator.generate import generate_world
from auditor.emulator.world import World
from auditor.sections import Section

NOW = datetime.now(timezone.utc).replace(microsecond=0)
USERS = [Section.USERS]


def _world_with_frozen_admin() -> World:
    data = generate_world(5, seed=1).model_dump(mode="json", exclude_defaults=True)
    data["users"].append({
        "name": "frozen-admin", "status": "freeze", "created": "now-400d",
        "last_login": "now-200d", "login_profile": {}, "mfa_device": {},
        "access_keys": [{"id": "LTAI5tFrozenAdmin001", "created": "now-300d",
                         "status": "Inactive"}],
        "policies": [{"name": "AdministratorAccess", "type": "System"}],
    })
    return parse_world(data, "frozen-admin")


def test_a_frozen_user_is_collected_with_its_status_and_credentials() -> None:
    world = _world_with_frozen_admin()
    with Emulator(world, now=NOW) as emu:
        snap = collect_snapshot(settings_for(emu), USERS, credentials=auditor_credentials())
    assert snap.issues == ()
    assert {u.name: u.status for u in snap.users} == {
        u.name: u.status for u in world.users}
    frozen = snap.user("frozen-admin")
    assert frozen is not None and frozen.frozen and frozen.status == "freeze"
    assert (frozen.console_access, frozen.mfa_bound) == (True, True)
    assert [(k.id, k.status) for k in frozen.access_keys] == [("LTAI5tFrozenAdmin001", "Inactive")]
    assert not any(u.frozen for u in snap.users if u.name != "frozen-admin")
    # Both states in one page: the call budget is unchanged.
    assert snap.meta.api_calls["ims:ListUsers"] == 1


def test_frozen_users_are_collected_per_user_without_the_report() -> None:
    world = _world_with_frozen_admin()
    denied = Faults(deny=frozenset({"GetCredentialReport"}))
    with Emulator(world, faults=denied, now=NOW) as emu:
        snap = collect_snapshot(settings_for(emu), USERS, credentials=auditor_credentials())
    frozen = snap.user("frozen-admin")
    assert frozen is not None and frozen.frozen and frozen.console_access
    assert snap.meta.api_calls["ims:ListUsers"] == 1


def test_a_generated_world_has_frozen_users_and_all_are_collected(small_world) -> None:  # type: ignore[no-untyped-def]
    frozen = {u.name for u in small_world.users if u.status == "freeze"}
    assert frozen
    with Emulator(small_world, now=NOW) as emu:
        snap = collect_snapshot(settings_for(emu), USERS, credentials=auditor_credentials())
    assert {u.name for u in snap.users if u.frozen} == frozen
    assert len(snap.users) == len(small_world.users)

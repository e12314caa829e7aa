"""The synthetic world generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.emulator.generate import (
    AUDITOR_KEY_ID,
    AUDITOR_KEY_SECRET,
    AUDITOR_USER,
    generate_world,
    write_world,
)
from auditor.emulator.world import World, load_world


@pytest.fixture(scope="module")
def large() -> World:
    return generate_world(2000, seed=7)


def test_same_seed_same_world_other_seed_other_world() -> None:
    assert generate_world(300, seed=1) == generate_world(300, seed=1)
    assert generate_world(300, seed=1) != generate_world(300, seed=2)


def test_sizes_scale_with_users() -> None:
    small, big = generate_world(10), generate_world(1000)
    assert len(small.users) == 10 and len(big.users) == 1000
    assert (len(small.groups), len(small.policies), len(small.roles)) == (3, 5, 5)
    assert (len(big.groups), len(big.policies), len(big.roles)) == (23, 15, 15)


def test_single_user_world_is_the_auditor() -> None:
    (user,) = generate_world(1).users
    assert user.name == AUDITOR_USER


def test_rejects_an_empty_world() -> None:
    with pytest.raises(ValueError, match="at least one user"):
        generate_world(0)


def test_auditor_key_is_known(large: World) -> None:
    auditor = next(u for u in large.users if u.name == AUDITOR_USER)
    (key,) = auditor.access_keys
    assert (key.id, key.secret_value(), key.status) == (
        AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, "Active")
    assert auditor.groups and auditor.login_profile is None


def test_population_is_plausible(large: World) -> None:
    users = large.users
    console = [u for u in users if u.login_profile and u.login_profile.status == "Active"]
    with_keys = [u for u in users if u.access_keys]
    assert 0.5 < len(console) / len(users) < 0.7
    assert 0.4 < len(with_keys) / len(users) < 0.6
    assert [u for u in with_keys if len(u.access_keys) == 2]
    assert [u for u in console if u.mfa_device is None]
    assert [u for u in console if u.mfa_device is not None]
    assert 0.8 < sum(bool(u.groups) for u in users) / len(users) < 0.97
    assert 0 < sum(bool(u.policies) for u in users) < len(users) * 0.1
    assert [k for u in users for k in u.access_keys if k.status == "Inactive"]
    assert [k for u in users for k in u.access_keys if k.last_used is None]
    assert [r for r in large.roles if r.service_linked]
    assert [r for r in large.roles if not r.service_linked]


def test_policies_mix_good_and_bad_and_one_is_unused(large: World) -> None:
    documents = [p.default_version().document for p in large.policies]
    statements = [s for d in documents if isinstance(d, dict) for s in d["Statement"]]
    assert any(s.get("Action") == "*:*" for s in statements)
    assert any("NotAction" in s for s in statements)
    assert any("Condition" in s for s in statements)
    attached = {p.name for u in large.users for p in u.policies}
    attached |= {p.name for g in large.groups for p in g.policies}
    attached |= {p.name for r in large.roles for p in r.policies}
    assert large.policies[-1].name not in attached
    assert len(attached & {p.name for p in large.policies}) >= len(large.policies) // 2


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_write_world_round_trips(tmp_path: Path, suffix: str) -> None:
    world = generate_world(150, seed=5)
    path = tmp_path / f"world{suffix}"
    write_world(world, path)
    assert load_world(path) == world


def test_ten_thousand_users_generate_with_unique_names() -> None:
    world = generate_world(10_000, seed=3)
    assert len(world.users) == 10_000
    assert len({u.name for u in world.users}) == 10_000


def test_command_line_writes_a_loadable_world(tmp_path: Path) -> None:
    output = tmp_path / "cli-world.json"
    completed = subprocess.run(
        [sys.executable, "-m", "auditor.emulator.generate", "--users", "40", "--seed", "9",
         "--output", str(output)],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert load_world(output) == generate_world(40, seed=9)

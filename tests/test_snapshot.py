"""The snapshot's lookups of attached policies."""

from __future__ import annotations

from auditor.snapshot import Policy, PolicyAttachment
from auditor.testing import make_snapshot


def _policy(name: str, *to: tuple[str, str]) -> Policy:
    return Policy(name=name, type="Custom", attachments=tuple(
        PolicyAttachment(principal_type=t, principal_name=n) for t, n in to))  # type: ignore[arg-type]


def test_attached_policies_is_policies_attached_to_as_a_tuple() -> None:
    snap = make_snapshot(policies=[
        _policy("b", ("user", "alice"), ("group", "ops")),
        _policy("a", ("user", "alice"), ("user", "alice")),
        _policy("c", ("role", "alice")),
    ])
    for kind, name in (("user", "alice"), ("group", "ops"), ("role", "alice"), ("user", "bob")):
        found = snap.attached_policies(kind, name)
        assert type(found) is tuple
        assert found == tuple(snap.policies_attached_to(kind, name))
    assert [p.name for p in snap.attached_policies("user", "alice")] == ["b", "a"]
    assert snap.attached_policies("user", "bob") == ()

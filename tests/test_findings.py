"""Findings, resources and results built without validation equal validated ones."""

from __future__ import annotations

import subprocess
import sys

import pytest

from auditor.check import account, of_access_key, of_policy, of_user
from auditor.engine import _results
from auditor.findings import (
    Finding,
    Resource,
    Severity,
    Status,
    shared_keys,
    trusted,
    trusted_all,
)
from auditor.report import Result, result_uid
from auditor.snapshot import Policy
from auditor.testing import make_key, make_snapshot, make_user
from checks.users import UserConsoleMfaBound


class _Name(str):
    """A str subclass: not a plain string, so the fast paths must validate it."""


def _same(fast: Resource | Finding | Result, slow: Resource | Finding | Result) -> None:
    assert type(fast) is type(slow)
    assert fast == slow
    assert repr(fast) == repr(slow)  # also the field order
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump_json() == slow.model_dump_json()
    assert list(fast.__dict__) == list(type(slow).model_fields)


def test_resource_helpers_build_what_validation_builds() -> None:
    user = make_user("alice", keys=[make_key("LTAI1")])
    policy = Policy(name="Ops", type="Custom")
    snapshot = make_snapshot(users=(user,))
    _same(of_user(user), Resource(type="user", id=user.id, name="alice"))
    _same(of_access_key(user.access_keys[0], user),
          Resource(type="access_key", id="LTAI1", name="alice"))
    _same(of_policy(policy), Resource(type="policy", id="Custom:Ops", name="Ops"))
    _same(account(snapshot), Resource(type="account", id=snapshot.account_id, name="acme"))
    assert hash(of_user(user)) == hash(Resource(type="user", id=user.id, name="alice"))


def test_check_helpers_build_what_validation_builds() -> None:
    resource = Resource(type="user", id="1", name="bob")
    check = UserConsoleMfaBound()
    fast = check.failed(resource, "no MFA")
    _same(fast, Finding(check_id=check.meta.id, status=Status.FAIL, resource=resource,
                        message="no MFA"))
    assert hash(fast) == hash(Finding(check_id=check.meta.id, status=Status.FAIL,
                                      resource=resource, message="no MFA"))


def test_anything_else_is_validated() -> None:
    assert type(Resource.of("user", "1", _Name("bob")).name) is str
    with pytest.raises(ValueError):
        Resource.of("user", "1", 5)  # type: ignore[arg-type]
    resource = Resource(type="user", id="1")
    coerced = Finding.of("c", "PASS", resource, "m")  # type: ignore[arg-type]
    assert coerced.status is Status.PASS
    with pytest.raises(ValueError):
        Finding.of("c", "MAYBE", resource, "m")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Finding.of("c", Status.PASS, {"type": "user"}, "m")  # type: ignore[arg-type]


def test_results_are_what_validation_builds() -> None:
    check = UserConsoleMfaBound()
    resource = Resource(type="user", id="1", name="bob")
    compliance = {"cis": ["1.1", "1.2"]}
    findings = [check.failed(resource, "no MFA"),
                Finding.model_construct(check_id=check.meta.id, status=Status.PASS,
                                        resource=resource, message=_Name("validated"))]
    (fast,) = _results(check.meta, Severity.LOW, compliance, "1234", findings[:1])
    # One finding the helpers did not make: all validated, the typed one too.
    first, validated = _results(check.meta, Severity.LOW, compliance, "1234", findings)
    _same(first, fast)
    assert first.model_fields_set is not fast.model_fields_set
    assert type(validated.message) is str
    for result, finding in ((fast, findings[0]), (validated, findings[1])):
        assert result.uid == result_uid(check.meta.id, "1234", resource)
        _same(result, Result(
            uid=result.uid, check_id=check.meta.id, title=check.meta.title,
            severity=Severity.LOW, status=finding.status, resource=resource,
            message=finding.message, doc_url=check.meta.doc_url, compliance=compliance,
        ))


def test_a_copy_never_changes_the_shared_fields_set() -> None:
    check = UserConsoleMfaBound()
    resource = Resource(type="user", id="1", name="bob")
    findings = [check.failed(resource, "a"), check.failed(resource, "b")]
    first, second = _results(check.meta, Severity.LOW, {}, "1234", findings)
    assert first.model_fields_set is second.model_fields_set  # shared, by design
    before = set(second.model_fields_set)
    waived = first.model_copy(update={"waived": True})
    assert "waived" in waived.model_fields_set
    assert second.model_fields_set == before
    with pytest.raises(ValueError):
        first.waived = True  # type: ignore[misc]  # frozen: the shared set cannot change
    assert second.model_fields_set == before


def test_trusted_refuses_a_model_that_is_not_frozen() -> None:
    from pydantic import BaseModel

    class Mutable(BaseModel):
        x: int

    with pytest.raises(TypeError, match="not frozen"):
        trusted(Mutable, {"x": 1}, {"x"})
    with pytest.raises(TypeError, match="not frozen"):  # asked again, not remembered as good
        trusted(Mutable, {"x": 1}, {"x"})
    with pytest.raises(TypeError, match="not frozen"):
        trusted_all(Mutable, [{"x": 1}], {"x"})
    with pytest.raises(TypeError, match="not frozen"):  # even with nothing to build
        trusted_all(Mutable, [], {"x"})


def test_trusted_all_builds_what_trusted_builds() -> None:
    given = {"type", "id", "name"}
    rows = [{"type": "user", "id": str(i), "name": f"u{i}"} for i in range(3)]
    built = trusted_all(Resource, rows, given)
    assert [r.__dict__ for r in built] == rows
    for fast, row in zip(built, rows, strict=True):
        _same(fast, trusted(Resource, dict(row), given))
        _same(fast, Resource(**row))
        assert fast.__dict__ is row and fast.model_fields_set is given
    assert trusted_all(Resource, [], given) == []


def test_shared_keys_copies_are_independent_dicts_of_the_fields_in_order() -> None:
    fields = {"type": "user", "id": "1", "name": "bob"}
    template = shared_keys(Resource, fields)
    assert template == fields and list(template) == list(fields)
    first, second = template.copy(), template.copy()
    first["name"] = "alice"
    assert second == fields and template == fields
    assert list(first) == list(fields)


#: The point of shared_keys, in a fresh interpreter as a run has it: CPython keeps one key
#: table per class until some instance dict of that class is built otherwise, which other
#: tests in this process may have done.
_SMALLER_COPIES = """
import sys
from auditor.findings import shared_keys
from auditor.report import Result
shared = shared_keys(Result, dict.fromkeys(Result.model_fields))
plain = dict.fromkeys(Result.model_fields)
assert sys.getsizeof(shared.copy()) < sys.getsizeof(plain), (sys.getsizeof(shared.copy()),
                                                              sys.getsizeof(plain))
"""


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython's key-sharing dicts")
def test_shared_keys_copies_store_no_keys_in_a_fresh_interpreter() -> None:
    proc = subprocess.run([sys.executable, "-c", _SMALLER_COPIES], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_results_of_one_check_never_share_their_fields() -> None:
    check = UserConsoleMfaBound()
    findings = [check.failed(Resource(type="user", id=str(i), name=f"u{i}"), f"m{i}")
                for i in range(3)]
    results = _results(check.meta, Severity.LOW, {}, "1234", findings)
    assert len({id(r.__dict__) for r in results}) == 3
    assert [r.message for r in results] == ["m0", "m1", "m2"]
    waived = results[0].model_copy(update={"waived": True})
    assert waived.waived and not results[0].waived and not results[1].waived

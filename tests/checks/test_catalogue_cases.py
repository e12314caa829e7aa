"""Every check's ``CASES`` (Checkov style): each case runs, and every built-in check has cases
that demonstrably PASS and FAIL.

A check's test module (``tests/checks/test_<module>.py``) ends with a ``CASES`` list of
:class:`auditor.testing.Case`: a check, a snapshot whose resources (or account alias) are
named ``pass_*``/``fail_*``/``na_*``/``unknown_*`` for their expected status, and parameter
overrides. Adding a check is its module plus its cases; nothing here lists check ids.

A check that has no PASS outcome by specification (its clean state is NOT_APPLICABLE) is
named in its test module's ``WITHOUT_PASS`` set and must demonstrate NOT_APPLICABLE instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from auditor.findings import Status
from auditor.registry import CheckRegistry
from auditor.testing import Case, make_snapshot, make_user

HERE = Path(__file__).resolve().parent


def _test_modules() -> Iterator[ModuleType]:
    for path in sorted(HERE.glob("test_*.py")):
        if path.stem != Path(__file__).stem:
            yield importlib.import_module(path.stem)


MODULES = list(_test_modules())
ALL_CASES = [(f"{module.__name__}:{case.check_id}:{i}", case)
             for module in MODULES for i, case in enumerate(getattr(module, "CASES", []))]
WITHOUT_PASS: set[str] = set().union(*(getattr(m, "WITHOUT_PASS", set()) for m in MODULES))


@pytest.fixture(scope="module")
def demonstrated() -> dict[str, set[Status]]:
    """check id -> the statuses its cases demonstrate (by running them)."""
    out: dict[str, set[Status]] = {}
    for _, case in ALL_CASES:
        try:
            shown = case.verify()
        except AssertionError:  # reported by test_case; demonstrates nothing
            continue
        out.setdefault(case.check_id, set()).update(shown)
    return out


@pytest.mark.parametrize("case", [c for _, c in ALL_CASES], ids=[i for i, _ in ALL_CASES])
def test_case(case: Case) -> None:
    case.verify()


def _builtin_ids() -> list[str]:
    return [c.id for c in CheckRegistry.discover().all() if c.pack == "builtin"]


@pytest.mark.parametrize("check_id", _builtin_ids())
def test_every_builtin_check_has_passing_and_failing_cases(
    check_id: str, demonstrated: dict[str, set[Status]]
) -> None:
    shown = demonstrated.get(check_id, set())
    clean = Status.NOT_APPLICABLE if check_id in WITHOUT_PASS else Status.PASS
    missing = {clean, Status.FAIL} - shown
    assert not missing, (
        f"{check_id}: no case demonstrates {sorted(map(str, missing))}; add Case(...) entries "
        "with resources named for those statuses to CASES in its tests/checks module"
    )
    assert check_id not in WITHOUT_PASS or Status.PASS not in shown, (
        f"{check_id} PASSes in a case: remove it from WITHOUT_PASS"
    )


def test_without_pass_names_builtin_checks() -> None:
    assert not WITHOUT_PASS - set(_builtin_ids()), "WITHOUT_PASS names unknown checks"


def test_a_case_cannot_claim_a_status_it_does_not_produce() -> None:
    """A resource named ``pass_`` that the check FAILs, or does not evaluate at all, fails the
    case (so a case demonstrates only what the check really did)."""
    from checks.users import UserConsoleMfaBound

    wrong = Case(UserConsoleMfaBound, make_snapshot(users=[make_user("pass_no_mfa",
                                                                     console=True)]))
    with pytest.raises(AssertionError, match="pass_no_mfa"):
        wrong.verify()
    skipped = Case(UserConsoleMfaBound, make_snapshot(users=[make_user("fail_api_only")]))
    with pytest.raises(AssertionError, match="fail_api_only"):
        skipped.verify()
    right = Case(UserConsoleMfaBound, make_snapshot(users=[make_user("fail_no_mfa",
                                                                     console=True)]))
    assert right.verify() == {Status.FAIL}

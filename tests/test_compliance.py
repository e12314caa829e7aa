"""Compliance frameworks: packaged files load, have the expected controls, and every
control is implemented by at least one built-in check (mapping lives in check metadata)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import NoReturn

import pytest

import checks
from auditor import compliance
from auditor.check import Check
from auditor.compliance import FrameworkError, load_frameworks
from auditor.registry import CheckRegistry

CIS = ("cis-alibaba-v1", "cis-alibaba-v2")
BEST_PRACTICES = "alibaba-ram-best-practices"


def builtin_checks() -> list[type[Check]]:
    found = []
    for module_info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"checks.{module_info.name}")
        found += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and issubclass(obj, Check)
            and obj.__module__ == module.__name__
            and "meta" in vars(obj)
        ]
    return found


@pytest.fixture(scope="module")
def frameworks() -> dict:
    return load_frameworks()


def test_shipped_frameworks(frameworks: dict) -> None:
    assert set(frameworks) == {*CIS, BEST_PRACTICES}


@pytest.mark.parametrize("name", CIS)
def test_cis_has_sixteen_recommendations(frameworks: dict, name: str) -> None:
    ids = [c.id for c in frameworks[name].controls]
    assert ids == [f"1.{i}" for i in range(1, 17)]
    assert all(c.title.startswith("Ensure") or c.id == "1.1" for c in frameworks[name].controls)


def test_cis_versions_differ_on_password_max_age(frameworks: dict) -> None:
    v1, v2 = frameworks["cis-alibaba-v1"], frameworks["cis-alibaba-v2"]
    assert dict(v1.params) == {}
    assert dict(v2.params) == {"password_policy_max_age": {"mode": "cis_v2"}}
    assert "90 days or less" in v1.control("1.13").title
    assert "365 days or greater" in v2.control("1.13").title


def test_best_practices_have_s1_to_s11_with_links(frameworks: dict) -> None:
    controls = frameworks[BEST_PRACTICES].controls
    assert [c.id for c in controls] == [f"S{i}" for i in range(1, 12)]
    assert all(c.doc_url.startswith("https://www.alibabacloud.com/help/") for c in controls)


def test_every_control_maps_existing_builtin_checks(frameworks: dict) -> None:
    """The framework files own the control -> check mapping: every control names at least
    one check, and every named check exists (a typo would silently map nothing)."""
    known = {c.meta.id for c in builtin_checks()}
    for name, framework in frameworks.items():
        for control in framework.controls:
            assert control.checks, f"{name} {control.id}: maps no check"
            assert set(control.checks) <= known, f"{name} {control.id}: unknown check ids"


def test_builtin_checks_leave_the_mapping_to_the_frameworks() -> None:
    """A new framework touches no check: built-in checks declare no compliance of their own."""
    assert [c.meta.id for c in builtin_checks() if c.meta.compliance] == []


def test_a_new_framework_maps_checks_without_touching_them(tmp_path: Path) -> None:
    (tmp_path / "acme-internal.toml").write_text(
        'name = "acme-internal"\ntitle = "ACME internal baseline"\nversion = "1"\n'
        '[[controls]]\nid = "A-1"\ntitle = "No root keys"\n'
        'checks = ["root_access_key_absent", "root_mfa_enabled"]\n',
        encoding="utf-8",
    )
    frameworks = load_frameworks(tmp_path)
    mapped = CheckRegistry(CheckRegistry.discover().all(), frameworks=frameworks)
    assert mapped.get("root_mfa_enabled").compliance == {"acme-internal": ("A-1",)}
    assert [c.id for c in mapped.select(framework="acme-internal")] == [
        "root_access_key_absent",
        "root_mfa_enabled",
    ]


def test_cis_params_name_existing_parameters(frameworks: dict) -> None:
    by_id = {c.meta.id: c for c in builtin_checks()}
    for framework in frameworks.values():
        for check_id, overrides in framework.params.items():
            by_id[check_id].Params(**overrides)  # validates names and values


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('name = "broken"\ntitle = "x"\nversion = "1"\ncontrols = [', "broken.toml"),
        ('name = "broken"\ntitle = "x"\nversion = "1"\n', "controls"),
        (
            'name = "other"\ntitle = "x"\nversion = "1"\n[[controls]]\nid = "a"\ntitle = "t"\n',
            "must be 'broken'",
        ),
        (
            'name = "broken"\ntitle = "x"\nversion = "1"\n'
            '[[controls]]\nid = "a"\ntitle = "t"\n[[controls]]\nid = "a"\ntitle = "u"\n',
            "duplicate control ids: a",
        ),
    ],
)
def test_malformed_file_names_itself(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "broken.toml").write_text(content)
    with pytest.raises(FrameworkError, match=r"broken\.toml") as excinfo:
        load_frameworks(tmp_path)
    assert problem in str(excinfo.value)


def test_packaged_frameworks_are_read_once_and_each_caller_gets_its_own_dict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The registry and prepare() both ask for the packaged frameworks: the files are
    parsed once; a caller changing its dict changes no other caller's."""
    first = load_frameworks()
    monkeypatch.setattr(compliance, "load_framework", _no_reading)
    second = load_frameworks()
    assert second == first
    assert second is not first
    second.clear()
    assert load_frameworks() == first


def test_a_directory_is_read_each_time(tmp_path: Path) -> None:
    """Only the packaged files are kept: a directory given is read again."""
    (tmp_path / "acme.toml").write_text(
        'name = "acme"\ntitle = "ACME"\nversion = "1"\n[[controls]]\nid = "A-1"\ntitle = "t"\n',
        encoding="utf-8",
    )
    assert load_frameworks(tmp_path)["acme"].version == "1"
    (tmp_path / "acme.toml").write_text(
        'name = "acme"\ntitle = "ACME"\nversion = "2"\n[[controls]]\nid = "A-1"\ntitle = "t"\n',
        encoding="utf-8",
    )
    assert load_frameworks(tmp_path)["acme"].version == "2"


def _no_reading(source: object) -> NoReturn:
    raise AssertionError(f"framework file read again: {source}")

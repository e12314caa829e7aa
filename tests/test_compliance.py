"""Compliance frameworks: packaged files load, have the expected controls, and every
control is implemented by at least one built-in check (mapping lives in check metadata)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import checks
from auditor.check import Check
from auditor.compliance import FrameworkError, load_frameworks

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


def test_every_control_is_mapped_by_a_builtin_check(frameworks: dict) -> None:
    mapped: dict[str, set[str]] = {}
    for check in builtin_checks():
        for framework, controls in check.meta.compliance.items():
            mapped.setdefault(framework, set()).update(controls)
    for name, framework in frameworks.items():
        declared = {c.id for c in framework.controls}
        assert declared - mapped.get(name, set()) == set(), f"{name}: unmapped controls"
        assert mapped.get(name, set()) - declared == set(), f"{name}: unknown control ids"


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

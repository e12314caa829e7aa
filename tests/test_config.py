"""Configuration file: loading, validation against the registry, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import discover_config, load_config
from auditor.errors import UsageError
from auditor.registry import CheckRegistry


@pytest.fixture(scope="module")
def registry() -> CheckRegistry:
    return CheckRegistry.discover()


def _write(tmp_path: Path, text: str, name: str = "ram-audit.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_config_with_params_severity_and_waivers(
    tmp_path: Path, registry: CheckRegistry
) -> None:
    path = _write(
        tmp_path,
        'fail_on = "critical"\nexclude_checks = ["user_in_group"]\nwaivers = "w.yaml"\n'
        "[params.user_console_inactive_disabled]\nmax_days = 60\n"
        '[severity]\nuser_unused = "medium"\n',
    )
    config = load_config(path)
    config.check_against(registry)
    assert config.fail_on == "critical"
    assert config.params == {"user_console_inactive_disabled": {"max_days": 60}}
    assert config.waivers == tmp_path / "w.yaml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[params.no_such_check]\nx = 1\n", r"params: unknown check id 'no_such_check'"),
        (
            "[params.user_unused]\nmax_dayz = 1\n",
            r"params.user_unused: unknown parameter 'max_dayz'",
        ),
        ('[params.user_unused]\nmax_days = "many"\n', r"params.user_unused: max_days"),
        ('exclude_checks = ["nope"]\n', r"exclude_checks: unknown check id 'nope'"),
        ('fail_on = "sometimes"\n', r"fail_on"),
        ("surprise = 1\n", r"surprise"),
    ],
)
def test_invalid_config_names_file_and_field(
    tmp_path: Path, registry: CheckRegistry, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(UsageError, match=message) as info:
        load_config(path).check_against(registry)
    assert str(path) in str(info.value)


def test_invalid_toml_is_a_usage_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "fail_on = \n")
    with pytest.raises(UsageError, match="invalid TOML"):
        load_config(path)


def test_pyproject_table_is_discovered(tmp_path: Path) -> None:
    _write(tmp_path, '[project]\nname = "x"\n[tool.ram-audit]\nfail_on = "low"\n', "pyproject.toml")
    config = discover_config(tmp_path)
    assert config is not None and config.fail_on == "low"
    assert "[tool.ram-audit]" in config.source


def test_no_config_found(tmp_path: Path) -> None:
    _write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml")
    assert discover_config(tmp_path) is None


def test_broken_pyproject_that_configures_ram_audit_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "[tool.ram-audit]\nfail_on = \n", "pyproject.toml")
    with pytest.raises(UsageError, match="invalid TOML"):
        discover_config(tmp_path)


def test_broken_pyproject_of_another_tool_is_ignored(tmp_path: Path) -> None:
    _write(tmp_path, "[tool.other]\nx = \n", "pyproject.toml")
    assert discover_config(tmp_path) is None


def test_non_utf8_config_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "ram-audit.toml"
    path.write_bytes(b"fail_on = '\xff'\n")
    with pytest.raises(UsageError, match="not a UTF-8"):
        load_config(path)

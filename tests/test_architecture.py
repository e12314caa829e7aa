"""Architecture contracts: only the collector imports the SDKs; checks are pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SDK_PREFIXES = ("alibabacloud_", "darabonba", "Tea")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _sources(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py"))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", _sources("auditor", "checks"), ids=_rel)
def test_only_the_collector_imports_the_sdk(path: Path) -> None:
    sdk = {name for name in _imports(path) if name.startswith(SDK_PREFIXES)}
    if path.is_relative_to(ROOT / "auditor" / "collector"):
        return
    assert not sdk, f"{path.relative_to(ROOT)} imports {sorted(sdk)}"


FORBIDDEN_IN_CHECKS = ("os", "time", "socket", "requests", "subprocess", "random",
                       "auditor.collector", "auditor.emulator", "urllib")


@pytest.mark.parametrize("path", _sources("checks"), ids=_rel)
def test_checks_are_pure(path: Path) -> None:
    bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN_IN_CHECKS
           or n.startswith(FORBIDDEN_IN_CHECKS)}
    assert not bad, f"{path.name} imports {sorted(bad)}"
    text = path.read_text()
    for clock in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time("):
        assert clock not in text, f"{path.name} reads the clock ({clock}); use snapshot.now"

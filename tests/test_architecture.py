"""Architecture contracts: only the collector imports the SDKs; checks are pure."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
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


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that runs (module level or in a function), not typing-only ones."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            found += _runtime_imports(ast.Module(body=node.orelse, type_ignores=[]))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        else:
            found += _runtime_imports(node)
    return found


def import_graph(root: Path, *packages: str) -> dict[str, set[str]]:
    """module -> the modules of ``packages`` it imports at run time.

    ``from pkg import sub`` depends on ``pkg`` itself (it reads an attribute of a package
    that may still be initialising) as well as on ``pkg.sub``; ``import pkg.sub as sub``
    depends on ``pkg.sub`` only.
    """
    paths = {_module_name(p, root): p for d in packages for p in (root / d).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        deps: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + is_package]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            deps.add(base)
            deps.update(f"{base}.{alias.name}" for alias in node.names)
        graph[name] = {d for d in deps if d in paths and d != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        return list(error.args[1])
    return None


def test_the_import_graph_detector_finds_a_package_cycle(tmp_path: Path) -> None:
    """The emulator's old cycle in miniature: the package imports a, a imports the package."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pkg.a import A\n")
    (pkg / "a.py").write_text("from pkg import b\nA = b.B\n")
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from pkg.a import A\nB = 1\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg", "pkg.b"}, "pkg.b": set()}
    assert set(_cycle(graph) or ()) == {"pkg", "pkg.a"}
    (pkg / "a.py").write_text("import pkg.b as b\nA = b.B\n")
    assert _cycle(import_graph(tmp_path, "pkg")) is None


def test_no_import_cycles() -> None:
    """No module of ``auditor`` or ``checks`` takes part in an import cycle (the emulator had
    one: its package imported the server, whose dispatcher imported ``from auditor.emulator``).
    """
    graph = import_graph(ROOT, "auditor", "checks")
    assert "auditor.emulator.dispatch" in graph["auditor.emulator.server"]  # the graph is real
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph) or ())}"

"""What the command line loads: ``ram-audit --help`` and a run without --history/--notify
leave the heavy modules they do not use unimported (start-up time, issue #8).

Each case runs in a fresh interpreter and lists ``sys.modules`` at its end; no timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import SEVERITY_CHOICES
from auditor.findings import Severity
from auditor.snapshot_file import save_snapshot
from auditor.testing import make_snapshot

#: Modules ``ram-audit --help`` (and ``import auditor.cli``) must not load: the Alibaba
#: Cloud SDKs and what they pull in, pydantic and the models, the pipeline, renderers,
#: history store and notification senders, the package version lookup.
NOT_FOR_HELP = (
    "alibabacloud_credentials", "alibabacloud_ims20190815", "alibabacloud_ram20150501",
    "alibabacloud_sts20150401", "alibabacloud_tea_openapi", "Tea", "aiohttp", "requests",
    "pydantic", "jinja2", "rich", "yaml", "sqlite3", "urllib.request", "importlib.metadata",
    "auditor.findings", "auditor.snapshot", "auditor.report", "auditor.pipeline",
    "auditor.collector", "auditor.render", "auditor.engine", "auditor.history.store",
    "auditor.notify.send", "auditor.progress",
)
#: Loaded only by a run that records a history or sends notifications.
NOT_WITHOUT_JOBS = ("sqlite3", "auditor.history.store", "auditor.history.apply",
                    "auditor.notify.send", "auditor.notify.messages")

_LIST_MODULES = """
import json, sys
sys.argv = ["ram-audit", *json.loads(sys.argv[1])]
from auditor.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def loaded_by(*argv: str, cwd: Path | None = None) -> set[str]:
    """The modules loaded by ``ram-audit ARGV`` run in-process in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _LIST_MODULES, json.dumps(argv)], cwd=cwd,
                          capture_output=True, text=True, check=True, timeout=120)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def _present(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules)


def test_the_listing_sees_what_a_command_loads() -> None:
    """The probe is not blind: ``--version`` looks the version up in the package metadata."""
    assert "importlib.metadata" in loaded_by("--version")


@pytest.mark.parametrize("argv", [("--help",), ("run", "--help"), ("history", "--help"), ()],
                         ids=["help", "run-help", "history-help", "no-args"])
def test_help_is_light(argv: tuple[str, ...]) -> None:
    assert _present(loaded_by(*argv), NOT_FOR_HELP) == []


def test_import_cli_is_light() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import json, sys, auditor.cli; print(json.dumps([*sys.modules]))"],
        capture_output=True, text=True, check=True, timeout=120)
    assert _present(set(json.loads(proc.stdout)), NOT_FOR_HELP) == []


def _snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    save_snapshot(make_snapshot(), path)
    return path


def test_evaluate_without_history_or_notify_loads_neither(tmp_path: Path) -> None:
    """``evaluate`` goes through the same finish() as ``run``; the job modules stay out."""
    snapshot = _snapshot(tmp_path)
    modules = loaded_by("evaluate", str(snapshot), "--format", "json", "--output-dir",
                        str(tmp_path / "out"), "-q", cwd=tmp_path)
    assert (tmp_path / "out" / "report.json").is_file()
    assert "auditor.engine" in modules  # it did evaluate
    assert _present(modules, NOT_WITHOUT_JOBS) == []
    assert "yaml" not in modules  # no waivers file: PyYAML stays out
    assert "auditor.waivers" not in modules  # nor the waivers module


def test_evaluate_with_a_yaml_waivers_file_loads_pyyaml(tmp_path: Path) -> None:
    """The other side: a YAML waivers file is read with PyYAML."""
    snapshot = _snapshot(tmp_path)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: []\n", encoding="utf-8")
    modules = loaded_by("evaluate", str(snapshot), "--format", "json", "--output-dir",
                        str(tmp_path / "out"), "-q", "--waivers", str(waivers), cwd=tmp_path)
    assert (tmp_path / "out" / "report.json").is_file()
    assert {"yaml", "auditor.waivers"} <= modules


def test_evaluate_with_history_loads_the_store(tmp_path: Path) -> None:
    """The other side of the previous test: --history does load the store."""
    snapshot = _snapshot(tmp_path)
    modules = loaded_by("evaluate", str(snapshot), "--format", "json", "--output-dir",
                        str(tmp_path / "out"), "-q", "--history", str(tmp_path / "h.db"),
                        cwd=tmp_path)
    assert (tmp_path / "h.db").is_file()
    assert {"sqlite3", "auditor.history.store"} <= modules


def test_severity_choices_are_the_severities() -> None:
    """The CLI spells the severities out (so that --help needs no pydantic)."""
    assert tuple(s.value for s in Severity) == SEVERITY_CHOICES


def test_loading_pauses_the_garbage_collector_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tests calling cli() keep a collecting interpreter: nothing frozen, gc back on."""
    import gc

    from auditor import cli

    monkeypatch.setattr(cli._Entry, "console_script", False)
    frozen = gc.get_freeze_count()
    with cli._loading():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_loading_in_the_command_freezes_what_was_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from auditor import cli

    monkeypatch.setattr(cli._Entry, "console_script", True)
    try:
        with cli._loading():
            loaded = [object() for _ in range(10)]  # tracked objects: lists, instances
            loaded.append([loaded])
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_evaluate_called_from_python_leaves_the_collector_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``evaluate`` loads its modules and the snapshot with the GC paused (cli._loading);
    called as cli() rather than as the command, nothing stays frozen and the GC is back on."""
    import gc

    from click.testing import CliRunner

    from auditor import cli

    monkeypatch.setattr(cli._Entry, "console_script", False)
    snapshot = _snapshot(tmp_path)
    frozen = gc.get_freeze_count()
    result = CliRunner().invoke(cli.cli, ["evaluate", str(snapshot), "--format", "json",
                                          "--output-dir", str(tmp_path / "out"), "-q"])
    assert result.exit_code in (0, 1, 4), result.output
    assert (tmp_path / "out" / "report.json").is_file()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen

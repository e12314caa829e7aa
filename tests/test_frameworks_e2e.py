"""Compliance frameworks end to end: ``--framework`` runs against emulated accounts.

Each run goes through ``prepare(Options(framework=...))``, the real collector and SDK against
the emulator, and ``finish`` (evaluation and the HTML/JSON renderers).

Controls and their checks come from the framework files and the registry (``mapping``), not
from a hand list; that they match checks.md is ``tests/test_registry.py``'s business. On the
demo world a control whose checks ``demo.expected.yaml`` all lists has exactly the roll-up of
their expected outcomes; a control that maps a check the table does not list (a new one) is
only required to be evaluated, PASS or FAIL.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from oracles import DEMO_EXPECTED

from auditor.collector import CollectorSettings, collect_snapshot
from auditor.compliance import load_frameworks
from auditor.demo import auditor_credentials, emulator_settings
from auditor.emulator import Emulator, load_world, parse_world
from auditor.emulator.world import World
from auditor.pipeline import Options, finish, prepare
from auditor.registry import CheckRegistry
from auditor.report import AuditReport, FrameworkResult

WORLDS = Path(str(files("auditor.emulator.worlds")))
CIS = ("cis-alibaba-v1", "cis-alibaba-v2")
BEST_PRACTICES = "alibaba-ram-best-practices"



def mapping(name: str) -> dict[str, set[str]]:
    """Control id -> the checks framework ``name`` maps to it, in the framework file's order.

    The framework file owns the mapping; the registry resolves it per check.
    """
    out: dict[str, set[str]] = {c.id: set() for c in load_frameworks()[name].controls}
    for loaded in CheckRegistry.discover().all():
        for control in loaded.compliance.get(name, ()):
            out.setdefault(control, set()).add(loaded.id)
    return out


def enabled_checks() -> set[str]:
    return {c.id for c in CheckRegistry.discover().all() if c.check.meta.enabled_by_default}


#: A small account whose passwords never expire (MaxPasswordAge 0).
NO_EXPIRY_WORLD: dict[str, Any] = {
    "account": {"id": "1357924680135792", "alias": "no-expiry"},
    "password_policy": {"max_password_age": 0},
    "users": [
        {
            "name": "ram-auditor",
            "created": "now-10d",
            "access_keys": [
                {
                    "id": "LTAI5tNoExpiryAuditor01",
                    "secret": "NoExpirySecretNotReal01",
                    "created": "now-10d",
                    "last_used": "now-1h",
                }
            ],
        }
    ],
}


def no_wait_settings(emulator: Emulator) -> CollectorSettings:
    """Emulator settings that poll the credential report without waiting."""
    return emulator_settings(emulator, credential_report_poll_s=0, sleep=lambda _: None)


@pytest.fixture(scope="module")
def worlds() -> dict[str, World]:
    return {
        "demo": load_world(WORLDS / "demo.yaml"),
        "hardened": load_world(WORLDS / "hardened.yaml"),
        "no-expiry": parse_world(NO_EXPIRY_WORLD, "no-expiry"),
    }


class Runs:
    """Framework runs against the test worlds, each done once; reports land in ``root``."""

    def __init__(self, worlds: dict[str, World], root: Path) -> None:
        self.worlds = worlds
        self.root = root
        self._reports: dict[tuple[str, str], AuditReport] = {}

    def report(self, world_name: str, framework: str) -> AuditReport:
        if (world_name, framework) not in self._reports:
            plan = prepare(
                Options(
                    framework=framework,
                    formats=("html", "json"),
                    output_dir=self.output_dir(world_name, framework),
                )
            )
            world = self.worlds[world_name]
            with Emulator(world) as emulator:
                snapshot = collect_snapshot(
                    no_wait_settings(emulator),
                    plan.sections,
                    credentials=auditor_credentials(world),
                )
            self._reports[world_name, framework] = finish(plan, snapshot)[0]
        return self._reports[world_name, framework]

    def output_dir(self, world_name: str, framework: str) -> Path:
        return self.root / f"{world_name}-{framework}"


@pytest.fixture(scope="module")
def runs(worlds: dict[str, World], tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(worlds, tmp_path_factory.mktemp("frameworks"))


@pytest.fixture(scope="module")
def demo_expected() -> dict[str, Any]:
    return yaml.safe_load(DEMO_EXPECTED.read_text(encoding="utf-8"))


def _only_framework(report: AuditReport, name: str) -> FrameworkResult:
    assert [f.name for f in report.frameworks] == [name]
    return report.frameworks[0]


def _statuses(framework: FrameworkResult) -> dict[str, str]:
    return {c.id: c.status.value for c in framework.controls}


def _assert_statuses(framework: FrameworkResult, wanted: dict[str, str | None]) -> None:
    """Each control has its wanted status; one wanted as None (it maps a check the expected
    table does not list) only PASS or FAIL."""
    got = _statuses(framework)
    assert list(got) == list(wanted)
    assert {c: got[c] for c, w in wanted.items() if w} == {c: w for c, w in wanted.items() if w}
    assert {got[c] for c, w in wanted.items() if w is None} <= {"PASS", "FAIL"}


def _demo_status(check_ids: set[str], expected: dict[str, Any]) -> str | None:
    """A control's roll-up on the demo world, from demo.expected.yaml; None when the table
    does not list all its checks."""
    if not check_ids <= set(expected):
        return None
    outcomes = [expected[c] for c in check_ids if expected[c].get("enabled_by_default", True)]
    failing = any(
        o.get("status") == "FAIL" or o.get("status_counts", {}).get("FAIL") for o in outcomes
    )
    return "FAIL" if failing else "PASS"


@pytest.mark.parametrize("world_name", ["demo", "hardened"])
@pytest.mark.parametrize("name", CIS)
def test_cis_run_evaluates_every_control(runs: Runs, world_name: str, name: str) -> None:
    report = runs.report(world_name, name)
    framework = _only_framework(report, name)
    controls = mapping(name)
    assert [c.id for c in framework.controls] == list(controls)
    for control in framework.controls:
        assert controls[control.id], f"{control.id} maps no check"
        assert set(control.check_ids) == controls[control.id], control.id
        assert control.evaluated, control.id
        assert control.status.value in ("PASS", "FAIL"), control.id
        assert control.doc_url.startswith("https://"), control.id
    mapped = set().union(*controls.values()) & enabled_checks()
    assert {c.id for c in report.checks} == mapped
    assert {r.check_id for r in report.results} == mapped
    assert report.collection_issues == []


@pytest.mark.parametrize(
    ("name", "mode"), [("cis-alibaba-v1", "rotation"), ("cis-alibaba-v2", "cis_v2")]
)
def test_cis_version_sets_the_password_max_age_mode(runs: Runs, name: str, mode: str) -> None:
    report = runs.report("demo", name)
    (info,) = [c for c in report.checks if c.id == "password_policy_max_age"]
    assert info.params == {"mode": mode, "max_days": 90}


@pytest.mark.parametrize("name", CIS)
def test_cis_on_the_demo_world(runs: Runs, name: str, demo_expected: dict[str, Any]) -> None:
    framework = _only_framework(runs.report("demo", name), name)
    wanted = {cid: _demo_status(checks, demo_expected) for cid, checks in mapping(name).items()}
    # MaxPasswordAge 180 fails both versions: above 90 (v1) and below 365 (v2).
    assert wanted["1.13"] == "FAIL"
    _assert_statuses(framework, wanted)
    assert {"PASS", "FAIL"} <= set(wanted.values())


def test_cis_on_the_hardened_world(runs: Runs) -> None:
    v1 = _only_framework(runs.report("hardened", "cis-alibaba-v1"), "cis-alibaba-v1")
    v2 = _only_framework(runs.report("hardened", "cis-alibaba-v2"), "cis-alibaba-v2")
    assert _statuses(v1) == dict.fromkeys(mapping("cis-alibaba-v1"), "PASS")
    # 90-day expiry is what v1 asks for and what v2 rejects (never, or 365 days or more).
    assert _statuses(v2) == {**dict.fromkeys(mapping("cis-alibaba-v2"), "PASS"), "1.13": "FAIL"}


def test_never_expiring_passwords_fail_v1_and_pass_v2(runs: Runs) -> None:
    """MaxPasswordAge 0: v1 wants expiry within 90 days, v2 accepts passwords that never
    expire."""
    v1 = _only_framework(runs.report("no-expiry", "cis-alibaba-v1"), "cis-alibaba-v1")
    v2 = _only_framework(runs.report("no-expiry", "cis-alibaba-v2"), "cis-alibaba-v2")
    assert (_statuses(v1)["1.13"], _statuses(v2)["1.13"]) == ("FAIL", "PASS")


@pytest.mark.parametrize("world_name", ["demo", "hardened"])
def test_best_practices_run_covers_s1_to_s11(runs: Runs, world_name: str) -> None:
    report = runs.report(world_name, BEST_PRACTICES)
    framework = _only_framework(report, BEST_PRACTICES)
    controls = mapping(BEST_PRACTICES)
    assert [c.id for c in framework.controls] == list(controls)
    for control in framework.controls:
        assert controls[control.id], f"{control.id} maps no check"
        assert set(control.check_ids) == controls[control.id], control.id
        assert control.evaluated, control.id
        assert control.doc_url.startswith("https://www.alibabacloud.com/help/"), control.id
    mapped = set().union(*controls.values())
    assert {c.id for c in report.checks} == mapped & enabled_checks()
    assert report.collection_issues == []


def test_best_practices_outcomes(runs: Runs, demo_expected: dict[str, Any]) -> None:
    demo = _only_framework(runs.report("demo", BEST_PRACTICES), BEST_PRACTICES)
    hardened = _only_framework(runs.report("hardened", BEST_PRACTICES), BEST_PRACTICES)
    controls = mapping(BEST_PRACTICES)
    _assert_statuses(
        demo, {cid: _demo_status(checks, demo_expected) for cid, checks in controls.items()}
    )
    assert _statuses(hardened) == dict.fromkeys(controls, "PASS")


def _control_cells(html: str) -> list[str]:
    """The text of the compliance table's control-id cells, in order."""
    cells = re.findall(r'<td class="col-id">(.*?)</td>', html, re.DOTALL)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


@pytest.mark.parametrize("name", CIS)
def test_html_report_shows_every_control(runs: Runs, name: str) -> None:
    runs.report("demo", name)
    html = (runs.output_dir("demo", name) / "report.html").read_text(encoding="utf-8")
    controls = mapping(name)
    assert _control_cells(html) == list(controls)
    for check_id in set().union(*controls.values()) & enabled_checks():
        assert f'href="#check-{check_id}"' in html, check_id

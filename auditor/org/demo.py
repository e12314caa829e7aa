"""``ram-audit demo --org``: the organisation pipeline against a bundled sample directory.

Four members with different postures (the sample account ``acme-retail``, the hardened
``northwind-labs``, a generated account, and one whose audit role is missing) under a
generated management account, served in-process by the organisation emulator; then
exactly ``run --accounts`` and ``merge``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import as_file, files
from pathlib import Path

from auditor.collector import CollectorSettings, Endpoint
from auditor.collector.credentials import static_credentials
from auditor.collector.settings import SERVICES
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET
from auditor.emulator.org import OrgSpec, parse_org
from auditor.emulator.org_generate import MANAGEMENT_ID, audit_role, generate_org, member_world
from auditor.emulator.org_server import OrgEmulator
from auditor.emulator.world import World, load_world, parse_world
from auditor.org.accounts import AccountsFile
from auditor.org.merge import build_org_report, org_exit_code, write_org_report
from auditor.org.report import OrgReport
from auditor.org.runner import OrgRun, run_members
from auditor.org.shard import WHOLE
from auditor.pipeline import Plan


def _bundled(name: str) -> World:
    with as_file(files("auditor.emulator.worlds") / name) as path:
        world = load_world(path)
    data = world.model_dump(mode="python")
    data["roles"] = [*data["roles"], audit_role(MANAGEMENT_ID)]
    return parse_world(data, f"<demo member {name}>")


def demo_org() -> OrgSpec:
    """The sample organisation (deterministic)."""
    management = generate_org(0, seed=7).management
    members = [
        {"world": _bundled("demo.yaml"), "display_name": "retail-prod",
         "folder": "fd-prod", "tags": {"env": "prod"}},
        {"world": _bundled("hardened.yaml"), "display_name": "labs-prod",
         "folder": "fd-prod", "tags": {"env": "prod"}},
        {"world": member_world("1710000000000101", "data-staging", 40, 11, MANAGEMENT_ID),
         "display_name": "data-staging", "folder": "fd-staging", "tags": {"env": "staging"}},
    ]
    orphan = member_world("1710000000000102", "sandbox-dev", 6, 12, MANAGEMENT_ID)
    orphan_data = orphan.model_dump(mode="python")
    orphan_data["roles"] = [r for r in orphan_data["roles"] if r["name"] != "ram-audit-reader"]
    members.append({"world": parse_world(orphan_data, "<demo sandbox>"),
                    "display_name": "sandbox-dev", "folder": "fd-dev", "tags": {"env": "dev"}})
    return parse_org({
        "resource_directory": {"id": "rd-demo01"},
        "management": management.model_dump(mode="python"),
        "folders": [{"id": f"fd-{n}", "name": n} for n in ("prod", "staging", "dev")],
        "members": members,
    }, "<demo organisation>")


def run_demo_org(plan: Plan, emit: Callable[[str], None]) -> tuple[OrgReport, list[Path], int]:
    """Serve the sample organisation, audit every member, and write the reports."""
    spec = demo_org()
    accounts = AccountsFile.model_validate({
        "resource_directory_id": spec.resource_directory.id,
        "management_account_id": spec.management.id,
        "caller_account_id": spec.management.id,
        "accounts": [{"id": m.id, "name": m.name, "status": m.status, "tags": m.tags}
                     for m in spec.accounts],
    })
    output_dir = plan.options.output_dir
    with OrgEmulator(spec) as emu:
        endpoint = Endpoint(emu.endpoint, "http")
        settings = CollectorSettings(endpoints={s: endpoint for s in SERVICES})
        run = OrgRun(accounts=accounts, settings=settings, output_dir=output_dir, shard=WHOLE,
                     credentials=static_credentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET))
        run_members(run, plan, emit)
    report = build_org_report([output_dir], output_dir, fail_on=plan.fail_on)
    paths = write_org_report(report, output_dir)
    return report, paths, org_exit_code(report, plan.fail_on, unknown_ok=True)

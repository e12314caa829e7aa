"""``ram-audit demo``: the real pipeline against the bundled sample account.

Starts the emulator in-process on a free loopback port with the demo world and runs the
same collector (official SDK over HTTP), engine and renderers as ``ram-audit run``.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from auditor.collector import CollectorSettings, Endpoint, collect_snapshot
from auditor.collector.credentials import ResolvedCredentials
from auditor.emulator import Emulator, load_world
from auditor.emulator.world import World
from auditor.errors import UsageError
from auditor.pipeline import Plan, finish
from auditor.progress import Progress
from auditor.report import AuditReport

DEMO_USER = "ram-auditor"


def demo_world() -> World:
    """The bundled sample account."""
    with as_file(files("auditor.emulator.worlds") / "demo.yaml") as path:
        return load_world(path)


def auditor_credentials(world: World) -> ResolvedCredentials:
    """The active AccessKey of the world's ``ram-auditor`` user, to audit the world with."""
    user = next((u for u in world.users if u.name == DEMO_USER), None)
    key = next((k for k in user.access_keys if k.status == "Active"), None) if user else None
    if key is None:
        raise UsageError(f"the world has no active AccessKey for {DEMO_USER!r}")
    return ResolvedCredentials(key.id, key.secret_value(), source="emulator world")


def emulator_settings(emulator: Emulator, **overrides: Any) -> CollectorSettings:
    """Collector settings pointing RAM, IMS and STS at ``emulator`` over plain HTTP.

    ``overrides`` replace any setting, ``endpoints`` included."""
    endpoint = Endpoint(emulator.endpoint, "http")
    values: dict[str, Any] = {"endpoints": {"ram": endpoint, "ims": endpoint, "sts": endpoint}}
    return CollectorSettings(**{**values, **overrides})


def run_demo(plan: Plan, progress: Progress) -> tuple[AuditReport, list[Path]]:
    """Serve the demo world, audit it through the SDK, and write the reports."""
    world = demo_world()
    progress.update("Starting the local emulator with the sample account")
    with Emulator(world, port=0) as emulator:
        settings = emulator_settings(emulator)
        with progress.phase(f"Auditing the sample account via {settings.endpoint('ram').url}"):
            snapshot = collect_snapshot(
                settings,
                plan.sections,
                on_progress=progress.update,
                credentials=auditor_credentials(world),
            )
    report, paths, _ = finish(plan, snapshot)
    return report, paths

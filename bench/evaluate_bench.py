"""Offline evaluation at scale: is ``ram-audit evaluate`` linear in the snapshot?

Collects one snapshot of a generated 2,000-user world through the real collector (the
local emulator, no latency), then scales it by cloning every user, group, policy and role
under new names (structure kept: memberships, attachments, keys), and times the whole
command ``ram-audit evaluate SNAPSHOT --format json`` as a subprocess for each size.

Prints, per size: users, results, wall seconds, CPU seconds (user + sys: the figure to
trust on a shared machine), peak RSS, microseconds of wall time per user (a linear
evaluation keeps that column flat), and the size of report.json (what the run must write:
the escalation checks list one path per distinct first hop, so a principal that can take
over every user has a path per user that can become admin). Goal (issue 8): 10,000 users in <= 2.0 s
and <= 300 MiB. Usage::

    python bench/evaluate_bench.py [--sizes 5000,10000,20000] [--exclude-checks ID,...]
        [--snapshots DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from auditor.collector import collect_snapshot
from auditor.collector.credentials import ResolvedCredentials
from auditor.demo import emulator_settings
from auditor.emulator import Emulator
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, generate_world
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, Group, Policy, PolicyAttachment, Role, User
from auditor.snapshot_file import save_snapshot

BASE_USERS = 2000


def base_snapshot() -> AccountSnapshot:
    """A 2,000-user world collected through the SDK (credential report mode)."""
    world = generate_world(BASE_USERS, seed=7)
    credentials = ResolvedCredentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, source="bench")
    with Emulator(world) as emulator:
        settings = emulator_settings(
            emulator, requests_per_second=5000.0, credential_report_poll_s=0.0
        )
        return collect_snapshot(settings, list(Section), credentials=credentials)


def _renamed(name: str, copy: int) -> str:
    return name if copy == 0 else f"{name}-c{copy}"


def scaled(snapshot: AccountSnapshot, factor: int) -> AccountSnapshot:
    """``factor`` copies of every user, group, custom policy and role (system policies are
    shared, attached to every copy)."""
    users: list[User] = []
    groups: list[Group] = []
    roles: list[Role] = []
    for copy in range(factor):
        users += [
            u.model_copy(
                update={
                    "name": _renamed(u.name, copy),
                    "id": f"{u.id}{copy}",
                    "access_keys": tuple(
                        k.model_copy(update={"id": f"{k.id}{copy}"}) for k in u.access_keys
                    ),
                }
            )
            for u in snapshot.users
        ]
        groups += [
            g.model_copy(
                update={
                    "name": _renamed(g.name, copy),
                    "members": tuple(_renamed(m, copy) for m in g.members),
                }
            )
            for g in snapshot.groups
        ]
        roles += [
            r.model_copy(update={"name": _renamed(r.name, copy), "id": f"{r.id}{copy}"})
            for r in snapshot.roles
        ]
    policies: list[Policy] = []
    for policy in snapshot.policies:
        copies = range(factor) if policy.type == "Custom" else [0]
        for copy in copies:
            links = [
                PolicyAttachment(
                    principal_type=a.principal_type, principal_name=_renamed(a.principal_name, c)
                )
                for a in policy.attachments
                for c in (range(factor) if policy.type == "System" else [copy])
            ]
            policies.append(
                policy.model_copy(
                    update={
                        "name": _renamed(policy.name, copy),
                        "attachments": tuple(links),
                        "attachment_count": len(links),
                    }
                )
            )
    return snapshot.model_copy(
        update={
            "users": tuple(users),
            "groups": tuple(groups),
            "roles": tuple(roles),
            "policies": tuple(policies),
        }
    )


def run_evaluate(path: Path, exclude: str) -> tuple[float, float, float, int, float]:
    """Wall seconds, CPU seconds (user + sys), peak RSS (MiB), result count and
    report.json size (MiB) of one whole ``evaluate`` command."""
    out = Path(tempfile.mkdtemp(prefix="ram-audit-eval-"))
    command = [
        sys.executable,
        "-m",
        "auditor",
        "evaluate",
        str(path),
        "--format",
        "json",
        "--output-dir",
        str(out),
        "-q",
        "--unknown-ok",
    ]
    if exclude:
        command += ["--exclude-checks", exclude]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak = after.ru_maxrss
    if done.returncode not in (0, 1):
        raise SystemExit(f"evaluate failed ({done.returncode}): {done.stderr.strip()}")
    report = out / "report.json"
    results = len(json.loads(report.read_text(encoding="utf-8"))["results"])
    size = report.stat().st_size / 2**20
    shutil.rmtree(out)
    return wall, cpu, max(peak, before.ru_maxrss) / 1024, results, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="2000,10000,20000",
        help="user counts, multiples of 2,000 (default 2000,10000,20000)",
    )
    parser.add_argument("--exclude-checks", default="", help="checks left out of the run")
    parser.add_argument(
        "--snapshots",
        type=Path,
        help="directory for the snapshots (snapshot-SIZE.json): kept after the run, and "
        "those already there are reused instead of collecting again (for profiling)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = args.snapshots or Path(tempfile.mkdtemp(prefix="ram-audit-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    base: AccountSnapshot | None = None
    print(f"{'users':>7} {'results':>8} {'wall s':>7} {'CPU s':>7} {'RSS MiB':>8} "
          f"{'µs/user':>8} {'JSON MiB':>9}")
    for size in sizes:
        path = workdir / f"snapshot-{size}.json"
        if not path.exists():
            if base is None:
                print(f"collecting a {BASE_USERS:,}-user snapshot through the emulator ...",
                      flush=True)
                base = base_snapshot()
            save_snapshot(scaled(base, max(1, size // BASE_USERS)), path)
        users = len(json.loads(path.read_text(encoding="utf-8"))["users"])
        wall, cpu, rss, results, mib = run_evaluate(path, args.exclude_checks)
        per_user = wall / users * 1e6
        print(
            f"{users:>7,} {results:>8,} {wall:>7.2f} {cpu:>7.2f} {rss:>8.0f} {per_user:>8.0f} "
            f"{mib:>9.1f}",
            flush=True,
        )
    print(
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; RSS is the peak "
        "of any child so far)"
    )


if __name__ == "__main__":
    main()
